"""Audit chain under concurrent writers on PostgreSQL: errors, deadlocks, throughput, commit latency.

    source scripts/services.sh; start_postgres
    .venv/bin/python bench/bench_audit.py [--writers 16] [--transactions 40] [--organisations 3]

Each writer thread runs transactions that record one to three events on
randomly chosen chains (a few organisations and the system chain, in random
order, so transactions routinely write two chains in opposite orders), then
commit.  Prints transactions per second, commit latency percentiles, errors by
kind, PostgreSQL's deadlock counter for the database, and the time
``verify_chains`` takes.  Uses a throw-away database made from PG_URL_BASE.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from competency import create_app  # noqa: E402
from competency.extensions import db  # noqa: E402
from config import TestingConfig  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--transactions", type=int, default=40, help="per writer")
    parser.add_argument("--organisations", type=int, default=3)
    args = parser.parse_args()
    base = os.environ.get("PG_URL_BASE")
    if not base:
        sys.exit("PG_URL_BASE is not set: source scripts/services.sh; start_postgres")
    name = f"bench_audit_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    instance = Path(tempfile.mkdtemp(prefix="bench-audit-"))

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"{base}/{name}"
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": args.writers + 2}
        INSTANCE_DIR = instance

    app = create_app(Config)
    try:
        run(app, args)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(app, args) -> None:
    from competency.accounts.models import Organisation, OrgKind, Sector
    from competency.audit.services import record_event, verify_chains

    with app.app_context():
        db.create_all()
        orgs = [Organisation(slug=f"bench-{n}", name=f"Bench {n}", kind=OrgKind.nhs_trust, sector=Sector.health,
                             region="Bench", settings={}) for n in range(args.organisations)]
        db.session.add_all(orgs)
        db.session.commit()
        chains = [org.id for org in orgs] + [None]
        deadlocks_before = deadlocks(app)

    latencies: list[float] = []
    errors: Counter = Counter()
    start = threading.Barrier(args.writers)
    lock = threading.Lock()

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        with app.app_context():
            start.wait()
            for _ in range(args.transactions):
                began = time.perf_counter()
                try:
                    for organisation in rng.sample(chains, rng.randint(1, min(3, len(chains)))):
                        record_event("bench.write", actor=None, organisation=organisation, data={"seed": seed})
                    db.session.commit()
                    with lock:
                        latencies.append(time.perf_counter() - began)
                except Exception as error:  # noqa: BLE001  (counted and printed)
                    db.session.rollback()
                    with lock:
                        errors[type(getattr(error, "orig", error)).__name__] += 1
            db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(args.writers)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    with app.app_context():
        time.sleep(1.5)  # PostgreSQL publishes its statistics counters at most once a second
        deadlock_count = deadlocks(app) - deadlocks_before
        verify_began = time.perf_counter()
        breaks = verify_chains()
        verify_seconds = time.perf_counter() - verify_began
        events = db.session.scalar(sa.text("SELECT count(*) FROM audit_event"))
        db.session.remove()

    total = args.writers * args.transactions
    ordered = sorted(latencies) or [0.0]
    print(f"writers {args.writers}, transactions {total} ({len(latencies)} committed), events {events}, "
          f"chains {len(chains)}")
    print(f"throughput {len(latencies) / elapsed:.0f} transactions/s over {elapsed:.2f} s")
    print(f"commit latency ms: p50 {1000 * statistics.median(ordered):.1f}  "
          f"p95 {1000 * ordered[int(0.95 * (len(ordered) - 1))]:.1f}  "
          f"p99 {1000 * ordered[int(0.99 * (len(ordered) - 1))]:.1f}")
    print(f"errors {sum(errors.values())} {dict(errors)}; deadlocks (pg_stat_database) {deadlock_count}")
    print(f"verify_chains: {len(breaks)} breaks in {verify_seconds:.2f} s")


def deadlocks(app) -> int:
    db.session.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
    value = db.session.scalar(sa.text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"))
    db.session.commit()
    return int(value or 0)


if __name__ == "__main__":
    main()
