"""Passport share links that expire within 7 days: the holder is told once per link and expiry date.

A link that is revoked, or already expired, is left alone; a holder who extends a
link (a new expiry date) is reminded again before the new date.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa

from competency.extensions import db
from competency.passport.models import ShareLink
from competency.reminders.models import ReminderItem, ReminderKind
from competency.reminders.sources.base import ON, ReminderText, Source, day_param, link_to, long_date, when

NOTICE_DAYS = 7


def params(on: date) -> dict:
    return {"on": on, "notice_until": on + timedelta(days=NOTICE_DAYS)}


def shares_due() -> sa.Select:
    s = ShareLink
    return sa.select(
        s.id.label("item_id"), s.expires_on.label("due_on"),
        sa.literal(f"expiring-{NOTICE_DAYS}", sa.String).label("stage"), s.holder_id,
    ).where(s.revoked_at.is_(None), s.expires_on > ON, s.expires_on <= day_param("notice_until"))


def recipients(due: sa.Subquery) -> sa.Select:
    return sa.select(due.c.item_id, due.c.due_on, due.c.stage, due.c.holder_id.label("user_id"))


def describe(rows: Sequence[ReminderItem]) -> dict[tuple, ReminderText]:
    shares = {share.id: share for share in db.session.scalars(
        sa.select(ShareLink).where(ShareLink.id.in_({row.item_id for row in rows})))}
    texts = {}
    for row in rows:
        share = shares.get(row.item_id)
        if share is None or share.revoked_at is not None or share.expires_on != row.due_on:
            continue
        label = f"“{share.note}”" if share.note else f"starting {share.token_hint}"
        texts[row.id] = ReminderText(
            title=f"Your passport share link {label} expires {when(row.due_on, row.planned_on)}",
            body=(f"The link stops working after {long_date(row.due_on)}. If the employer or recruiter still "
                  "needs to see your passport, create a new link for them."),
            link=link_to("passport.share_detail", share_id=share.id),
        )
    return texts


SOURCE = Source(kind=ReminderKind.share_expiring, label="Share link",
                hint="Passport share links that stop working within 7 days.",
                due=shares_due, recipients=recipients, describe=describe, params=params,
                several="{n} of your passport share links expire soon", list_endpoint="passport.shares")
