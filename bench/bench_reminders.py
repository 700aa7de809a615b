"""Reminder planning benchmark: 10,000 active enrolments and 50,000 pending sign-off requests.

    .venv/bin/python bench/bench_reminders.py [--database-url URL] [--enrolments 10000] [--requests 50000]
                                              [--rounds 5] [--json PATH]

Without ``--database-url`` (or ``BENCH_DATABASE_URL``) it uses a new SQLite file in a
temporary folder; give a PostgreSQL URL (``postgresql+psycopg://...``) of an empty
database to measure there. Synthetic rows are bulk-inserted (executemany), then, in each
of ``--rounds`` rounds (the order of the steps turns from round to round, so a noisy
neighbour on a small machine hits each of them alike), it times:

* *raw SELECT*: one query selecting every due row, one row per (item, person) (the sources'
  queries joined with UNION ALL, sent as plain SQL text), with every row fetched;
* *floor*: ``INSERT INTO`` an unconstrained temporary table ``SELECT`` the same rows;
* *planning*: ``plan(today)`` and its commit, from nothing planned (the tables are
  emptied first);
* *no-op re-plan*: ``plan(today)`` again straight after, which finds nothing new.

It prints the medians, planning and the floor as multiples of the raw SELECT, planning as a
multiple of the floor, and the same query counted inside the database (no rows sent) for
comparison; ``--json PATH``
writes them as one JSON object (``make bench`` puts them in bench/results/latest.md).

Refuses a database that already holds people. Leaves nothing running.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, time as clock, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHUNK = 5000


def make_app(database_url: str, directory: Path):
    from competency import create_app
    from config import DevelopmentConfig

    class BenchConfig(DevelopmentConfig):
        ENV_NAME = "bench"
        INSTANCE_DIR = directory
        SQLALCHEMY_DATABASE_URI = database_url
        SECRET_KEY = "bench-only-secret-key"
        IDENTITY_SALT = "bench-only-salt"
        MAIL_FILE_DIR = directory / "mail"

    return create_app(BenchConfig)


def insert_many(table, rows: list[dict]) -> list[int]:
    """Bulk insert (executemany in chunks) and return the new ids in order."""
    import sqlalchemy as sa

    from competency.extensions import db

    ids: list[int] = []
    statement = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for start in range(0, len(rows), CHUNK):
        ids.extend(db.session.execute(statement, rows[start:start + CHUNK]).scalars())
    return ids


def seed(enrolments: int, requests: int, today: date, rng: random.Random) -> dict:
    """Synthetic but plausible: 60 organisations, programmes started over the last year, requests over 40 days."""
    from competency.accounts.models import Membership, Organisation, User
    from competency.extensions import db
    from competency.frameworks.models import Framework, FrameworkVersion, VersionStatus
    from competency.preceptorship import catalogue
    from competency.preceptorship.models import Enrolment, EnrolmentMilestone
    from competency.signoff.models import SignOffRequest
    from competency.db import utcnow

    now = utcnow()
    template = next(v for v in catalogue.ensure_shipped_templates() if v.template.slug == "ahp-preceptorship")
    milestones = list(template.milestones)
    framework = Framework(uuid=str(uuid.uuid4()), slug="bench-framework", title="Bench framework")
    version = FrameworkVersion(uuid=str(uuid.uuid4()), framework=framework, version="1.0", title="Bench",
                               status=VersionStatus.published, changed_at=now, published_at=now)
    db.session.add_all([framework, version])
    db.session.flush()

    org_ids = insert_many(Organisation.__table__, [
        {"slug": f"bench-org-{n}", "name": f"Bench organisation {n}", "kind": "nhs_trust", "sector": "health",
         "region": "Bench ICS", "settings": {}} for n in range(60)])
    people = enrolments + enrolments // 8 + 120
    user_ids = insert_many(User.__table__, [
        {"email": f"bench{n}@bench.invalid", "display_name": f"Bench Person {n}", "preferences": {},
         "is_active_account": True} for n in range(people)])
    practitioners = user_ids[:enrolments]
    preceptors = user_ids[enrolments:enrolments + enrolments // 8]
    leads = user_ids[enrolments + enrolments // 8:]
    insert_many(Membership.__table__, [
        {"user_id": lead, "organisation_id": org_ids[n % len(org_ids)], "role": "lead", "is_active": True}
        for n, lead in enumerate(leads)])

    enrolment_rows, starts = [], []
    for n, person in enumerate(practitioners):
        start = today - timedelta(days=rng.randint(0, 364))
        starts.append(start)
        enrolment_rows.append({
            "practitioner_id": person, "organisation_id": org_ids[n % len(org_ids)],
            "template_version_id": template.id, "preceptor_id": preceptors[n % len(preceptors)],
            "lead_id": leads[n % len(leads)], "start_on": start, "fte": 1.0, "status": "active",
            "next_supervision_due_on": today + timedelta(days=rng.randint(-20, 14)),
        })
    enrolment_ids = insert_many(Enrolment.__table__, enrolment_rows)

    milestone_rows = []
    for enrolment_id, start in zip(enrolment_ids, starts):
        for definition in milestones:
            due = start + timedelta(days=definition.due_day)
            # Nine in ten reviews held on time; the rest still open, so some are overdue.
            done = due if due < today and rng.random() < 0.9 else None
            milestone_rows.append({
                "enrolment_id": enrolment_id, "template_milestone_id": definition.id, "code": definition.code,
                "position": definition.position, "due_on": due, "due_soon_on": due - timedelta(days=14),
                "is_required": not definition.is_optional, "is_after_completion": definition.is_after_completion,
                "completed_on": done,
            })
    insert_many(EnrolmentMilestone.__table__, milestone_rows)

    request_rows = []
    for n in range(requests):
        made = datetime.combine(today - timedelta(days=rng.randint(0, 40)), clock(10), tzinfo=timezone.utc)
        request_rows.append({
            "practitioner_id": practitioners[n % len(practitioners)], "assessor_id": preceptors[n % len(preceptors)],
            "organisation_id": org_ids[n % len(org_ids)], "capability_uuid": str(uuid.UUID(int=rng.getrandbits(128))),
            "framework_version_id": version.id, "message": "", "state": "pending",
            "created_at": made, "updated_at": made,
        })
    insert_many(SignOffRequest.__table__, request_rows)
    db.session.commit()
    return {"people": people, "milestones": len(milestone_rows)}


def raw_due_query(params: dict) -> str:
    """Every source's due rows as one statement of plain SQL text (today's values inlined)."""
    import sqlalchemy as sa

    from competency.extensions import db
    from competency.reminders.planning import due_rows
    from competency.reminders.sources import available_sources

    union = sa.union_all(*(due_rows(source) for source in available_sources())).params(params)
    return str(union.compile(dialect=db.session.get_bind().dialect, compile_kwargs={"literal_binds": True}))


def timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


class Steps:
    """The four measured steps, each in a transaction of its own."""

    def __init__(self, today: date, params: dict):
        import sqlalchemy as sa

        from competency.extensions import db

        self.sa, self.db, self.today = sa, db, today
        self.dialect = db.session.get_bind().dialect.name
        self.raw = sa.text(raw_due_query(params))
        self.count = sa.text(f"SELECT count(*) FROM ({raw_due_query(params)}) AS due")
        self.floor_insert = sa.text(f"INSERT INTO _floor {raw_due_query(params)}")

    def raw_select(self) -> int:
        rows = len(self.db.session.execute(self.raw).all())
        self.db.session.rollback()
        return rows

    def raw_count(self) -> int:
        rows = self.db.session.scalar(self.count)
        self.db.session.rollback()
        return rows

    def floor(self) -> tuple[float, int]:
        """INSERT ... SELECT into a fresh unconstrained temporary table, with its commit (one connection)."""
        with self.db.engine.connect() as connection:
            connection.execute(self.sa.text(
                "CREATE TEMPORARY TABLE _floor (kind VARCHAR(32), stage VARCHAR(24), due_on DATE, item_id INTEGER, "
                "user_id INTEGER)"))
            connection.commit()
            started = time.perf_counter()
            rows = connection.execute(self.floor_insert).rowcount
            connection.commit()
            seconds = time.perf_counter() - started
            connection.execute(self.sa.text("DROP TABLE _floor"))
            connection.commit()
        return seconds, rows

    def forget_planning(self) -> None:
        tables = ("planned_reminder", "planned_reminder_key")
        if self.dialect == "postgresql":
            self.db.session.execute(self.sa.text(f"TRUNCATE {', '.join(tables)}"))
        else:
            for table in tables:
                self.db.session.execute(self.sa.text(f"DELETE FROM {table}"))
        self.db.session.commit()

    def plan(self):
        from competency.reminders import planning

        result = planning.plan(self.today)
        self.db.session.commit()
        return result


def measure(steps: Steps, rounds: int) -> dict:
    """Medians over ``rounds`` rounds, the order of the steps turning each round."""
    times: dict[str, list[float]] = {"raw": [], "count": [], "floor": [], "plan": [], "noop": []}
    facts: dict = {}

    def raw():
        seconds, facts["due_rows"] = timed(steps.raw_select)
        times["raw"].append(seconds)
        times["count"].append(timed(steps.raw_count)[0])

    def floor():
        seconds, facts["floor_rows"] = steps.floor()
        times["floor"].append(seconds)

    def plan():
        steps.forget_planning()
        seconds, facts["result"] = timed(steps.plan)
        times["plan"].append(seconds)
        seconds, facts["again"] = timed(steps.plan)
        times["noop"].append(seconds)

    order = [raw, floor, plan]
    raw(), floor(), plan()  # warm-up round, not counted: caches, statement preparation
    for values in times.values():
        values.clear()
    for n in range(rounds):
        for step in order[n % 3:] + order[:n % 3]:
            step()
    return {name: statistics.median(values) for name, values in times.items()} | facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--enrolments", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", metavar="PATH", help="also write the figures to PATH as a JSON object")
    args = parser.parse_args()

    import sqlalchemy as sa

    with tempfile.TemporaryDirectory(prefix="bench-reminders-") as folder:
        directory = Path(folder)
        url = args.database_url or f"sqlite:///{directory / 'bench.sqlite'}"
        app = make_app(url, directory)
        with app.app_context():
            from competency.accounts.models import User
            from competency.db import utcnow
            from competency.extensions import db
            from competency.reminders import planning
            from competency.reminders.sources import available_sources

            db.create_all()
            if db.session.scalar(sa.select(sa.func.count(User.id))):
                sys.exit("Refusing: this database already holds people. Give an empty database.")
            today = planning.local_today()
            params = {}
            for source in available_sources():
                params.update(planning.statement_params(source, today, utcnow()))
            started = time.perf_counter()
            facts = seed(args.enrolments, args.requests, today, random.Random(6))
            seeded = time.perf_counter() - started
            backend = db.session.get_bind().dialect.name
            version = backend
            if backend == "postgresql":
                # What autovacuum does to a settled database: statistics and the visibility map, so
                # the figures do not depend on whether it happens to wake up mid-run.
                db.session.commit()
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    connection.execute(sa.text("VACUUM ANALYZE"))
                version = "PostgreSQL " + db.session.scalar(sa.text("SHOW server_version"))
            else:
                version = "SQLite " + db.session.scalar(sa.text("SELECT sqlite_version()"))
            figures = measure(Steps(today, params), args.rounds)
            keys = db.session.scalar(sa.text("SELECT count(*) FROM planned_reminder_key"))

    result, again = figures["result"], figures["again"]
    assert figures["floor_rows"] == figures["due_rows"] == result.total, "planning and the raw SELECT disagree"
    report = {
        "database": version,
        "due_rows": figures["due_rows"],
        "planning_ms": round(figures["plan"] * 1000, 1),
        "raw_select_ms": round(figures["raw"] * 1000, 1),
        "floor_ms": round(figures["floor"] * 1000, 1),
        "planning_vs_raw": round(figures["plan"] / figures["raw"], 2),
        "floor_vs_raw": round(figures["floor"] / figures["raw"], 2),
        "planning_vs_floor": round(figures["plan"] / figures["floor"], 2),
        "noop_replan_ms": round(figures["noop"] * 1000, 1),
        "raw_count_ms": round(figures["count"] * 1000, 1),
        "planning_vs_raw_count": round(figures["plan"] / figures["count"], 2),
        "reminder_rows": result.reminders,
        "key_rows": keys,
        "rounds": args.rounds,
        "enrolments": args.enrolments,
        "requests": args.requests,
    }
    print(f"Reminder planning on {version}: {args.enrolments:,} active enrolments ({facts['milestones']:,} "
          f"milestones), {args.requests:,} pending sign-off requests, {facts['people']:,} people; "
          f"seeded in {seeded:.1f} s; medians of {args.rounds} rounds")
    print(f"  due rows today, one per (item, person)      {report['due_rows']:>10,}")
    for (kind, stage), count in sorted(result.counts.items(), key=lambda item: -item[1])[:8]:
        print(f"      {kind:<16} {stage:<12}          {count:>10,}")
    print(f"  written: reminders (person x kind)          {result.reminders:>10,}")
    print(f"           keys (item or day x stage)         {keys:>10,}")
    print(f"  planning time, plan(today) + commit         {report['planning_ms']:>10,.0f} ms")
    print(f"  raw SELECT of the due rows, rows fetched    {report['raw_select_ms']:>10,.0f} ms")
    print(f"  floor: INSERT ... SELECT, temp table        {report['floor_ms']:>10,.0f} ms")
    print(f"  planning / raw SELECT                       {report['planning_vs_raw']:>10.2f}")
    print(f"  floor / raw SELECT                          {report['floor_vs_raw']:>10.2f}")
    print(f"  planning / floor                            {report['planning_vs_floor']:>10.2f}")
    print(f"  no-op re-plan ({again.total} new)                    {report['noop_replan_ms']:>10,.1f} ms")
    print(f"  (the raw SELECT counted in the database,    {report['raw_count_ms']:>10,.0f} ms;"
          f" planning / that {report['planning_vs_raw_count']:.2f})")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
