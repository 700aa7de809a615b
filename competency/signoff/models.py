"""Sign-off requests, decisions, sign-offs and revocations.

A :class:`SignOff` is the attributable, immutable record that a capability was
signed off for a person. Two sources feed the same table so that every reader
(progress, progression, passport, reports) counts both:

* ``local``: signed here, by an assessor deciding a :class:`SignOffRequest`;
* ``recognised``: imported from a credential another employer issued (the
  provenance columns say who issued and who assessed it).

Nothing here is ever edited or deleted: a guard refuses changes at flush time,
and a revocation is a new :class:`SignOffRevocation` row.
"""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competency.accounts.models import Organisation, User
from competency.db import TimestampMixin, UTCDateTime, str_enum, utcnow
from competency.extensions import db
from competency.evidence.models import Evidence
from competency.frameworks.models import FrameworkVersion
from competency.grants.models import BASIS_LABELS, AssessorBasis

UUID_LENGTH = 36


class RequestState(enum.Enum):
    pending = "pending"
    signed = "signed"
    returned = "returned"
    withdrawn = "withdrawn"


STATE_LABELS = {
    RequestState.pending: "Waiting for review",
    RequestState.signed: "Signed off",
    RequestState.returned: "Returned",
    RequestState.withdrawn: "Withdrawn",
}
STATE_COLOURS = {RequestState.pending: "blue", RequestState.signed: "green", RequestState.returned: "orange",
                 RequestState.withdrawn: "grey"}


class Outcome(enum.Enum):
    sign = "sign"
    return_ = "return"


class SignOffSource(enum.Enum):
    local = "local"
    recognised = "recognised"


