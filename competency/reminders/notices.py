"""Turning planned reminders into in-app notifications and outbox e-mails.

Rows are claimed with one conditional UPDATE per batch (``planned`` ->
``delivered``), so two workers never make the same notification; the
notification and e-mail carry the planned row's dedupe key under unique
constraints as a second guard. Everything happens in the caller's transaction:
if it rolls back, the rows are ``planned`` again and the next run redoes them.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from competency.accounts.models import User
from competency.db import utcnow
from competency.extensions import db
from competency.reminders.models import Notification, PlannedReminder, PlannedState, ReminderKind
from competency.reminders.outbox import queue_email
from competency.reminders.preferences import preferences_of
from competency.reminders.sources import sources_by_kind
from competency.reminders.sources.base import ReminderText

BATCH = 200

KIND_TAGS = {
    ReminderKind.milestone: "Milestone",
    ReminderKind.supervision: "Supervision",
    ReminderKind.signoff_waiting: "Sign-off",
    ReminderKind.escalation: "Escalation",
    ReminderKind.share_expiring: "Share link",
    ReminderKind.progress_review: "Apprenticeship",
    ReminderKind.not_enrolled: "Preceptorship",
    ReminderKind.expiry: "Expiry",
}


def _claim(ids: list[int], now: datetime) -> set[int]:
    claimed = db.session.execute(
        sa.update(PlannedReminder)
        .where(PlannedReminder.id.in_(ids), PlannedReminder.state == PlannedState.planned)
        .values(state=PlannedState.delivered, delivered_at=now)
        .returning(PlannedReminder.id)
        .execution_options(synchronize_session=False)
    )
    return set(claimed.scalars())


def deliver_planned(limit: int = BATCH, now: datetime | None = None, *, with_email: bool = True) -> int:
    """Make the notification (and, by the person's choice, the e-mail) for up to ``limit`` planned rows.

    ``with_email=False`` files notifications only (used when replaying past days for the
    demo, where e-mails about last month would be noise). Returns how many rows were
    handled; call again until it returns 0. Flushes, never commits.
    """
    now = now or utcnow()
    ids = list(db.session.scalars(
        sa.select(PlannedReminder.id).where(PlannedReminder.state == PlannedState.planned)
        .order_by(PlannedReminder.id).limit(limit)
    ))
    if not ids:
        return 0
    claimed = _claim(ids, now)
    rows = list(db.session.scalars(
        sa.select(PlannedReminder).where(PlannedReminder.id.in_(claimed))
        .order_by(PlannedReminder.id).execution_options(populate_existing=True)
    ))
    users = {user.id: user for user in db.session.scalars(
        sa.select(User).where(User.id.in_({row.user_id for row in rows})))}
    texts = _describe(rows)
    for row in rows:
        text = texts.get(row.id)
        if text is None:  # the item has gone (deleted, or its source removed): nothing to say
            continue
        _deliver_one(row, users[row.user_id], text, now, with_email)
    db.session.flush()
    return len(ids)


def _describe(rows: list[PlannedReminder]) -> dict[int, ReminderText]:
    by_kind: dict[ReminderKind, list[PlannedReminder]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row)
    sources = sources_by_kind()
    texts: dict[int, ReminderText] = {}
    for kind, kind_rows in by_kind.items():
        if kind in sources:
            texts.update(sources[kind].describe(kind_rows))
    return texts


def _deliver_one(row: PlannedReminder, user: User, text: ReminderText, now: datetime, with_email: bool) -> None:
    prefs = preferences_of(user)
    muted = prefs.is_muted(row.kind)
    note = Notification(
        user_id=user.id, kind=row.kind.value, title=text.title[:200], body=text.body, link=text.link,
        dedupe_key=row.dedupe_key, read_at=now if muted else None, created_at=now,
    )
    db.session.add(note)
    db.session.flush()
    row.notification_id = note.id
    if muted or not with_email:
        return
    if not prefs.emails_now(row.kind):
        row.state = PlannedState.in_digest
        return
    base_url = current_app.config["BASE_URL"].rstrip("/")
    email = queue_email(
        to=user.email, user=user, template="reminder", subject=text.title[:200],
        context={"text": text, "kind": row.kind, "kind_tag": KIND_TAGS[row.kind], "url": base_url + text.link,
                 "reminder": row, **text.context},
        dedupe_key=row.dedupe_key,
    )
    if email is not None:
        row.email_id = email.id
