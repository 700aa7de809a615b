"""Planning: which reminders are due on a day, as set-based SQL.

Each source yields one SELECT of due rows; planning wraps it in one
``INSERT INTO planned_reminder ... SELECT ... ON CONFLICT DO NOTHING`` so the
database does the work (no Python loop over enrolments or requests), and the
unique key (kind, item, due date, stage, recipient) makes a second run on the
same day, or a run by a second worker, insert nothing.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from competency.accounts.models import User
from competency.db import utcnow
from competency.extensions import db
from competency.reminders.models import PlannedReminder, PlannedState
from competency.reminders.sources import available_sources
from competency.reminders.sources.base import Source

LONDON = ZoneInfo("Europe/London")


def local_today(now: datetime | None = None) -> date:
    """Today's date in the UK, where the working day of every user is."""
    return (now or utcnow()).astimezone(LONDON).date()


@dataclass
class PlanResult:
    on: date
    dry_run: bool
    counts: Counter = field(default_factory=Counter)  # (kind, stage) -> rows

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def due_rows(source: Source) -> sa.Select:
    """The source's due rows for people whose account is active, without duplicates."""
    inner = source.due().subquery("due")
    return (
        sa.select(
            sa.literal(source.kind.value, sa.String).label("kind"),
            inner.c.item_id, inner.c.due_on, inner.c.stage, inner.c.user_id,
        )
        .join(User, User.id == inner.c.user_id)
        .where(User.is_active_account.is_(True))
        .distinct()
    )


def _not_planned(rows: sa.Subquery) -> sa.ColumnElement[bool]:
    p = PlannedReminder
    return ~sa.exists().where(
        p.kind == rows.c.kind, p.item_id == rows.c.item_id, p.due_on == rows.c.due_on,
        p.stage == rows.c.stage, p.user_id == rows.c.user_id,
    )


# Statements are built once per source and dialect, then run with each day's parameters.
_STATEMENTS: dict[tuple, sa.Executable] = {}
KEY_COLUMNS = ["kind", "item_id", "due_on", "stage", "user_id"]


def insert_statement(source: Source, dialect: str) -> sa.Executable:
    """``INSERT INTO planned_reminder ... SELECT <due rows> ON CONFLICT DO NOTHING RETURNING stage``."""
    key = ("insert", source.kind, dialect)
    if key not in _STATEMENTS:
        rows = due_rows(source).subquery("rows")
        # (SQLite's parser also needs a WHERE before ON CONFLICT in INSERT ... SELECT.)
        select = sa.select(
            *(rows.c[name] for name in KEY_COLUMNS),
            sa.bindparam("planned_on", type_=sa.Date),
            sa.literal(PlannedState.planned.value, sa.String),
            sa.bindparam("planned_at", type_=PlannedReminder.__table__.c.created_at.type),
        ).where(_not_planned(rows))  # skips known rows cheaply; ON CONFLICT still settles races
        insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
        if insert is None:
            raise RuntimeError(f"Planning supports PostgreSQL and SQLite, not {dialect}")
        table = PlannedReminder.__table__  # Core, so a parameter dict binds values, not rows to insert
        _STATEMENTS[key] = (
            insert(table)
            .from_select([*KEY_COLUMNS, "planned_on", "state", "created_at"], select)
            .on_conflict_do_nothing(index_elements=KEY_COLUMNS)
            .returning(table.c.stage)
        )
    return _STATEMENTS[key]


def dry_run_statement(source: Source) -> sa.Select:
    """(kind, stage, count) of the due rows not planned yet."""
    key = ("dry-run", source.kind)
    if key not in _STATEMENTS:
        rows = due_rows(source).subquery("rows")
        _STATEMENTS[key] = (sa.select(rows.c.kind, rows.c.stage, sa.func.count())
                            .where(_not_planned(rows)).group_by(rows.c.kind, rows.c.stage))
    return _STATEMENTS[key]


def plan(on: date | None = None, *, dry_run: bool = False, now: datetime | None = None,
         kinds: frozenset | set | None = None) -> PlanResult:
    """Plan every reminder due on ``on`` (default: today in the UK). Flushes, never commits.

    With ``dry_run`` nothing is written; the result counts what would be planned.
    ``kinds`` limits planning to those reminder kinds (a check of its own on the beat).
    """
    now = now or utcnow()
    on = on or local_today(now)
    result = PlanResult(on=on, dry_run=dry_run)
    dialect = db.session.get_bind().dialect.name
    for source in available_sources():
        if kinds is not None and source.kind not in kinds:
            continue
        params = {**source.params(on), "planned_on": on, "planned_at": now}
        if dry_run:
            for kind, stage, count in db.session.execute(dry_run_statement(source), params):
                result.counts[(kind, stage)] += count
            continue
        for (stage,) in db.session.execute(insert_statement(source, dialect), params):
            result.counts[(source.kind.value, stage)] += 1
    db.session.flush()
    return result