request_evidence = sa.Table(
    "signoff_request_evidence",
    db.metadata,
    sa.Column("request_id", sa.ForeignKey("signoff_request.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("evidence_id", sa.ForeignKey("evidence.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class SignOffRequest(TimestampMixin, db.Model):
    __tablename__ = "signoff_request"
    __table_args__ = (
        sa.Index("ix_signoff_request_queue", "assessor_id", "state", "created_at"),
        sa.Index("ix_signoff_request_org_state", "organisation_id", "state", "created_at"),
        sa.Index("ix_signoff_request_practitioner", "practitioner_id", "capability_uuid"),
        # Reminder planning reads the requests made since the last day it planned.
        sa.Index("ix_signoff_request_created_at", "created_at"),
        sa.CheckConstraint("practitioner_id <> assessor_id", name="not_self"),
        # At most one pending request per person and capability, whatever the timing.
        sa.Index("uq_signoff_request_one_pending", "practitioner_id", "capability_uuid", unique=True,
                 sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    assessor_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    # The employer (of the practitioner, where the assessor is staff) the request is made at.
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    capability_uuid: Mapped[str] = mapped_column(sa.String(UUID_LENGTH))
    framework_version_id: Mapped[int] = mapped_column(sa.ForeignKey("framework_version.id"))
    message: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[RequestState] = mapped_column(str_enum(RequestState), default=RequestState.pending)
    # The returned request this one sends again (each returned request is sent again at most once).
    resubmits_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("signoff_request.id", ondelete="SET NULL"), unique=True)
    # Set with the state by one conditional UPDATE, so only one decision can land.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    practitioner: Mapped[User] = relationship(foreign_keys=[practitioner_id])
    assessor: Mapped[User] = relationship(foreign_keys=[assessor_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    organisation: Mapped[Organisation] = relationship()
    framework_version: Mapped[FrameworkVersion] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(secondary=request_evidence,
                                                    order_by="(Evidence.occurred_on, Evidence.id)")
    decision: Mapped[SignOffDecision | None] = relationship(back_populates="request", uselist=False)
    signoff: Mapped[SignOff | None] = relationship(back_populates="request", uselist=False,
                                                  foreign_keys="SignOff.request_id")
    resubmits: Mapped[SignOffRequest | None] = relationship(remote_side=[id], foreign_keys=[resubmits_id],
                                                            back_populates="resent_as")
    resent_as: Mapped[SignOffRequest | None] = relationship(back_populates="resubmits", uselist=False,
                                                            foreign_keys=[resubmits_id])
    messages: Mapped[list[SignOffMessage]] = relationship(
        back_populates="request", order_by="(SignOffMessage.created_at, SignOffMessage.id)")

    @property
    def is_pending(self) -> bool:
        return self.state == RequestState.pending

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def state_colour(self) -> str:
        return STATE_COLOURS[self.state]

    @property
    def is_returned(self) -> bool:
        return self.state == RequestState.returned

    @property
    def is_superseded(self) -> bool:
        """Returned and already sent again: the conversation continues on the newer request."""
        return self.resent_as is not None


class SignOffDecision(db.Model):
    """What the assessor decided on a request: at most one per request (unique constraint)."""

    __tablename__ = "signoff_decision"
    # The preceptor queue's "recently decided by you" (newest first) reads this index, not 1 M rows.
    __table_args__ = (sa.Index("ix_signoff_decision_decider", "decided_by_id", "decided_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("signoff_request.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The cited evidence as the assessor decided on it (services.evidence_digest): a returned request
    # is only sent again once this changes or the practitioner replies.
    evidence_digest: Mapped[str | None] = mapped_column(sa.String(64))

    request: Mapped[SignOffRequest] = relationship(back_populates="decision")
    decided_by: Mapped[User] = relationship()

    @property
    def is_sign(self) -> bool:
        return self.outcome == Outcome.sign


class SignOffMessage(db.Model):
    """One message in a request's conversation: feedback questions, replies and answers.

    Written by the practitioner or by someone who may decide the request; seen by
    everyone who may see the request. Never edited or deleted (the immutability guard).
    """

    __tablename__ = "signoff_request_message"
    __table_args__ = (sa.Index("ix_signoff_request_message_request", "request_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("signoff_request.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    request: Mapped[SignOffRequest] = relationship(back_populates="messages")
    author: Mapped[User] = relationship()


class SignOff(db.Model):
    """An immutable record that a capability is signed off for a person."""

    __tablename__ = "signoff"
    __table_args__ = (
        sa.Index("ix_signoff_practitioner_capability", "practitioner_id", "capability_uuid"),
        sa.Index("ix_signoff_organisation", "organisation_id", "signed_at"),
        sa.CheckConstraint("source <> 'local' OR (request_id IS NOT NULL AND assessor_id IS NOT NULL)",
                           name="local_has_request"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[SignOffSource] = mapped_column(str_enum(SignOffSource), default=SignOffSource.local)
    practitioner_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    capability_uuid: Mapped[str] = mapped_column(sa.String(UUID_LENGTH))
    capability_code: Mapped[str] = mapped_column(sa.String(40))
    # The version signed against (kept valid when it is retired). Null only for recognised
    # sign-offs whose framework version is not held here.
    framework_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("framework_version.id"))
    level_code: Mapped[str] = mapped_column(sa.String(60))
    # Local sign-offs: the request decided, and the assessor as they were at that moment.
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("signoff_request.id"), unique=True)
    assessor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    assessor_name: Mapped[str] = mapped_column(sa.String(120))
    assessor_profession: Mapped[str | None] = mapped_column(sa.String(80))
    assessor_registration_body: Mapped[str | None] = mapped_column(sa.String(40))
    assessor_registration_number: Mapped[str | None] = mapped_column(sa.String(40))
    # Where it was signed (local) or recognised (recognised).
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    organisation_name: Mapped[str] = mapped_column(sa.String(200))
    # [{"evidence_id": 1, "content_hash": "..."}] as the assessor saw them.
    evidence_hashes: Mapped[list] = mapped_column(sa.JSON, default=list)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Provenance of recognised sign-offs (null for local ones).
    issuer_name: Mapped[str | None] = mapped_column(sa.String(200))
    issuer_did: Mapped[str | None] = mapped_column(sa.String(300))
    credential_id: Mapped[str | None] = mapped_column(sa.String(300))
    recognised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Local sign-offs: the assessor's own organisation (the assessing organisation the passport
    # names; not the practitioner's employer when a grant let someone from elsewhere sign) and why
    # the assessor could sign. Null for recognised sign-offs and those made before grants existed.
    assessing_organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    assessing_organisation_name: Mapped[str | None] = mapped_column(sa.String(200))
    assessor_basis: Mapped[AssessorBasis | None] = mapped_column(str_enum(AssessorBasis))
    grant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workforce_grant.id"))
    placement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("placement.id"))

    practitioner: Mapped[User] = relationship(foreign_keys=[practitioner_id])
    assessor: Mapped[User | None] = relationship(foreign_keys=[assessor_id])
    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])
    assessing_organisation: Mapped[Organisation | None] = relationship(foreign_keys=[assessing_organisation_id])
    recognised_by: Mapped[User | None] = relationship(foreign_keys=[recognised_by_id])
    framework_version: Mapped[FrameworkVersion | None] = relationship()
    request: Mapped[SignOffRequest | None] = relationship(back_populates="signoff", foreign_keys=[request_id])
    revocation: Mapped[SignOffRevocation | None] = relationship(back_populates="signoff", uselist=False)

    @property
    def is_revoked(self) -> bool:
        return self.revocation is not None

    @property
    def is_recognised(self) -> bool:
        return self.source == SignOffSource.recognised

    @property
    def assessor_basis_label(self) -> str | None:
        return BASIS_LABELS[self.assessor_basis] if self.assessor_basis else None

    @property
    def assessor_registration(self) -> str:
        return " ".join(x for x in (self.assessor_registration_body, self.assessor_registration_number) if x)


class SignOffRevocation(db.Model):
    """A sign-off withdrawn, with the reason and who did it. The sign-off itself is untouched."""

    __tablename__ = "signoff_revocation"

    id: Mapped[int] = mapped_column(primary_key=True)
    signoff_id: Mapped[int] = mapped_column(sa.ForeignKey("signoff.id"), unique=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    revoked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    signoff: Mapped[SignOff] = relationship(back_populates="revocation")
    revoked_by: Mapped[User] = relationship()


from competency.signoff import immutability as _immutability  # noqa: E402,F401  (registers the guard)
