"""Where a key page's server time goes: each SQL statement's time beside the whole request.

    .venv/bin/python -m bench.profile_pages --database-url URL [--page "System view"] [--repeat 10]

In-process against a database filled by ``flask bench seed``; prints, per page, the median
request time, the median time spent in SQL, and the slowest statements (first 160 characters).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict

import sqlalchemy as sa

from bench.pages import PAGES
from bench.run import app_for, facts_of, resolve, signed_in_client
from competency.extensions import db


def profile(app, page, path: str, repeat: int) -> None:
    client = signed_in_client(app, page.user)
    client.get(path)
    with app.app_context():
        engine = db.engine
    per_statement: dict[str, list[float]] = defaultdict(list)
    totals, in_sql = [], []
    started: dict[int, float] = {}
    spent = [0.0]

    def before(conn, cursor, statement, parameters, context, executemany):
        started[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        elapsed = (time.perf_counter() - started.pop(id(cursor))) * 1000
        per_statement[" ".join(statement.split())[:160]].append(elapsed)
        spent[0] += elapsed

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        for _ in range(repeat):
            spent[0] = 0.0
            t0 = time.perf_counter()
            status = client.get(path).status_code
            totals.append((time.perf_counter() - t0) * 1000)
            in_sql.append(spent[0])
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
    print(f"\n## {page.name} {path}: request {statistics.median(totals):.1f} ms, "
          f"SQL {statistics.median(in_sql):.1f} ms, {len(per_statement)} distinct statements")
    ranked = sorted(per_statement.items(), key=lambda kv: -sum(kv[1]))
    for statement, times in ranked[:8]:
        print(f"  {sum(times) / repeat:7.2f} ms/request  x{len(times) // repeat}  {statement}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--page", action="append", help="a page name from bench/pages.py (default: all)")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)
    app = app_for(args.database_url)
    facts = facts_of(app)
    for page in PAGES:
        if args.page and page.name not in args.page:
            continue
        path = resolve(app, page, facts)
        if path:
            profile(app, page, path, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
