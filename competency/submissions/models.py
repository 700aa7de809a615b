"""The record that a create form with a given one-time token has been handled."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from competency.db import UTCDateTime, utcnow
from competency.extensions import db


class FormSubmission(db.Model):
    """One row per (person, form token): the unique constraint is what makes a resubmission a no-op.

    ``object_id`` is the item the first submission made (evidence, share link, ...), so the
    second one can answer with it instead of making another.
    """

    __tablename__ = "form_submission"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "token"),
        sa.Index("ix_form_submission_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
