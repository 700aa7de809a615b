"""Preceptor history, training records and time logs.

:class:`PreceptorAssignment` rows are the history of an enrolment's named preceptor:
the first one is written at enrolment, each change of preceptor closes the current
row and opens the next with the reason. Rows are never deleted.
"""
from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competency.accounts.models import Organisation, User
from competency.db import TimestampMixin, str_enum
from competency.extensions import db


class ChangeReason(enum.Enum):
    rotation = "rotation"
    preceptor_left = "preceptor_left"
    preceptor_absent = "preceptor_absent"
    relationship = "relationship"
    other = "other"


CHANGE_REASON_LABELS = {
    ChangeReason.rotation: "Rotation to another team or organisation",
    ChangeReason.preceptor_left: "The preceptor left or changed role",
    ChangeReason.preceptor_absent: "The preceptor is absent for a long period",
    ChangeReason.relationship: "The preceptee asked for a change",
    ChangeReason.other: "Another reason",
}


class PreceptorAssignment(TimestampMixin, db.Model):
    __tablename__ = "preceptor_assignment"
    __table_args__ = (
        sa.CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="dates_ordered"),
        # At most one open (current) assignment per enrolment.
        sa.Index("uq_preceptor_assignment_current", "enrolment_id", unique=True,
                 sqlite_where=sa.text("ended_on IS NULL"), postgresql_where=sa.text("ended_on IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    preceptor_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    preceptor_name: Mapped[str] = mapped_column(sa.String(120))
    # The preceptor's own organisation (differs from the enrolment's on a grant or rotation).
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    grant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workforce_grant.id"))
    started_on: Mapped[date] = mapped_column(sa.Date)
    ended_on: Mapped[date | None] = mapped_column(sa.Date)
    # Why the previous preceptor was replaced by this one (None for the first).
    reason: Mapped[ChangeReason | None] = mapped_column(str_enum(ChangeReason))
    reason_detail: Mapped[str] = mapped_column(sa.Text, default="")
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    enrolment: Mapped["Enrolment"] = relationship()  # noqa: F821  (preceptorship.models)
    preceptor: Mapped[User] = relationship(foreign_keys=[preceptor_id])
    organisation: Mapped[Organisation | None] = relationship()
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])

    @property
    def reason_label(self) -> str | None:
        return CHANGE_REASON_LABELS[self.reason] if self.reason else None


class PreceptorTraining(TimestampMixin, db.Model):
    """A preceptor course completed (HCPC principle 4: preceptors are trained)."""

    __tablename__ = "preceptor_training"
    __table_args__ = (
        sa.CheckConstraint("expires_on IS NULL OR expires_on >= completed_on", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    preceptor_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    course: Mapped[str] = mapped_column(sa.String(200))
    provider: Mapped[str] = mapped_column(sa.String(200), default="")
    completed_on: Mapped[date] = mapped_column(sa.Date)
    expires_on: Mapped[date | None] = mapped_column(sa.Date)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    preceptor: Mapped[User] = relationship(foreign_keys=[preceptor_id])

    def is_current_on(self, day: date) -> bool:
        return self.completed_on <= day and (self.expires_on is None or self.expires_on >= day)


class PreceptorTimeEntry(TimestampMixin, db.Model):
    """Time given to the preceptor role (meetings, preparation, preceptor development)."""

    __tablename__ = "preceptor_time_entry"
    __table_args__ = (
        sa.CheckConstraint("minutes > 0", name="minutes_positive"),
        sa.Index("ix_preceptor_time_entry_preceptor", "preceptor_id", "spent_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    preceptor_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    spent_on: Mapped[date] = mapped_column(sa.Date)
    minutes: Mapped[int] = mapped_column()
    activity: Mapped[str] = mapped_column(sa.String(500), default="")
