"""A person on a pathway, the employer's confirmations, panels and apprenticeship records.

Pathway definitions are files (see :mod:`competency.progression.catalogue`); a
:class:`ProgressionRecord` names the pathway slug and version it follows, so later
versions of a pathway never change what an earlier record was assessed against.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competency.accounts.models import Organisation, User
from competency.db import TimestampMixin, UTCDateTime, str_enum, utcnow
from competency.extensions import db


class RecordStatus(enum.Enum):
    active = "active"
    completed = "completed"
    withdrawn = "withdrawn"


class PanelOutcome(enum.Enum):
    ready = "ready"
    not_yet = "not_yet"
    deferred = "deferred"


PANEL_OUTCOME_LABELS = {PanelOutcome.ready: "Ready", PanelOutcome.not_yet: "Not yet",
                        PanelOutcome.deferred: "Deferred"}


class ApprenticeshipStatus(enum.Enum):
    active = "active"
    qualified = "qualified"
    withdrawn = "withdrawn"


class ProgressionRecord(TimestampMixin, db.Model):
    """One person following one pathway at one organisation."""

    __tablename__ = "progression_record"
    __table_args__ = (sa.UniqueConstraint("user_id", "organisation_id", "pathway_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    pathway_slug: Mapped[str] = mapped_column(sa.String(80))
    pathway_version: Mapped[str] = mapped_column(sa.String(20))
    # Where the person is now, and where they are heading (None at the last stage).
    stage_code: Mapped[str] = mapped_column(sa.String(60))
    target_stage_code: Mapped[str | None] = mapped_column(sa.String(60))
    status: Mapped[RecordStatus] = mapped_column(str_enum(RecordStatus), default=RecordStatus.active, index=True)
    started_on: Mapped[date] = mapped_column(sa.Date)
    stage_since_on: Mapped[date] = mapped_column(sa.Date)
    completed_on: Mapped[date | None] = mapped_column(sa.Date)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()
    confirmations: Mapped[list[ChecklistConfirmation]] = relationship(
        back_populates="record", order_by="ChecklistConfirmation.id", cascade="all, delete-orphan")
    panels: Mapped[list[Panel]] = relationship(
        back_populates="record", order_by="Panel.scheduled_on", cascade="all, delete-orphan")
    apprenticeship: Mapped[Apprenticeship | None] = relationship(back_populates="record", uselist=False)

    def __repr__(self) -> str:
        return f"<ProgressionRecord {self.user_id} {self.pathway_slug}@{self.pathway_version} {self.stage_code}>"


class ChecklistConfirmation(db.Model):
    """The employer confirms one checklist item of a step (sponsorship, mentor named, ...)."""

    __tablename__ = "progression_confirmation"
    __table_args__ = (sa.UniqueConstraint("record_id", "step_code", "criterion_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("progression_record.id", ondelete="CASCADE"), index=True)
    step_code: Mapped[str] = mapped_column(sa.String(60))
    criterion_code: Mapped[str] = mapped_column(sa.String(60))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    record: Mapped[ProgressionRecord] = relationship(back_populates="confirmations")
    confirmed_by: Mapped[User | None] = relationship()


class Panel(TimestampMixin, db.Model):
    """A progression panel for one step: scheduled by a lead, then an outcome recorded."""

    __tablename__ = "progression_panel"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("progression_record.id", ondelete="CASCADE"), index=True)
    step_code: Mapped[str] = mapped_column(sa.String(60))
    scheduled_on: Mapped[date] = mapped_column(sa.Date)
    # Names and roles as written by the lead, e.g. "Priya Shah, Principal OT (chair)".
    members: Mapped[list] = mapped_column(sa.JSON, default=list)
    outcome: Mapped[PanelOutcome | None] = mapped_column(str_enum(PanelOutcome))
    actions: Mapped[str] = mapped_column(sa.Text, default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    scheduled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    record: Mapped[ProgressionRecord] = relationship(back_populates="panels")

    @property
    def outcome_label(self) -> str:
        return PANEL_OUTCOME_LABELS[self.outcome] if self.outcome else "Awaiting decision"


class Apprenticeship(TimestampMixin, db.Model):
    """A degree apprenticeship started from a pathway step."""

    __tablename__ = "apprenticeship"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("progression_record.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    provider: Mapped[str] = mapped_column(sa.String(200))
    standard: Mapped[str] = mapped_column(sa.String(200))
    start_on: Mapped[date] = mapped_column(sa.Date)
    planned_end_on: Mapped[date] = mapped_column(sa.Date)
    planned_otj_hours: Mapped[float] = mapped_column(sa.Numeric(7, 1, asdecimal=False))
    # The standard's published minimum off-the-job hours when it started (None: not stated by the pathway).
    otj_minimum_hours: Mapped[float | None] = mapped_column(sa.Numeric(7, 1, asdecimal=False))
    epa_gateway_on: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[ApprenticeshipStatus] = mapped_column(str_enum(ApprenticeshipStatus),
                                                         default=ApprenticeshipStatus.active, index=True)
    qualified_on: Mapped[date | None] = mapped_column(sa.Date)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    record: Mapped[ProgressionRecord] = relationship(back_populates="apprenticeship")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()
    entries: Mapped[list[OffTheJobEntry]] = relationship(
        back_populates="apprenticeship", order_by="OffTheJobEntry.occurred_on", cascade="all, delete-orphan")
    reviews: Mapped[list[ProgressReview]] = relationship(
        back_populates="apprenticeship", order_by="ProgressReview.sequence", cascade="all, delete-orphan")
    plan_blocks: Mapped[list[OtjPlanBlock]] = relationship(
        back_populates="apprenticeship", order_by="(OtjPlanBlock.starts_on, OtjPlanBlock.id)",
        cascade="all, delete-orphan")


class OtjPlanBlock(db.Model):
    """Part of the planned off-the-job schedule: hours planned between two dates (a university block,
    a placement, regular weekly study time). Progress is judged against these, not an even spread."""

    __tablename__ = "apprenticeship_otj_plan"
    __table_args__ = (sa.CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
                      sa.CheckConstraint("hours > 0", name="hours_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    apprenticeship_id: Mapped[int] = mapped_column(sa.ForeignKey("apprenticeship.id", ondelete="CASCADE"),
                                                   index=True)
    label: Mapped[str] = mapped_column(sa.String(200))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    hours: Mapped[float] = mapped_column(sa.Numeric(7, 1, asdecimal=False))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    apprenticeship: Mapped[Apprenticeship] = relationship(back_populates="plan_blocks")


class OffTheJobEntry(db.Model):
    """Off-the-job training: hours spent learning away from normal duties."""

    __tablename__ = "apprenticeship_otj_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    apprenticeship_id: Mapped[int] = mapped_column(sa.ForeignKey("apprenticeship.id", ondelete="CASCADE"),
                                                   index=True)
    occurred_on: Mapped[date] = mapped_column(sa.Date)
    hours: Mapped[float] = mapped_column(sa.Numeric(5, 2, asdecimal=False))
    activity: Mapped[str] = mapped_column(sa.String(500))
    # A piece of the apprentice's own evidence that shows the learning (optional).
    evidence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("evidence.id", ondelete="SET NULL"), index=True)
    logged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    apprenticeship: Mapped[Apprenticeship] = relationship(back_populates="entries")


class ProgressReview(db.Model):
    """A scheduled progress review (employer, provider and apprentice), due on ``due_on``.

    The reminders area queries open reviews by due date
    (:func:`competency.progression.queries.open_progress_reviews`).
    """

    __tablename__ = "apprenticeship_review"
    __table_args__ = (sa.UniqueConstraint("apprenticeship_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    apprenticeship_id: Mapped[int] = mapped_column(sa.ForeignKey("apprenticeship.id", ondelete="CASCADE"),
                                                   index=True)
    sequence: Mapped[int] = mapped_column()
    due_on: Mapped[date] = mapped_column(sa.Date, index=True)
    held_on: Mapped[date | None] = mapped_column(sa.Date)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    apprenticeship: Mapped[Apprenticeship] = relationship(back_populates="reviews")

    @property
    def is_done(self) -> bool:
        return self.held_on is not None
