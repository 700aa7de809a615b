"""Read-only queries on notifications, planned reminders and the outbox."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from competency.extensions import db
from competency.reminders.items import items_of
from competency.reminders.models import (Notification, OutboxEmail, OutboxStatus, PlannedReminder, PlannedState,
                                        ReminderItem)


def planned_items(*criteria) -> list[ReminderItem]:
    """Every (item, person) reminder the planned rows matching ``criteria`` carry, in planning order.

    For an operator's or a test's look at what was planned; reads all the matching rows.
    """
    rows = list(db.session.scalars(sa.select(PlannedReminder).where(*criteria).order_by(PlannedReminder.id)))
    items = items_of(rows)
    return [item for row in rows for item in items[row.id]]


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ) or 0


def notifications_for(user_id: int) -> sa.Select:
    """The person's notifications, newest first (paginate the result)."""
    return (sa.select(Notification).where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


@dataclass(frozen=True)
class OutboxStatusReport:
    queued: int
    sending: int
    sent: int
    failed: int
    oldest_queued_at: datetime | None
    planned_waiting: int
    in_digest: int
    last_error: str | None


def outbox_status() -> OutboxStatusReport:
    """Four queries whatever the size of the outbox."""
    counts = dict(db.session.execute(
        sa.select(OutboxEmail.status, sa.func.count()).group_by(OutboxEmail.status)).tuples().all())
    oldest = db.session.scalar(
        sa.select(sa.func.min(OutboxEmail.created_at)).where(OutboxEmail.status == OutboxStatus.queued))
    planned = dict(db.session.execute(
        sa.select(PlannedReminder.state, sa.func.count())
        .where(PlannedReminder.state.in_([PlannedState.planned, PlannedState.in_digest]))
        .group_by(PlannedReminder.state)).tuples().all())
    last_error = db.session.scalar(
        sa.select(OutboxEmail.last_error).where(OutboxEmail.last_error.is_not(None))
        .order_by(OutboxEmail.id.desc()).limit(1))
    return OutboxStatusReport(
        queued=counts.get(OutboxStatus.queued, 0), sending=counts.get(OutboxStatus.sending, 0),
        sent=counts.get(OutboxStatus.sent, 0), failed=counts.get(OutboxStatus.failed, 0),
        oldest_queued_at=oldest, planned_waiting=planned.get(PlannedState.planned, 0),
        in_digest=planned.get(PlannedState.in_digest, 0), last_error=last_error,
    )
