"""Grants of standing: who may assess or precept an organisation's people, for what and until when.

A grant is recorded once and never edited: a change of mind is a revocation (a
conditional UPDATE that also serialises with sign-offs relying on the grant) and,
if needed, a new grant. Every grant and revocation is in the audit log.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competency.accounts.models import Organisation, OrgKind, User
from competency.db import TimestampMixin, UTCDateTime, str_enum
from competency.extensions import db


class GrantKind(enum.Enum):
    # A registered practitioner from another organisation who may sign off capabilities.
    assessor = "assessor"
    # A trained, possibly unregistered assessor who may sign off support-level capabilities only.
    trained_assessor = "trained_assessor"
    # A registered practitioner from another organisation who may be named preceptor.
    preceptor = "preceptor"


GRANT_KIND_LABELS = {
    GrantKind.assessor: "Assessor from another organisation",
    GrantKind.trained_assessor: "Trained assessor (support-level capabilities)",
    GrantKind.preceptor: "Preceptor from another organisation",
}
ASSESSING_KINDS = (GrantKind.assessor, GrantKind.trained_assessor)


class AssessorBasis(enum.Enum):
    """Why an assessor could sign: recorded on every sign-off so the passport can say so."""

    employment = "employment"  # preceptor or lead where the practitioner is employed
    placement = "placement"  # preceptor or lead where the practitioner is on placement
    grant = "grant"  # a grant of assessing rights
    trained_assessor = "trained_assessor"  # named trained assessor, support-level only


BASIS_LABELS = {
    AssessorBasis.employment: "Colleague at the practitioner's employer",
    AssessorBasis.placement: "Assessor at the placement host",
    AssessorBasis.grant: "Assessor granted by the organisation",
    AssessorBasis.trained_assessor: "Trained assessor named by the organisation",
}


class Grant(TimestampMixin, db.Model):
    __tablename__ = "workforce_grant"
    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
        sa.Index("ix_workforce_grant_grantee", "grantee_id", "kind", "ends_on"),
        sa.Index("ix_workforce_grant_granting", "granting_organisation_id", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[GrantKind] = mapped_column(str_enum(GrantKind))
    # Whose people: this organisation's, or (for a regional body) every organisation in its region.
    granting_organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    grantee_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    # The grantee's own organisation: the assessing organisation the passport names.
    grantee_organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)  # inclusive
    # Scope; an empty list means "any". Codes of the shared framework, capability identifiers, user ids.
    pillar_codes: Mapped[list] = mapped_column(sa.JSON, default=list)
    level_codes: Mapped[list] = mapped_column(sa.JSON, default=list)
    capability_uuids: Mapped[list] = mapped_column(sa.JSON, default=list)
    person_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Trained assessors: the assessor training they completed.
    training_course: Mapped[str | None] = mapped_column(sa.String(200))
    training_completed_on: Mapped[date | None] = mapped_column(sa.Date)
    granted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    revocation_reason: Mapped[str | None] = mapped_column(sa.Text)

    granting_organisation: Mapped[Organisation] = relationship(foreign_keys=[granting_organisation_id])
    grantee_organisation: Mapped[Organisation] = relationship(foreign_keys=[grantee_organisation_id])
    grantee: Mapped[User] = relationship(foreign_keys=[grantee_id])
    granted_by: Mapped[User] = relationship(foreign_keys=[granted_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def kind_label(self) -> str:
        return GRANT_KIND_LABELS[self.kind]

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_regional(self) -> bool:
        return self.granting_organisation.kind == OrgKind.regional_body

    def is_active_on(self, day: date) -> bool:
        return not self.is_revoked and self.starts_on <= day <= self.ends_on

    def status_on(self, day: date) -> str:
        if self.is_revoked:
            return "revoked"
        if day < self.starts_on:
            return "not started"
        if day > self.ends_on:
            return "ended"
        return "active"
