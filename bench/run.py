"""Measure the key pages: SQL statements at 1x and 10x data, server time at full scale, and
requests per second under gunicorn against a bare Flask route in the same run; then reminder
planning beside the raw SELECT and its floor, and the passport PDF, from their own benches.

    python -m bench.run --db-1x URL --db-10x URL --db-full URL [--reminders-db URL] [--skip-pdf]
                        [--out bench/results/latest.md]

Each page database was filled by ``flask bench seed``; ``--reminders-db`` is an empty one.
Statement counts and server times use the in-process test client (server time = the whole
request inside Flask, no network); the load test serves the full database with gunicorn
(2 preloaded sync workers on 127.0.0.1) and drives it with wrk.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform as pyplatform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import url_for

from bench.apps import BenchConfig
from bench.pages import PAGES, Page
from competency import create_app
from competency.bench.generator import EMAIL_DOMAIN
from competency.extensions import db

PASSWORD = "correct-horse-battery"
USER_AGENT = "competency-bench"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    page: Page
    path: str = ""
    skipped: str = ""
    statements: dict[str, int] = field(default_factory=dict)
    p50_ms: float | None = None
    p95_ms: float | None = None
    rps: float | None = None
    non_2xx: int = 0


def app_for(url: str):
    config = type("RunConfig", (BenchConfig,), {"SQLALCHEMY_DATABASE_URI": url,
                                                "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True}})
    return create_app(config)


def facts_of(app) -> dict:
    from competency.passport.models import PassportCredential

    with app.app_context():
        public_id = db.session.scalar(sa.select(PassportCredential.public_id).order_by(PassportCredential.id).limit(1))
        counts = {name: db.session.scalar(sa.text(f'SELECT count(*) FROM "{name}"'))
                  for name in ("user_account", "organisation", "evidence", "signoff", "signoff_request", "enrolment")}
        version = db.session.scalar(sa.text("SHOW server_version")) if db.engine.dialect.name == "postgresql" \
            else db.engine.dialect.name
    return {"credential_public_id": public_id, "counts": counts, "server_version": version}


def resolve(app, page: Page, facts: dict) -> str | None:
    if page.endpoint not in {rule.endpoint for rule in app.url_map.iter_rules()}:
        return None
    try:
        args = page.args(facts)
    except KeyError:
        return None
    if any(v is None for v in args.values()):
        return None
    with app.test_request_context():
        return url_for(page.endpoint, **args)


def signed_in_client(app, user: str | None):
    client = app.test_client()
    if user is None:
        return client
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": f"{user}@{EMAIL_DOMAIN}",
                                           "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"could not sign in as {user}@{EMAIL_DOMAIN} ({response.status_code})")
    return client


def count_statements(app, page: Page, path: str) -> int:
    client = signed_in_client(app, page.user)
    client.get(path)  # warm up: templates, caches
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        response = client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return len(statements)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def time_requests(app, targets: list[tuple[Row, str]], repeat: int, rounds: int) -> None:
    """Server time of each page: ``rounds`` interleaved rounds of ``repeat`` requests per page, after a
    warm-up, so a burst of load elsewhere on the machine spreads over every page instead of one."""
    clients = {}
    for row, path in targets:
        clients[row.page.name] = signed_in_client(app, row.page.user)
        clients[row.page.name].get(path)
    samples: dict[str, list[float]] = {row.page.name: [] for row, _ in targets}
    for _ in range(rounds):
        for row, path in targets:
            client = clients[row.page.name]
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(path)
                samples[row.page.name].append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{path} answered {response.status_code}")
    for row, _ in targets:
        row.p50_ms = statistics.median(samples[row.page.name])
        row.p95_ms = percentile(samples[row.page.name], 0.95)


# --- load test -------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, target: str, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.process = subprocess.Popen(
            [gunicorn, "--workers", "2", "--worker-class", "sync", "--preload", "--bind", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "--timeout", "120", target],
            cwd=ROOT, env={**os.environ, **env}, start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/", timeout=2)
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn {target} did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def session_cookie(base: str, user: str) -> str:
    """Sign in over HTTP with the User-Agent wrk will send (sessions are bound to it) and return the cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login").read().decode()
    token = CSRF_RE.search(page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": f"{user}@{EMAIL_DOMAIN}", "password": PASSWORD})
    try:
        opener.open(base + "/login", data=body.encode())
    except urllib.error.HTTPError as error:
        if error.code != 302:
            raise
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def check_ok(base: str, path: str, cookie: str) -> None:
    request = urllib.request.Request(base + path, headers={"User-Agent": USER_AGENT, "Cookie": cookie})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        status = opener.open(request, timeout=120).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise RuntimeError(f"{path} answered {status} under gunicorn")


def wrk(url: str, seconds: int, cookie: str | None = None) -> tuple[float, int]:
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--timeout", "30s", "-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return rps, int(bad.group(1)) if bad else 0


# --- report ----------------------------------------------------------------------------------

def machine(server_version: str) -> list[tuple[str, str]]:
    cpu = "unknown"
    memory = "unknown"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
        kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    return [("CPUs (nproc)", str(os.cpu_count())), ("CPU model", cpu), ("Memory", memory),
            ("PostgreSQL", server_version), ("Python", pyplatform.python_version()),
            ("OS", f"{pyplatform.system()} {pyplatform.release()}")]


def fmt(value, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


GOAL_MS = 50


def goal(row: Row) -> str:
    """Whether the page meets the goal: p95 under GOAL_MS and the same statement count at 1x and 10x."""
    if row.p95_ms is None:
        return "-"
    flat = row.statements.get("1x") == row.statements.get("10x")
    return "met" if row.p95_ms < GOAL_MS and flat else ("missed" + ("" if flat else ": statements grow"))


def markdown(rows: list[Row], facts: dict, bare_rps: float | None, args, elapsed: list[str]) -> str:
    counts = facts["counts"]
    lines = [
        "# Benchmark results", "",
        f"Run on {time.strftime('%Y-%m-%d %H:%M %Z')} with `make bench` (scripts/run-bench.sh).", "",
        "## Machine", "", "| | |", "|---|---|",
        *[f"| {k} | {v} |" for k, v in machine(facts["server_version"])], "",
        "## Full-scale dataset", "", "| table | rows |", "|---|---:|",
        *[f"| {k} | {v:,} |" for k, v in counts.items()], "",
        *(f"- {line}" for line in elapsed), "",
        "## Key pages", "",
        f"Statements: SQL statements of one request on the {args.label_1x} and {args.label_10x} datasets "
        "(the same number means the page does not grow with the data). Server time: in-process test client "
        f"on the full dataset, {args.rounds} interleaved rounds of {args.repeat} requests per page after one warm-up "
        f"(goal: p95 under {GOAL_MS} ms). Requests per second: gunicorn (`--preload`) with 2 "
        f"sync workers on 127.0.0.1, wrk -t2 -c16 for {args.wrk_seconds} s per page, on the same 2-core machine "
        "as wrk and PostgreSQL.", "",
        "| page | statements 1x | statements 10x | p50 ms | p95 ms | goal | req/s | req/s vs bare route |",
        "|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for row in rows:
        if row.skipped:
            lines.append(f"| {row.page.name} | skipped: {row.skipped} | | | | | | |")
            continue
        ratio = f"{row.rps / bare_rps:.1%}" if row.rps and bare_rps else "-"
        flag = f" ({row.non_2xx} non-2xx)" if row.non_2xx else ""
        lines.append(f"| {row.page.name} (`{row.path}`) | {row.statements.get('1x', '-')} | "
                     f"{row.statements.get('10x', '-')} | {fmt(row.p50_ms)} | {fmt(row.p95_ms)} | {goal(row)} | "
                     f"{fmt(row.rps)}{flag} | {ratio} |")
    lines += ["", f"Bare Flask route under the same gunicorn and wrk settings: {fmt(bare_rps)} requests/s.", ""]
    return "\n".join(lines)


# --- reminder planning and the passport PDF (their own benches, in a subprocess each) -------

def run_json_bench(script: str, args: list[str], timeout: int = 1800) -> dict | None:
    """Run ``bench/<script> ... --json FILE`` and return its figures (None, with the reason printed, on failure)."""
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "figures.json"
        command = [sys.executable, str(ROOT / "bench" / script), *args, "--json", str(out)]
        print(f"- running {' '.join(command[1:])}", flush=True)
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0 or not out.exists():
            print(f"  {script} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}", flush=True)
            return None
        return json.loads(out.read_text())


def load_note(before: tuple[float, float, float], after: tuple[float, float, float]) -> str:
    return (f"Load average (1, 5, 15 min) at the start {before[0]:.2f}, {before[1]:.2f}, {before[2]:.2f} and at "
            f"the end {after[0]:.2f}, {after[1]:.2f}, {after[2]:.2f} on {os.cpu_count()} cores (this run's own "
            "PostgreSQL, gunicorn and wrk included).")


def reminders_markdown(figures: dict | None) -> list[str]:
    """The section for ``bench/bench_reminders.py --json`` figures."""
    if figures is None:
        return ["## Reminder planning", "", "Not measured in this run (see the output above).", ""]
    return [
        "## Reminder planning", "",
        f"`bench/bench_reminders.py` on {figures['database']}: {figures['enrolments']:,} active enrolments and "
        f"{figures['requests']:,} pending sign-off requests, {figures['due_rows']:,} due rows (one per item and "
        f"person); medians of {figures['rounds']} interleaved rounds.", "",
        "| step | ms | x raw SELECT |", "|---|---:|---:|",
        f"| raw SELECT of the due rows (rows fetched) | {fmt(figures['raw_select_ms'])} | 1.00 |",
        f"| floor: INSERT ... SELECT into an unconstrained temp table | {fmt(figures['floor_ms'])} | "
        f"{figures['floor_vs_raw']:.2f} |",
        f"| planning, `plan(today)` + commit ({figures.get('planning_vs_floor', 0):.2f} x the floor) | "
        f"{fmt(figures['planning_ms'])} | {figures['planning_vs_raw']:.2f} |",
        f"| no-op re-plan (nothing new) | {fmt(figures['noop_replan_ms'])} | |",
        f"| the raw SELECT counted in the database (no rows sent) | {fmt(figures.get('raw_count_ms'))} | |", "",
        f"Written: {figures.get('reminder_rows', 0):,} reminders (one per person and kind), "
        f"{figures.get('key_rows', 0):,} keys (one per item, or per day for sign-off requests, and stage).", "",
    ]


def pdf_markdown(figures: dict | None) -> list[str]:
    lines = ["## Passport PDF", ""]
    if figures is None:
        return lines + ["Not measured in this run (see the output above).", ""]
    return lines + [
        f"`bench/bench_passport_pdf.py` for a holder with {figures['signoffs']} sign-offs: the PDF is rendered in "
        "the background when the holder's credentials change and served from storage.", "",
        "| | ms |", "|---|---:|",
        f"| serving the stored PDF (median) | {fmt(figures['serve_ms_median'])} |",
        f"| serving the stored PDF (worst) | {fmt(figures['serve_ms_worst'])} |",
        f"| rendering it in the background (median) | {fmt(figures['render_ms_median'])} |",
        f"| first PDF in a fresh process (cold) | {fmt(figures['cold_ms'])} |", ""]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-1x", required=True)
    parser.add_argument("--db-10x", required=True)
    parser.add_argument("--db-full", required=True)
    parser.add_argument("--label-1x", default="1x")
    parser.add_argument("--label-10x", default="10x")
    parser.add_argument("--repeat", type=int, default=10, help="requests per page in each round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--wrk-seconds", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.md"))
    parser.add_argument("--elapsed", action="append", default=[], help="a line about timing for the report")
    parser.add_argument("--reminders-db", help="an empty PostgreSQL database for bench/bench_reminders.py")
    parser.add_argument("--skip-pdf", action="store_true", help="leave out bench/bench_passport_pdf.py")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()

    apps = {"1x": app_for(args.db_1x), "10x": app_for(args.db_10x)}
    full = app_for(args.db_full)
    facts = facts_of(full)
    rows = []
    timed: list[tuple[Row, str]] = []
    for page in PAGES:
        row = Row(page)
        rows.append(row)
        path = resolve(full, page, facts)
        if path is None:
            row.skipped = f"no route {page.endpoint} (or nothing to show) yet"
            print(f"- {page.name}: skipped ({row.skipped})", flush=True)
            continue
        row.path = path
        try:
            for label, app in apps.items():
                small_path = resolve(app, page, facts_of(app)) or path
                row.statements[label] = count_statements(app, page, small_path)
        except RuntimeError as error:
            row.skipped = str(error)
            print(f"- {page.name}: skipped ({error})", flush=True)
            continue
        timed.append((row, path))
    time_requests(full, timed, args.repeat, args.rounds)
    for row, _ in timed:
        print(f"- {row.page.name}: {row.statements} statements, p50 {row.p50_ms:.1f} ms, p95 {row.p95_ms:.1f} ms",
              flush=True)

    bare_rps = None
    if shutil.which("wrk"):
        bare = Gunicorn("bench.apps:bare()", {})
        try:
            bare_rps, _ = wrk(bare.url + "/", args.wrk_seconds)
        finally:
            bare.stop()
        print(f"- bare Flask route: {bare_rps:,.0f} req/s", flush=True)
        server = Gunicorn("bench.apps:platform()", {"DATABASE_URL": args.db_full})
        try:
            cookies: dict[str, str | None] = {}
            for row in rows:
                if row.skipped:
                    continue
                user = row.page.user
                if user not in cookies:
                    cookies[user] = session_cookie(server.url, user) if user else None
                check_ok(server.url, row.path, cookies[user] or "")
                row.rps, row.non_2xx = wrk(server.url + row.path, args.wrk_seconds, cookies[user])
                print(f"- {row.page.name}: {row.rps:,.1f} req/s ({row.rps / bare_rps:.1%} of bare)", flush=True)
        finally:
            server.stop()
    else:
        print("wrk is not installed: skipping the load test (make bench installs it)", flush=True)

    reminders = run_json_bench("bench_reminders.py", ["--database-url", args.reminders_db]) if args.reminders_db else None
    pdf = None if args.skip_pdf else run_json_bench("bench_passport_pdf.py", ["--signoffs", "50"])
    report = "\n".join([markdown(rows, facts, bare_rps, args, [*args.elapsed, load_note(load_before, os.getloadavg())]),
                        *reminders_markdown(reminders), *pdf_markdown(pdf)])
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(report)
    print()
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
