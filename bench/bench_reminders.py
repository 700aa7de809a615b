"""Reminder planning benchmark: 10,000 active enrolments and 50,000 pending sign-off requests.

    .venv/bin/python bench/bench_reminders.py [--database-url URL] [--enrolments 10000] [--requests 50000]

Without ``--database-url`` (or ``BENCH_DATABASE_URL``) it uses a new SQLite file in a
temporary folder; give a PostgreSQL URL (``postgresql+psycopg://...``) of an empty
database to measure there. Synthetic rows are bulk-inserted (executemany), then it
prints:

* the planning time: ``plan(today)``, every source's ``INSERT ... SELECT ... ON
  CONFLICT DO NOTHING`` into ``planned_reminder``;
* the time of one raw SQL query selecting the same due rows (the sources' SELECTs
  joined with UNION ALL, sent as plain SQL text);
* their ratio (how much the inserts and the unique key cost on top of finding the
  rows), and the time of a second planning run that finds nothing new.

Refuses a database that already holds people. Leaves nothing running.
"""
from __future__ import annotations

import argparse
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
    """The sources' due-row SELECTs as one statement of plain SQL text (today's values inlined)."""
    import sqlalchemy as sa

    from competency.extensions import db
    from competency.reminders.planning import due_rows
    from competency.reminders.sources import available_sources

    union = sa.union_all(*(due_rows(source) for source in available_sources())).params(params)
    return str(union.compile(dialect=db.session.get_bind().dialect, compile_kwargs={"literal_binds": True}))


def timed(function, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--enrolments", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50_000)
    args = parser.parse_args()

    import sqlalchemy as sa

    with tempfile.TemporaryDirectory(prefix="bench-reminders-") as folder:
        directory = Path(folder)
        url = args.database_url or f"sqlite:///{directory / 'bench.sqlite'}"
        app = make_app(url, directory)
        with app.app_context():
            from competency.accounts.models import User
            from competency.extensions import db
            from competency.reminders import planning
            from competency.reminders.sources import available_sources

            db.create_all()
            if db.session.scalar(sa.select(sa.func.count(User.id))):
                sys.exit("Refusing: this database already holds people. Give an empty database.")
            today = planning.local_today()
            params = {}
            for source in available_sources():
                params.update(source.params(today))
            started = time.perf_counter()
            facts = seed(args.enrolments, args.requests, today, random.Random(6))
            seeded = time.perf_counter() - started
            if db.session.get_bind().dialect.name == "postgresql":
                db.session.execute(sa.text("ANALYZE"))
                db.session.commit()

            raw = sa.text(raw_due_query(params))
            count_raw = lambda: len(db.session.execute(raw).all())  # noqa: E731
            count_raw()  # warm the caches once, as for planning's first statement
            raw_seconds, due = timed(count_raw, repeat=3)
            db.session.rollback()

            def plan_once():
                result = planning.plan(today)
                db.session.commit()
                return result

            plan_seconds, result = timed(plan_once)
            again_seconds, again = timed(plan_once)

    backend = sa.engine.make_url(url).get_backend_name()
    print(f"Reminder planning on {backend}: {args.enrolments:,} active enrolments ({facts['milestones']:,} "
          f"milestones), {args.requests:,} pending sign-off requests, {facts['people']:,} people; "
          f"seeded in {seeded:.1f} s")
    print(f"  due rows today (raw SELECT)              {due:>10,}")
    print(f"  planned by plan(today)                   {result.total:>10,}")
    for (kind, stage), count in sorted(result.counts.items(), key=lambda item: -item[1])[:8]:
        print(f"      {kind:<16} {stage:<12} {count:>10,}")
    print(f"  planning time (INSERT ... SELECT)        {plan_seconds * 1000:>10.0f} ms")
    print(f"  one raw SQL query, same due rows         {raw_seconds * 1000:>10.0f} ms")
    print(f"  ratio planning / raw query               {plan_seconds / raw_seconds:>10.2f}")
    print(f"  planning again, nothing new ({again.total} rows)    {again_seconds * 1000:>10.0f} ms")


if __name__ == "__main__":
    main()
