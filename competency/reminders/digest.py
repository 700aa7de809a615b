"""The weekly digest: one e-mail listing the week's reminders for people who chose it."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app

from competency.accounts.models import User
from competency.db import utcnow
from competency.extensions import db
from competency.reminders.models import Notification, PlannedReminder, PlannedState
from competency.reminders.outbox import queue_email
from competency.reminders.planning import local_today
from competency.reminders.sources.base import link_to, long_date


def queue_digests(on: date | None = None, now: datetime | None = None) -> int:
    """Queue one digest per person with reminders waiting for it. Flushes, never commits.

    The e-mail's dedupe key names the first and last reminder it lists, and the
    rows become ``digested`` in the same transaction: a second run finds nothing.
    Returns how many digests were queued.
    """
    now = now or utcnow()
    on = on or local_today(now)
    waiting = db.session.execute(
        sa.select(PlannedReminder, Notification)
        .join(Notification, Notification.id == PlannedReminder.notification_id)
        .where(PlannedReminder.state == PlannedState.in_digest)
        .order_by(PlannedReminder.user_id, PlannedReminder.planned_on, PlannedReminder.id)
    ).all()
    by_user: dict[int, list[tuple[PlannedReminder, Notification]]] = defaultdict(list)
    for row, note in waiting:
        by_user[row.user_id].append((row, note))
    users = {user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(by_user)))}
    base_url = current_app.config["BASE_URL"].rstrip("/")
    queued = 0
    for user_id, items in by_user.items():
        user = users.get(user_id)  # None: the account row is gone; the rows are closed, nothing is sent
        ids = [row.id for row, _ in items]
        email = None
        if user is not None and user.is_active_account:
            email = queue_email(
                to=user.email, user=user, template="reminder_digest",
                subject=f"Your competency reminders for the week of {long_date(on)}",
                context={"items": [{"title": note.title, "body": note.body, "url": base_url + (note.link or "/")}
                                   for _, note in items],
                         "week_of": on, "notifications_url": base_url + link_to("home.notifications")},
                dedupe_key=f"digest:{user_id}:{min(ids)}:{max(ids)}",
            )
        for row, _ in items:
            row.state = PlannedState.digested
            row.email_id = email.id if email else None
        queued += email is not None
    db.session.flush()
    return queued
