"""Demo reminders: what the worker would have told people over the last three months, and today.

Each past day is planned as of that day and filed at 06:30 that morning (notifications
only, marked read: nobody wants e-mails about last month). Today's reminders are
planned and delivered as the morning task would: unread notifications and queued
e-mails (the embedded worker writes them to ``instance/mail/``).

Safe to run again: planning never plans the same (item, due date, stage) twice.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa

from competency.demo.context import DemoContext
from competency.extensions import db
from competency.reminders import notices, planning
from competency.reminders.models import Notification, PlannedReminder

HISTORY_DAYS = 90


def seed_reminders(ctx: DemoContext) -> None:
    today = planning.local_today()
    for back in range(HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=back)
        morning = datetime.combine(day, time(6, 30), tzinfo=planning.LONDON)
        if planning.plan(day, now=morning).total:
            while notices.deliver_planned(now=morning, with_email=False):
                pass
            _file_as_read(day, morning)
    planning.plan(today)
    while notices.deliver_planned():
        pass


def _file_as_read(day, morning: datetime) -> None:
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id.in_(sa.select(PlannedReminder.notification_id)
                                   .where(PlannedReminder.planned_on == day)),
               Notification.read_at.is_(None))
        .values(read_at=morning)
        .execution_options(synchronize_session=False)
    )
