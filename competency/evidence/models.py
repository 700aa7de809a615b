"""Evidence items, their links to capabilities and their attached files.

A capability is referred to by its stable identifier (``Capability.uuid``), which
stays the same across framework versions while its meaning holds, so evidence
logged against one version still counts under the next.
"""
from __future__ import annotations

import enum
import hashlib
import json
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competency.accounts.models import User
from competency.db import TimestampMixin, UTCDateTime, str_enum, utcnow
from competency.extensions import db

CAPABILITY_UUID_LENGTH = 36


class EvidenceKind(enum.Enum):
    reflection = "reflection"
    direct_observation = "direct_observation"
    supervision_note = "supervision_note"
    certificate = "certificate"
    case_study = "case_study"
    feedback = "feedback"
    cpd_record = "cpd_record"
    other = "other"


KIND_LABELS = {
    EvidenceKind.reflection: "Reflection",
    EvidenceKind.direct_observation: "Direct observation",
    EvidenceKind.supervision_note: "Supervision note",
    EvidenceKind.certificate: "Certificate",
    EvidenceKind.case_study: "Case study",
    EvidenceKind.feedback: "Feedback or testimony",
    EvidenceKind.cpd_record: "CPD record",
    EvidenceKind.other: "Other",
}


class FeedbackSource(enum.Enum):
    """Who gave a piece of feedback or testimony."""

    person_served = "person_served"
    carer = "carer"
    colleague = "colleague"


FEEDBACK_SOURCE_LABELS = {
    FeedbackSource.person_served: "A person who draws on care and support",
    FeedbackSource.carer: "A family member or carer",
    FeedbackSource.colleague: "A colleague or another professional",
}


class Evidence(TimestampMixin, db.Model):
    __tablename__ = "evidence"
    __table_args__ = (
        sa.Index("ix_evidence_owner_occurred", "owner_id", "occurred_on"),
        sa.CheckConstraint("kind = 'feedback' OR feedback_source IS NULL", name="feedback_source_only_for_feedback"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[EvidenceKind] = mapped_column(str_enum(EvidenceKind))
    title: Mapped[str] = mapped_column(sa.String(200))
    occurred_on: Mapped[date] = mapped_column(sa.Date)
    # Sanitised HTML (a small set of formatting tags) or plain text.
    text: Mapped[str] = mapped_column(sa.Text, default="")
    # The optional structured reflection: what happened / so what / now what.
    what_happened: Mapped[str | None] = mapped_column(sa.Text)
    so_what: Mapped[str | None] = mapped_column(sa.Text)
    now_what: Mapped[str | None] = mapped_column(sa.Text)
    feedback_source: Mapped[FeedbackSource | None] = mapped_column(str_enum(FeedbackSource))
    # Set when the first sign-off cites this evidence; from then on it never changes.
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    owner: Mapped[User] = relationship()
    links: Mapped[list[EvidenceCapability]] = relationship(
        back_populates="evidence", cascade="all, delete-orphan", order_by="EvidenceCapability.id")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="evidence", cascade="all, delete-orphan", order_by="Attachment.id")

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def feedback_source_label(self) -> str | None:
        return FEEDBACK_SOURCE_LABELS[self.feedback_source] if self.feedback_source else None

    @property
    def capability_uuids(self) -> set[str]:
        return {link.capability_uuid for link in self.links}

    def content_hash(self) -> str:
        """SHA-256 over everything a reviewer reads: the fields, the text and each file's hash."""
        payload = {
            "kind": self.kind.value,
            "title": self.title,
            "occurred_on": self.occurred_on.isoformat(),
            "text": self.text or "",
            "what_happened": self.what_happened or "",
            "so_what": self.so_what or "",
            "now_what": self.now_what or "",
            "feedback_source": self.feedback_source.value if self.feedback_source else None,
            "attachments": sorted(a.sha256 for a in self.attachments),
        }
        encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(encoded.encode()).hexdigest()

    def __repr__(self) -> str:
        return f"<Evidence {self.id} {self.kind.value}>"


class EvidenceCapability(db.Model):
    """Evidence linked to a capability by the capability's stable identifier."""

    __tablename__ = "evidence_capability"
    __table_args__ = (
        sa.UniqueConstraint("evidence_id", "capability_uuid"),
        sa.Index("ix_evidence_capability_uuid", "capability_uuid", "evidence_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"))
    capability_uuid: Mapped[str] = mapped_column(sa.String(CAPABILITY_UUID_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    evidence: Mapped[Evidence] = relationship(back_populates="links")


class Attachment(db.Model):
    """A file stored under a random key; the name the person gave it is kept for display only."""

    __tablename__ = "evidence_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    media_type: Mapped[str] = mapped_column(sa.String(120))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    evidence: Mapped[Evidence] = relationship(back_populates="attachments")

    @property
    def size_label(self) -> str:
        size = float(self.size_bytes)
        for unit in ("bytes", "KB", "MB"):
            if size < 1024 or unit == "MB":
                return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
            size /= 1024
        return f"{size:.1f} MB"


from competency.evidence import immutability as _immutability  # noqa: E402,F401  (registers the guard)
