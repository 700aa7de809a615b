"""Planned reminders, the e-mail outbox and in-app notifications."""
from __future__ import annotations

import enum
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


class PlannedReminder(db.Model):
    """One reminder to one person about one item at one stage.

    The unique constraint over (kind, item, due date, stage, recipient) is the
    dedupe key of rule 8: planning the same day twice, or on two days that fall
    in the same stage, inserts nothing new.
    """

    __tablename__ = "planned_reminder"
    __table_args__ = (
        sa.UniqueConstraint("kind", "item_id", "due_on", "stage", "user_id", name="uq_planned_reminder_key"),
        sa.Index("ix_planned_reminder_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind))
    item_id: Mapped[int] = mapped_column(sa.Integer)
    due_on: Mapped[date] = mapped_column(sa.Date)
    stage: Mapped[str] = mapped_column(sa.String(24))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    planned_on: Mapped[date] = mapped_column(sa.Date)
    state: Mapped[PlannedState] = mapped_column(str_enum(PlannedState), default=PlannedState.planned)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notification_id: Mapped[int | None] = mapped_column(sa.ForeignKey("notification.id", ondelete="SET NULL"))
    email_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox_email.id", ondelete="SET NULL"))

    @property
    def dedupe_key(self) -> str:
        return f"reminder:{self.kind.value}:{self.item_id}:{self.due_on.isoformat()}:{self.stage}:{self.user_id}"
