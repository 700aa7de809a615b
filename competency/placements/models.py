"""A student's or apprentice's placement at a host organisation, with a named supervisor."""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competency.accounts.models import Organisation, User
from competency.db import TimestampMixin, UTCDateTime, str_enum
from competency.extensions import db


class LearnerKind(enum.Enum):
    student = "student"
    apprentice = "apprentice"


LEARNER_LABELS = {LearnerKind.student: "Student", LearnerKind.apprentice: "Apprentice"}


class Placement(TimestampMixin, db.Model):
    __tablename__ = "placement"
    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
        sa.CheckConstraint("host_organisation_id <> home_organisation_id", name="host_not_home"),
        sa.Index("ix_placement_learner", "learner_id", "ends_on"),
        sa.Index("ix_placement_host", "host_organisation_id", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    learner_kind: Mapped[LearnerKind] = mapped_column(str_enum(LearnerKind))
    host_organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    # The education provider (students) or employer (apprentices) the learner comes from.
    home_organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    supervisor_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)  # inclusive
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    # Ended early (the learner left, the placement broke down): from then it gives no standing.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    end_reason: Mapped[str | None] = mapped_column(sa.Text)

    learner: Mapped[User] = relationship(foreign_keys=[learner_id])
    supervisor: Mapped[User] = relationship(foreign_keys=[supervisor_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])
    host_organisation: Mapped[Organisation] = relationship(foreign_keys=[host_organisation_id])
    home_organisation: Mapped[Organisation] = relationship(foreign_keys=[home_organisation_id])

    @property
    def learner_label(self) -> str:
        return LEARNER_LABELS[self.learner_kind]

    @property
    def is_ended_early(self) -> bool:
        return self.ended_at is not None

    def is_current_on(self, day: date) -> bool:
        return not self.is_ended_early and self.starts_on <= day <= self.ends_on

    def status_on(self, day: date) -> str:
        if self.is_ended_early:
            return "ended early"
        if day < self.starts_on:
            return "not started"
        if day > self.ends_on:
            return "finished"
        return "current"
