"""Read-only queries on notifications and the outbox."""
from __future__ import annotations

import sqlalchemy as sa

from competency.extensions import db
from competency.reminders.models import Notification


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ) or 0
