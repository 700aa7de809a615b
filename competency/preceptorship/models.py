"""Programme templates (versioned, immutable once published) and enrolments on them.

An :class:`Enrolment` copies nothing from its template version except what SQL needs:
each :class:`EnrolmentMilestone` stores its computed ``due_on`` and ``due_soon_on`` so
reminders and reports can select due dates with plain SQL. They are recomputed by the
services whenever a pause or the FTE changes (see :mod:`competency.preceptorship.scheduling`).

``Enrolment.status`` stores the lifecycle (active, completed, withdrawn); "paused" is
derived from the recorded pauses covering a given day (:meth:`Enrolment.status_on`), so
it starts and ends on the pause's own dates without a background job.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competency.accounts.models import Organisation, User
from competency.db import TimestampMixin, UTCDateTime, str_enum
from competency.extensions import db
from competency.preceptorship.scheduling import Pause
from competency.preceptorship.specs import PARTY_LABELS, CadenceRule


class TemplateStatus(enum.Enum):
    draft = "draft"
    published = "published"
    retired = "retired"


class EnrolmentStatus(enum.Enum):
    active = "active"
    paused = "paused"  # derived, never stored: see Enrolment.status_on
    completed = "completed"
    withdrawn = "withdrawn"


STATUS_LABELS = {EnrolmentStatus.active: "Active", EnrolmentStatus.paused: "Paused",
                 EnrolmentStatus.completed: "Completed", EnrolmentStatus.withdrawn: "Withdrawn"}


class PauseReason(enum.Enum):
    sickness = "sickness"
    parental_leave = "parental_leave"
    other = "other"


PAUSE_REASON_LABELS = {PauseReason.sickness: "Sickness", PauseReason.parental_leave: "Parental leave",
                       PauseReason.other: "Other leave or break"}


class Outcome(enum.Enum):
    completed = "completed"
    passed = "passed"
    failed = "failed"


OUTCOME_LABELS = {Outcome.completed: "Completed", Outcome.passed: "Passed", Outcome.failed: "Not passed"}


class ProgrammeTemplate(TimestampMixin, db.Model):
    __tablename__ = "programme_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))

    versions: Mapped[list[TemplateVersion]] = relationship(back_populates="template", order_by="TemplateVersion.id")


class TemplateVersion(TimestampMixin, db.Model):
    __tablename__ = "programme_template_version"
    __table_args__ = (sa.UniqueConstraint("template_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("programme_template.id"), index=True)
    version: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    publisher: Mapped[str] = mapped_column(sa.String(200), default="")
    programme_kind: Mapped[str] = mapped_column(sa.String(40))
    duration_days: Mapped[int] = mapped_column()
    professions: Mapped[list] = mapped_column(sa.JSON, default=list)
    sectors: Mapped[list] = mapped_column(sa.JSON, default=list)
    supervision_minimum_minutes: Mapped[int] = mapped_column(default=0)
    # [{"until_day": 42, "every_days": 7, "every_months": null}, ...]
    cadence: Mapped[list] = mapped_column(sa.JSON, default=list)
    protected_time_percent: Mapped[int] = mapped_column(default=0)
    # "completion" or "pass_fail"
    outcome: Mapped[str] = mapped_column(sa.String(20), default="completion")
    is_moderated: Mapped[bool] = mapped_column(default=False)
    framework_slug: Mapped[str] = mapped_column(sa.String(80))
    # Pillar codes of the shared framework rated at confidence check-ins.
    checkin_pillars: Mapped[list] = mapped_column(sa.JSON, default=list)
    party_labels: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[TemplateStatus] = mapped_column(str_enum(TemplateStatus), default=TemplateStatus.draft)
    # SHA-256 of the validated spec: re-importing the same content is a no-op.
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    source_name: Mapped[str] = mapped_column(sa.String(200), default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    template: Mapped[ProgrammeTemplate] = relationship(back_populates="versions")
    milestones: Mapped[list[TemplateMilestone]] = relationship(
        back_populates="version", order_by="TemplateMilestone.position", cascade="all, delete-orphan")

    @property
    def slug(self) -> str:
        return self.template.slug

    @property
    def cadence_rules(self) -> tuple[CadenceRule, ...]:
        return tuple(CadenceRule.from_dict(rule) for rule in self.cadence)

    def party_label(self, party: str) -> str:
        return (self.party_labels or {}).get(party) or PARTY_LABELS[party]

    @property
    def completion_milestone(self) -> TemplateMilestone:
        return next(m for m in self.milestones if m.completes_programme)


class TemplateMilestone(db.Model):
    __tablename__ = "programme_template_milestone"
    __table_args__ = (sa.UniqueConstraint("version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("programme_template_version.id", ondelete="CASCADE"),
                                            index=True)
    code: Mapped[str] = mapped_column(sa.String(60))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    due_day: Mapped[int] = mapped_column()
    window_days: Mapped[int] = mapped_column()
    signed_by: Mapped[list] = mapped_column(sa.JSON)
    # {"direct_observation": 3, ...}, cumulative from the programme start.
    evidence: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    is_evidence_enforced: Mapped[bool] = mapped_column(default=False)
    is_optional: Mapped[bool] = mapped_column(default=False)
    required_when: Mapped[str | None] = mapped_column(sa.String(40))
    completes_programme: Mapped[bool] = mapped_column(default=False)
    is_after_completion: Mapped[bool] = mapped_column(default=False)
    prompts_checkin: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column()

    version: Mapped[TemplateVersion] = relationship(back_populates="milestones")


class Enrolment(TimestampMixin, db.Model):
    __tablename__ = "enrolment"
    __table_args__ = (
        sa.CheckConstraint("fte > 0 AND fte <= 1", name="fte_range"),
        sa.Index("ix_enrolment_organisation_status", "organisation_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    template_version_id: Mapped[int] = mapped_column(sa.ForeignKey("programme_template_version.id"), index=True)
    preceptor_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    enrolled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    start_on: Mapped[date] = mapped_column(sa.Date)
    fte: Mapped[float] = mapped_column(sa.Numeric(4, 2, asdecimal=False), default=1.0)
    status: Mapped[EnrolmentStatus] = mapped_column(str_enum(EnrolmentStatus), default=EnrolmentStatus.active)
    # The employment the programme belongs to, and how late the programme started after it.
    employment_start_on: Mapped[date | None] = mapped_column(sa.Date)
    start_warning: Mapped[str | None] = mapped_column(sa.Text)
    # Set when the lead accepted a preceptor with under 12 months' registration.
    preceptor_override_reason: Mapped[str | None] = mapped_column(sa.Text)
    completed_on: Mapped[date | None] = mapped_column(sa.Date)
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome))
    moderated_on: Mapped[date | None] = mapped_column(sa.Date)
    moderation_note: Mapped[str | None] = mapped_column(sa.Text)
    withdrawn_on: Mapped[date | None] = mapped_column(sa.Date)
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.Text)
    # When the next supervision is due under the cadence rules (None once the programme ends);
    # stored so reminders can select it with SQL, recomputed by the services.
    next_supervision_due_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    # Carried from the same programme at an earlier employer (a mid-programme move, from a recognised
    # progress credential): full-time programme days already done, and evidence already counted.
    credited_days: Mapped[int] = mapped_column(default=0, server_default="0")
    carried_evidence: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default=sa.text("'{}'"))

    practitioner: Mapped[User] = relationship(foreign_keys=[practitioner_id])
    preceptor: Mapped[User] = relationship(foreign_keys=[preceptor_id])
    lead: Mapped[User] = relationship(foreign_keys=[lead_id])
    organisation: Mapped[Organisation] = relationship()
    template_version: Mapped[TemplateVersion] = relationship()
    milestones: Mapped[list[EnrolmentMilestone]] = relationship(
        back_populates="enrolment", order_by="EnrolmentMilestone.position", cascade="all, delete-orphan")
    pauses: Mapped[list[EnrolmentPause]] = relationship(
        back_populates="enrolment", order_by="EnrolmentPause.start_on", cascade="all, delete-orphan")
    supervisions: Mapped[list[SupervisionSession]] = relationship(
        back_populates="enrolment", order_by="(SupervisionSession.held_on, SupervisionSession.id)",
        cascade="all, delete-orphan")
    protected_time: Mapped[list[ProtectedTimeEntry]] = relationship(
        back_populates="enrolment", order_by="(ProtectedTimeEntry.taken_on, ProtectedTimeEntry.id)",
        cascade="all, delete-orphan")
    checkins: Mapped[list[ConfidenceCheckin]] = relationship(
        back_populates="enrolment", order_by="(ConfidenceCheckin.checked_on, ConfidenceCheckin.id)",
        cascade="all, delete-orphan")

    @property
    def pause_ranges(self) -> list[Pause]:
        return [Pause(p.start_on, p.end_on) for p in self.pauses]

    def pause_on(self, day: date) -> EnrolmentPause | None:
        return next((p for p in self.pauses if p.start_on <= day <= p.end_on), None)

    def status_on(self, day: date) -> EnrolmentStatus:
        if self.status == EnrolmentStatus.active and self.pause_on(day) is not None:
            return EnrolmentStatus.paused
        return self.status

    @property
    def is_open(self) -> bool:
        """Still running: reviews, supervision and check-ins can be recorded."""
        return self.status == EnrolmentStatus.active

    @property
    def ended_on(self) -> date | None:
        return self.completed_on or self.withdrawn_on

    def party_of(self, user: User | None) -> set[str]:
        """The parties ``user`` is on this enrolment (one person can be preceptor and lead)."""
        if user is None:
            return set()
        parties = set()
        if user.id == self.practitioner_id:
            parties.add("preceptee")
        if user.id == self.preceptor_id:
            parties.add("preceptor")
        if user.id == self.lead_id:
            parties.add("lead")
        return parties

    def milestone(self, code: str) -> EnrolmentMilestone | None:
        return next((m for m in self.milestones if m.code == code), None)


class EnrolmentMilestone(db.Model):
    __tablename__ = "enrolment_milestone"
    __table_args__ = (
        sa.UniqueConstraint("enrolment_id", "code"),
        # The cohort state (queries.cohort_state) asks of each enrolment whether an open required
        # review is overdue or due soon: answered from this small index, not the whole table.
        # (Each predicate is written as SQLAlchemy renders the query's, so the planner can match it.)
        sa.Index("ix_enrolment_milestone_open", "enrolment_id", "due_on", "due_soon_on",
                 postgresql_where=sa.text("is_required IS true AND completed_on IS NULL AND is_after_completion IS false"),
                 sqlite_where=sa.text("is_required IS 1 AND completed_on IS NULL AND is_after_completion IS 0")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    template_milestone_id: Mapped[int] = mapped_column(sa.ForeignKey("programme_template_milestone.id"))
    code: Mapped[str] = mapped_column(sa.String(60))
    position: Mapped[int] = mapped_column()
    due_on: Mapped[date] = mapped_column(sa.Date, index=True)
    # due_on - window_days: from this day the milestone shows as "due soon".
    due_soon_on: Mapped[date] = mapped_column(sa.Date)
    is_required: Mapped[bool] = mapped_column(default=True)
    is_after_completion: Mapped[bool] = mapped_column(default=False)
    completed_on: Mapped[date | None] = mapped_column(sa.Date)
    # The review, one section per party (competency.preceptorship.review_sections says which
    # field is whose): the preceptee's reflection and goals; the preceptor's reflection on the
    # period, the development plan and any concern; the lead's comments.
    reflection: Mapped[str] = mapped_column(sa.Text, default="")
    development_plan: Mapped[str] = mapped_column(sa.Text, default="")
    goals: Mapped[str] = mapped_column(sa.Text, default="")
    concerns: Mapped[str] = mapped_column(sa.Text, default="")
    has_concern: Mapped[bool] = mapped_column(default=False)
    preceptor_feedback: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    lead_comments: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    review_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # Done at an earlier employer and carried here (the issuer's name); never signed again.
    carried_from: Mapped[str | None] = mapped_column(sa.String(200))

    enrolment: Mapped[Enrolment] = relationship(back_populates="milestones")
    definition: Mapped[TemplateMilestone] = relationship()
    signatures: Mapped[list[MilestoneSignature]] = relationship(
        back_populates="milestone", order_by="MilestoneSignature.id", cascade="all, delete-orphan")

    @property
    def is_done(self) -> bool:
        return self.completed_on is not None


class MilestoneSignature(db.Model):
    """One party signing their section of a review, and what they read of the other sections.

    The signature stands while the signer's own section is unchanged and every other section
    that had been written when they signed still reads as it did (``read_sections``). Rows
    from before reviews had sections, whose text had changed since, carry no ``section_hash``
    and never stand again; they stay on record.
    """

    __tablename__ = "milestone_signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment_milestone.id", ondelete="CASCADE"),
                                              index=True)
    party: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    signer_name: Mapped[str] = mapped_column(sa.String(120))
    # SHA-256 of the whole review as it stood when signed (every section's hash).
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # SHA-256 of the signer's own section as signed.
    section_hash: Mapped[str | None] = mapped_column(sa.String(64))
    # {party: SHA-256 of that section as read, or null when it was still empty}, and its digest.
    read_sections: Mapped[dict | None] = mapped_column(sa.JSON)
    read_digest: Mapped[str | None] = mapped_column(sa.String(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    milestone: Mapped[EnrolmentMilestone] = relationship(back_populates="signatures")


class EnrolmentPause(TimestampMixin, db.Model):
    __tablename__ = "enrolment_pause"
    __table_args__ = (sa.CheckConstraint("end_on >= start_on", name="dates_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    start_on: Mapped[date] = mapped_column(sa.Date)
    end_on: Mapped[date] = mapped_column(sa.Date)  # inclusive
    reason: Mapped[PauseReason] = mapped_column(str_enum(PauseReason))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    enrolment: Mapped[Enrolment] = relationship(back_populates="pauses")

    @property
    def days(self) -> int:
        return (self.end_on - self.start_on).days + 1


class SupervisionSession(TimestampMixin, db.Model):
    __tablename__ = "supervision_session"
    __table_args__ = (sa.CheckConstraint("minutes > 0", name="minutes_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(sa.Date)
    minutes: Mapped[int] = mapped_column()
    topics: Mapped[str] = mapped_column(sa.Text, default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    enrolment: Mapped[Enrolment] = relationship(back_populates="supervisions")
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class ProtectedTimeEntry(TimestampMixin, db.Model):
    __tablename__ = "protected_time_entry"
    __table_args__ = (sa.CheckConstraint("minutes > 0", name="minutes_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    taken_on: Mapped[date] = mapped_column(sa.Date)
    minutes: Mapped[int] = mapped_column()
    activity: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))

    enrolment: Mapped[Enrolment] = relationship(back_populates="protected_time")


class ConfidenceCheckin(TimestampMixin, db.Model):
    """A self-rating (1-5) per pillar code of the shared framework, plus wellbeing (1-5)."""

    __tablename__ = "confidence_checkin"
    __table_args__ = (sa.CheckConstraint("wellbeing BETWEEN 1 AND 5", name="wellbeing_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    checked_on: Mapped[date] = mapped_column(sa.Date)
    wellbeing: Mapped[int] = mapped_column()
    # {"professional_practice": 3, ...}
    ratings: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # The milestone whose review prompted it, if any.
    milestone_code: Mapped[str | None] = mapped_column(sa.String(60))

    enrolment: Mapped[Enrolment] = relationship(back_populates="checkins")


class ProgrammeCompletion(TimestampMixin, db.Model):
    """A completed programme, as the passport carries it. Written once; never edited."""

    __tablename__ = "programme_completion"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id"), unique=True)
    practitioner_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    template_slug: Mapped[str] = mapped_column(sa.String(80))
    template_version: Mapped[str] = mapped_column(sa.String(20))
    template_title: Mapped[str] = mapped_column(sa.String(200))
    programme_kind: Mapped[str] = mapped_column(sa.String(40))
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome))
    started_on: Mapped[date] = mapped_column(sa.Date)
    completed_on: Mapped[date] = mapped_column(sa.Date)
    preceptor_name: Mapped[str] = mapped_column(sa.String(120))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    practitioner: Mapped[User] = relationship(foreign_keys=[practitioner_id])
    organisation: Mapped[Organisation] = relationship()


from competency.preceptorship import immutability as _immutability  # noqa: E402,F401  (registers the guard)
