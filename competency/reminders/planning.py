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


def due_rows(source: Source, on: date) -> sa.Select:
    """The source's due rows for people whose account is active, without duplicates."""
    inner = source.due(on).subquery("due")
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


def _insert():
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(PlannedReminder)
    if dialect == "sqlite":
        return sqlite.insert(PlannedReminder)
    raise RuntimeError(f"Planning supports PostgreSQL and SQLite, not {dialect}")


def plan(on: date | None = None, *, dry_run: bool = False, now: datetime | None = None) -> PlanResult:
    """Plan every reminder due on ``on`` (default: today in the UK). Flushes, never commits.

    With ``dry_run`` nothing is written; the result counts what would be planned.
    """
    now = now or utcnow()
    on = on or local_today(now)
    result = PlanResult(on=on, dry_run=dry_run)
    for source in available_sources():
        rows = due_rows(source, on).subquery("rows")
        if dry_run:
            counted = db.session.execute(
                sa.select(rows.c.kind, rows.c.stage, sa.func.count())
                .where(_not_planned(rows)).group_by(rows.c.kind, rows.c.stage)
            )
            for kind, stage, count in counted:
                result.counts[(kind, stage)] += count
            continue
        # The WHERE is required by SQLite's parser before ON CONFLICT, and harmless elsewhere.
        select = sa.select(
            rows.c.kind, rows.c.item_id, rows.c.due_on, rows.c.stage, rows.c.user_id,
            sa.literal(on, sa.Date), sa.literal(PlannedState.planned.value, sa.String),
            sa.literal(now, PlannedReminder.__table__.c.created_at.type),
        ).where(sa.true())
        statement = (
            _insert()
            .from_select(["kind", "item_id", "due_on", "stage", "user_id", "planned_on", "state", "created_at"],
                         select)
            .on_conflict_do_nothing(index_elements=["kind", "item_id", "due_on", "stage", "user_id"])
            .returning(PlannedReminder.stage)
        )
        for (stage,) in db.session.execute(statement):
            result.counts[(source.kind.value, stage)] += 1
    db.session.flush()
    return result
