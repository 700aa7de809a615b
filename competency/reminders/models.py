"""Planned reminders, the e-mail outbox and in-app notifications."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from competency.db import UTCDateTime, str_enum, utcnow
from competency.extensions import db


class OutboxStatus(enum.Enum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"


class OutboxEmail(db.Model):
    """An e-mail waiting to be sent. ``dedupe_key`` makes queueing idempotent.

    ``message_id`` is fixed when the row is queued, so a resend after a crash
    carries the same Message-ID header and the receiving side can drop it.
    ``claimed_at`` is set when a sender takes the row (status ``sending``); a row
    left ``sending`` longer than ``OUTBOX_CLAIM_TIMEOUT_SECONDS`` was abandoned by a
    crashed sender and is taken again.
    """

    __tablename__ = "outbox_email"
    __table_args__ = (sa.Index("ix_outbox_email_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    message_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus), default=OutboxStatus.queued)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str | None] = mapped_column(sa.Text)
    link: Mapped[str | None] = mapped_column(sa.String(500))
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReminderKind(enum.Enum):
    """What a reminder is about. People can mute any kind except escalations."""

    milestone = "milestone"
    supervision = "supervision"
    signoff_waiting = "signoff_waiting"
    escalation = "escalation"
    share_expiring = "share_expiring"
    progress_review = "progress_review"
    # A newly registered starter with no preceptorship 60 days after starting (to the leads).
    not_enrolled = "not_enrolled"
    # Reserved for credentials or sign-offs that reach an expiry date; neither carries one yet.
    expiry = "expiry"


class PlannedState(enum.Enum):
    planned = "planned"          # found due; notification and e-mail not made yet
    delivered = "delivered"      # notification made and, unless muted, e-mail queued
    in_digest = "in_digest"      # notification made; e-mail waits for the weekly digest
    digested = "digested"        # included in a digest e-mail


class PlannedReminderKey(db.Model):
    """Rule 8's dedupe key: one row per (kind, stage, due date, item) that planning has ever planned.

    Its primary key is what makes planning safe to repeat and to run on two workers at once:
    a key is inserted by exactly one planning run, and only that run makes reminders for it.
    ``item_id`` is 0 for kinds planned by day (``Source.by_day``): the key then stands for
    every item of that kind due on ``due_on`` at ``stage``. No foreign keys and no other
    index, so recording a day's keys costs one index entry each.
    """

    __tablename__ = "planned_reminder_key"
    __table_args__ = (sa.PrimaryKeyConstraint("kind", "stage", "due_on", "item_id"), {"sqlite_with_rowid": False})

    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind))
    stage: Mapped[str] = mapped_column(sa.String(24))
    due_on: Mapped[date] = mapped_column(sa.Date)
    item_id: Mapped[int] = mapped_column(sa.Integer)
    planned_on: Mapped[date] = mapped_column(sa.Date)


@dataclass(frozen=True)
class ReminderItem:
    """One item one reminder is about: what the sources describe and the e-mail lists."""

    reminder_id: int
    kind: ReminderKind
    item_id: int
    due_on: date
    stage: str
    user_id: int
    planned_on: date

    @property
    def id(self) -> tuple:
        """Unique across a batch of reminders: sources key their texts by it."""
        return (self.reminder_id, self.item_id, self.due_on, self.stage)


class PlannedReminder(db.Model):
    """One reminder to one person: the items of one kind one planning run found due for them.

    ``items`` lists ``[item_id, "YYYY-MM-DD", stage]`` entries. For kinds planned by day an
    entry ``[0, due_on, stage]`` stands for every item of that day the person is told about
    (see :func:`competency.reminders.items.items_of`). ``item_count`` is how many (item,
    person) reminders the row carries. Rows are made only for keys their planning run won
    (:class:`PlannedReminderKey`), so no item reaches a person twice at one stage.
    """

    __tablename__ = "planned_reminder"
    __table_args__ = (sa.Index("ix_planned_reminder_state", "state", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind))
    # A plain id: planning only makes rows for people it has just read from user_account, and
    # accounts are deactivated, never deleted; a key check per row was a sixth of a day's planning.
    user_id: Mapped[int] = mapped_column(sa.Integer)
    planned_on: Mapped[date] = mapped_column(sa.Date)
    item_count: Mapped[int] = mapped_column(sa.Integer)
    items: Mapped[list] = mapped_column(sa.JSON)
    state: Mapped[PlannedState] = mapped_column(str_enum(PlannedState), default=PlannedState.planned)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What delivery made, written in the transaction that makes them. Plain ids too: nothing
    # deletes notifications or e-mails, and planning would pay a check per row for a NULL.
    notification_id: Mapped[int | None] = mapped_column(sa.Integer)
    email_id: Mapped[int | None] = mapped_column(sa.Integer)

    @property
    def dedupe_key(self) -> str:
        return f"reminder:{self.id}"

    def listed_keys(self) -> list[tuple[int, date, str]]:
        """``items`` as (item id, due date, stage), oldest due first."""
        return sorted((int(item), date.fromisoformat(due), stage) for item, due, stage in self.items or [])
