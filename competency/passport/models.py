"""Passport records: signing keys, status lists, credentials, share links, imports, trust list.

Private keys never live here: :class:`SigningKey` holds only the public key;
the secret is a file under ``SIGNING_KEY_DIR`` (see :mod:`competency.passport.keys`).
A :class:`PassportCredential` is one credential in a holder's passport, issued
here or imported from another employer; its ``document`` is kept byte-for-byte
as signed, so bundles carry it unchanged.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competency.accounts.models import Organisation, Sector, User
from competency.db import UTCDateTime, str_enum, utcnow
from competency.extensions import db
from competency.passport import hooks  # noqa: F401  (revoking a sign-off revokes its credential)
from competency.passport.statuslist import StatusPurpose
from competency.passport.verification import Outcome


class CredentialOrigin(enum.Enum):
    issued = "issued"
    imported = "imported"


class CredentialKind(enum.Enum):
    signoff = "signoff"
    completion = "completion"
    other = "other"
    employment = "employment"
    progress = "progress"


KIND_LABELS = {CredentialKind.signoff: "Capability sign-off", CredentialKind.completion: "Programme completion",
               CredentialKind.other: "Other credential", CredentialKind.employment: "Employment record",
               CredentialKind.progress: "Programme progress"}


class ImportSource(enum.Enum):
    upload = "upload"
    share_link = "share_link"


class ImportDecision(enum.Enum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    # Not valid, could not be checked, or names someone else: nothing for a lead to accept.
    not_acceptable = "not_acceptable"


DECISION_LABELS = {ImportDecision.pending: "Waiting for a lead", ImportDecision.accepted: "Recognised",
                   ImportDecision.declined: "Declined", ImportDecision.not_acceptable: "Cannot be recognised"}
DECISION_COLOURS = {ImportDecision.pending: "blue", ImportDecision.accepted: "green",
                    ImportDecision.declined: "grey", ImportDecision.not_acceptable: "red"}
OUTCOME_COLOURS = {Outcome.valid: "green", Outcome.not_valid: "red", Outcome.could_not_check: "yellow"}


class SigningKey(db.Model):
    """An organisation's Ed25519 public key. Rotated keys stay listed; withdrawn ones do not."""

    __tablename__ = "passport_signing_key"
    __table_args__ = (sa.Index("ix_passport_signing_key_org", "organisation_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    public_key_multibase: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Rotated out: no longer signs, still listed so what it signed keeps verifying.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Withdrawn (e.g. compromised): no longer listed, so everything it signed fails.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()

    @property
    def is_current(self) -> bool:
        return self.retired_at is None and self.withdrawn_at is None

    @property
    def state_label(self) -> str:
        if self.withdrawn_at:
            return "Withdrawn"
        return "Retired (still listed)" if self.retired_at else "Current"


class StatusList(db.Model):
    """One Bitstring Status List of an organisation, for one purpose.

    Indexes are handed out as ``(slot * stride + index_offset) mod size`` for slot
    0, 1, 2...: every index once, in an order that says nothing about when a
    credential was issued (``stride`` is odd and ``size`` a power of two).
    """

    __tablename__ = "passport_status_list"
    __table_args__ = (sa.Index("ix_passport_status_list_org", "organisation_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    purpose: Mapped[StatusPurpose] = mapped_column(str_enum(StatusPurpose))
    size: Mapped[int] = mapped_column()
    stride: Mapped[int] = mapped_column()
    index_offset: Mapped[int] = mapped_column()
    next_slot: Mapped[int] = mapped_column(default=0)
    # Bits per entry: 1 for a revocation or suspension list, 2 for a "message" list carrying both.
    status_size: Mapped[int] = mapped_column(default=1, server_default="1")
    bits: Mapped[bytes] = mapped_column(sa.LargeBinary)
    # Bumped by every change to ``bits`` (optimistic concurrency for concurrent revocations).
    version: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The last signed BitstringStatusListCredential; cleared when the bits or keys change.
    signed_json: Mapped[dict | None] = mapped_column(sa.JSON)

    organisation: Mapped[Organisation] = relationship()

    def index_for(self, slot: int) -> int:
        return (slot * self.stride + self.index_offset) % self.size


class IssuerState(db.Model):
    """A random stamp per organisation, renewed by every change to what verifiers of its credentials read.

    Key generation, rotation and withdrawal and every status bit change renew it in
    the same transaction, so a per-process cache of the organisation's DID document
    and decoded status lists (:mod:`competency.passport.freshness`) checks one indexed
    row per verification and never answers from data older than the last commit.
    """

    __tablename__ = "passport_issuer_state"

    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), primary_key=True)
    stamp: Mapped[str] = mapped_column(sa.String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AssessorIdentifier(db.Model):
    """The identifier credentials give an assessor who holds no professional registration.

    A registered assessor's profile id is derived from the registration the credential
    states; an unregistered (trained) assessor has nothing public to derive one from, so
    they get a random UUID, made the first time a credential names them and reused for
    every later one (see :mod:`competency.passport.assessors`).
    """

    __tablename__ = "passport_assessor_identifier"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    identifier: Mapped[str] = mapped_column(sa.String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PassportCredential(db.Model):
    """A credential in a holder's passport: issued here, or imported and verified at import."""

    __tablename__ = "passport_credential"
    __table_args__ = (
        sa.UniqueConstraint("holder_id", "credential_uri"),
        sa.Index("ix_passport_credential_holder", "holder_id", "awarded_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The id in /verify/c/<public_id> (the QR code): random, not guessable.
    public_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    holder_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    origin: Mapped[CredentialOrigin] = mapped_column(str_enum(CredentialOrigin))
    kind: Mapped[CredentialKind] = mapped_column(str_enum(CredentialKind))
    credential_uri: Mapped[str] = mapped_column(sa.String(300))
    document: Mapped[dict] = mapped_column(sa.JSON)
    # SHA-256 (hex) of the document's JSON content: a byte-identical copy of one we issued is recognised
    # with one indexed SELECT, without RDF work (see competency.passport.freshness).
    document_digest: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    # Copied out of the document for lists, grouping and the PDF.
    name: Mapped[str] = mapped_column(sa.String(300))
    issuer_did: Mapped[str] = mapped_column(sa.String(300))
    issuer_name: Mapped[str] = mapped_column(sa.String(200))
    capability_uuid: Mapped[str | None] = mapped_column(sa.String(36))
    capability_code: Mapped[str | None] = mapped_column(sa.String(40))
    pillar: Mapped[str | None] = mapped_column(sa.String(200))
    level_name: Mapped[str | None] = mapped_column(sa.String(200))
    assessor_name: Mapped[str | None] = mapped_column(sa.String(200))
    awarded_on: Mapped[date] = mapped_column(sa.Date)
    # Issued here: by which organisation, for which record, where its status bits are.
    issuer_organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    signoff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("signoff.id"), unique=True)
    # The programme completion (preceptorship) this was issued for.
    completion_id: Mapped[int | None] = mapped_column(unique=True)
    # Employment records and programme progress: "employment:<id>:<end YYYYMMDD|open>", "progress:<enrolment id>".
    record_key: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    revocation_list_id: Mapped[int | None] = mapped_column(sa.ForeignKey("passport_status_list.id"))
    revocation_index: Mapped[int | None] = mapped_column()
    suspension_list_id: Mapped[int | None] = mapped_column(sa.ForeignKey("passport_status_list.id"))
    suspension_index: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revocation_reason: Mapped[str | None] = mapped_column(sa.Text)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    holder: Mapped[User] = relationship()
    issuer_organisation: Mapped[Organisation | None] = relationship()
    revocation_list: Mapped[StatusList | None] = relationship(foreign_keys=[revocation_list_id])
    suspension_list: Mapped[StatusList | None] = relationship(foreign_keys=[suspension_list_id])

    @property
    def is_issued_here(self) -> bool:
        return self.origin == CredentialOrigin.issued

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def assessing_organisation_name(self) -> str | None:
        """The assessor's own organisation as the signed document names it (it can differ from the issuer)."""
        from competency.passport.summary import summarise

        return summarise(self.document).assessing_organisation if isinstance(self.document, dict) else None


class PassportPdf(db.Model):
    """The holder's passport PDF as last rendered, and whether what it shows has changed since.

    ``content_key`` is the credential-set key of what ``pdf`` shows; a download serves ``pdf`` only
    when it equals the key of the passport as it is now. ``change_count`` is raised in the same
    transaction as every change a PDF shows (:mod:`competency.passport.hooks`), and a render records
    the count it started from in ``rendered_change_count``: a row with the second below the first
    is owed a render, which the worker's sweep finds even when the task queued for it was lost.
    ``render_started_at`` is a worker's claim, so two workers do not render the same PDF at once.
    See :mod:`competency.passport.pdf_store`.
    """

    __tablename__ = "passport_pdf"

    holder_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    content_key: Mapped[str | None] = mapped_column(sa.String(64))
    pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    change_count: Mapped[int] = mapped_column(default=0, server_default="0")
    rendered_change_count: Mapped[int] = mapped_column(default=0, server_default="0")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    render_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


share_link_credential = sa.Table(
    "passport_share_credential",
    db.metadata,
    sa.Column("share_id", sa.ForeignKey("passport_share_link.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("credential_id", sa.ForeignKey("passport_credential.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class ShareLink(db.Model):
    """A link to some of a holder's credentials; only the SHA-256 of its token is stored."""

    __tablename__ = "passport_share_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The first characters of the token, so the holder can tell links apart.
    token_hint: Mapped[str] = mapped_column(sa.String(8))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    expires_on: Mapped[date] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    view_count: Mapped[int] = mapped_column(default=0)
    last_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    holder: Mapped[User] = relationship()
    credentials: Mapped[list[PassportCredential]] = relationship(
        secondary=share_link_credential, order_by="PassportCredential.awarded_on")
    views: Mapped[list[ShareView]] = relationship(back_populates="share", order_by="ShareView.viewed_at.desc()",
                                                  cascade="all, delete-orphan")

    def is_open_on(self, day: date) -> bool:
        return self.revoked_at is None and day <= self.expires_on


class ShareView(db.Model):
    """One opening of a share link. No address or browser details are kept."""

    __tablename__ = "passport_share_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(sa.ForeignKey("passport_share_link.id", ondelete="CASCADE"), index=True)
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # page (a person opened it), bundle (a program downloaded the JSON).
    channel: Mapped[str] = mapped_column(sa.String(20))

    share: Mapped[ShareLink] = relationship(back_populates="views")


class CredentialImport(db.Model):
    """A practitioner's passport (file or share link) brought to an organisation."""

    __tablename__ = "passport_import"
    __table_args__ = (sa.Index("ix_passport_import_org", "organisation_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"))
    source: Mapped[ImportSource] = mapped_column(str_enum(ImportSource))
    source_url: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    holder: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()
    items: Mapped[list[ImportItem]] = relationship(back_populates="credential_import", order_by="ImportItem.position",
                                                   cascade="all, delete-orphan")

    @property
    def pending_count(self) -> int:
        return sum(1 for item in self.items if item.decision == ImportDecision.pending)


class ImportItem(db.Model):
    """One imported credential, its verification result and the lead's decision."""

    __tablename__ = "passport_import_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(sa.ForeignKey("passport_import.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    document: Mapped[dict | list | str | None] = mapped_column(sa.JSON)
    credential_uri: Mapped[str | None] = mapped_column(sa.String(300))
    kind: Mapped[CredentialKind] = mapped_column(str_enum(CredentialKind))
    name: Mapped[str] = mapped_column(sa.String(300))
    issuer_did: Mapped[str | None] = mapped_column(sa.String(300))
    issuer_name: Mapped[str | None] = mapped_column(sa.String(200))
    capability_uuid: Mapped[str | None] = mapped_column(sa.String(36))
    capability_code: Mapped[str | None] = mapped_column(sa.String(40))
    level_name: Mapped[str | None] = mapped_column(sa.String(200))
    assessor_name: Mapped[str | None] = mapped_column(sa.String(200))
    awarded_on: Mapped[date | None] = mapped_column(sa.Date)
    is_holder_match: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome))
    reasons: Mapped[list] = mapped_column(sa.JSON, default=list)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decision: Mapped[ImportDecision] = mapped_column(str_enum(ImportDecision), default=ImportDecision.pending)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The recognised prior sign-off made when a lead accepted it.
    signoff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("signoff.id"))
    passport_credential_id: Mapped[int | None] = mapped_column(sa.ForeignKey("passport_credential.id"))

    credential_import: Mapped[CredentialImport] = relationship(back_populates="items")
    decided_by: Mapped[User | None] = relationship()

    @property
    def decision_label(self) -> str:
        return DECISION_LABELS[self.decision]

    @property
    def decision_colour(self) -> str:
        return DECISION_COLOURS[self.decision]

    @property
    def outcome_colour(self) -> str:
        return OUTCOME_COLOURS[self.outcome]


class TrustedIssuer(db.Model):
    """An issuer this installation knows by name (the trust list), managed by administrators."""

    __tablename__ = "passport_trusted_issuer"

    id: Mapped[int] = mapped_column(primary_key=True)
    did: Mapped[str] = mapped_column(sa.String(300), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    sector: Mapped[Sector] = mapped_column(str_enum(Sector))
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
