"""Turning planned reminders into in-app notifications and outbox e-mails.

Rows are claimed with one conditional UPDATE per batch (``planned`` ->
``delivered``), so two workers never make the same notification; the
notification and e-mail carry the planned row's dedupe key under unique
constraints as a second guard. Everything happens in the caller's transaction:
if it rolls back, the rows are ``planned`` again and the next run redoes them.

A reminder about one item reads as it always has; one about several (a lead's
escalations of the day) is one notification titled by its source (``Source.several``)
that lists them, and one e-mail with each item and its link.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from competency.accounts.models import User
from competency.db import utcnow
from competency.extensions import db
from competency.reminders.items import items_of
from competency.reminders.models import Notification, PlannedReminder, PlannedState, ReminderItem, ReminderKind
from competency.reminders.outbox import queue_email
from competency.reminders.preferences import preferences_of
from competency.reminders.sources import sources_by_kind
from competency.reminders.sources.base import ReminderText, Source, link_to

BATCH = 200
# A batch also stops once it holds this many items (a lead's reminder may list hundreds).
BATCH_ITEMS = 2000
# How many items a notification's text lists; the e-mail lists up to EMAIL_ITEMS.
NOTIFICATION_ITEMS = 10
EMAIL_ITEMS = 50

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


def _next_batch(limit: int) -> list[int]:
    """The oldest planned rows: at most ``limit``, and at most BATCH_ITEMS items unless one row holds more."""
    ids, items = [], 0
    for row_id, count in db.session.execute(
            sa.select(PlannedReminder.id, PlannedReminder.item_count)
            .where(PlannedReminder.state == PlannedState.planned).order_by(PlannedReminder.id).limit(limit)):
        if ids and items + count > BATCH_ITEMS:
            break
        ids.append(row_id)
        items += count
    return ids


def deliver_planned(limit: int = BATCH, now: datetime | None = None, *, with_email: bool = True) -> int:
    """Make the notification (and, by the person's choice, the e-mail) for up to ``limit`` planned rows.

    ``with_email=False`` files notifications only (used when replaying past days for the
    demo, where e-mails about last month would be noise). Returns how many rows were
    handled; call again until it returns 0. Flushes, never commits.
    """
    now = now or utcnow()
    ids = _next_batch(limit)
    if not ids:
        return 0
    claimed = _claim(ids, now)
    rows = list(db.session.scalars(
        sa.select(PlannedReminder).where(PlannedReminder.id.in_(claimed))
        .order_by(PlannedReminder.id).execution_options(populate_existing=True)
    ))
    users = {user.id: user for user in db.session.scalars(
        sa.select(User).where(User.id.in_({row.user_id for row in rows})))}
    items = items_of(rows)
    texts = _describe([item for row in rows for item in items[row.id]])
    sources = sources_by_kind()
    for row in rows:
        found = [texts[item.id] for item in items[row.id] if item.id in texts]
        if not found or row.user_id not in users:  # the items have gone (decided, deleted, moved): nothing to say
            continue
        _deliver_one(row, users[row.user_id], combined(sources[row.kind], found), now, with_email)
    db.session.flush()
    return len(ids)


def _describe(items: list[ReminderItem]) -> dict[tuple, ReminderText]:
    by_kind: dict[ReminderKind, list[ReminderItem]] = defaultdict(list)
    for item in items:
        by_kind[item.kind].append(item)
    sources = sources_by_kind()
    texts: dict[tuple, ReminderText] = {}
    for kind, kind_items in by_kind.items():
        if kind in sources:
            texts.update(sources[kind].describe(kind_items))
    return texts


def combined(source: Source, texts: list[ReminderText]) -> ReminderText:
    """One text for a reminder: the item's own, or a title for all of them and a list."""
    if len(texts) == 1:
        return texts[0]
    shown = [text.title for text in texts[:NOTIFICATION_ITEMS]]
    if len(texts) > len(shown):
        shown.append(f"and {len(texts) - len(shown)} more")
    return ReminderText(title=source.several.format(n=len(texts)), body="\n".join(shown),
                        link=link_to(source.list_endpoint), context={"items": texts[:EMAIL_ITEMS],
                                                                     "more_items": max(len(texts) - EMAIL_ITEMS, 0)})


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
