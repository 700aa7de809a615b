"""Read-only passport queries: a holder's credentials and links, imports, issuers."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import unquote

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from competency.accounts.models import Employment, Organisation, Role, User
from competency.accounts.policies import org_ids_with_role
from competency.extensions import db
from competency.passport.did import did_web_for
from competency.passport.keys import base_url
from competency.passport.models import (
    CredentialImport,
    CredentialKind,
    ImportDecision,
    ImportItem,
    PassportCredential,
    ShareLink,
    TrustedIssuer,
)


def organisation_by_slug(slug: str) -> Organisation | None:
    return db.session.scalar(sa.select(Organisation).where(Organisation.slug == slug))


def organisation_for_did(did: str) -> Organisation | None:
    """The organisation here whose DID this is, if any."""
    prefix = did_web_for(base_url(), "orgs") + ":"
    if not did.startswith(prefix) or ":" in did[len(prefix):]:
        return None
    return organisation_by_slug(unquote(did[len(prefix):]))


def holder_credentials(holder_id: int) -> list[PassportCredential]:
    """Every credential in the holder's passport, oldest award first."""
    return list(db.session.scalars(
        sa.select(PassportCredential).where(PassportCredential.holder_id == holder_id)
        .order_by(PassportCredential.awarded_on, PassportCredential.id)))


def credentials_by_ids(holder_id: int, ids: list[int]) -> list[PassportCredential]:
    if not ids:
        return []
    return list(db.session.scalars(
        sa.select(PassportCredential)
        .where(PassportCredential.holder_id == holder_id, PassportCredential.id.in_(ids))
        .order_by(PassportCredential.awarded_on, PassportCredential.id)))


def credential_by_public_id(public_id: str) -> PassportCredential | None:
    return db.session.scalar(sa.select(PassportCredential).where(PassportCredential.public_id == public_id))


@dataclass
class PassportOverview:
    holder: User
    credentials: list[PassportCredential]
    # pillar -> level -> credentials (sign-offs only)
    by_pillar: OrderedDict
    completions: list[PassportCredential]
    others: list[PassportCredential]
    employments: list[Employment]
    # Employment records and programme progress ("say it once"), oldest first.
    records: list[PassportCredential] = field(default_factory=list)

    @property
    def issuers(self) -> list[str]:
        return sorted({credential.issuer_name for credential in self.credentials})


def passport_overview(holder: User) -> PassportOverview:
    credentials = holder_credentials(holder.id)
    by_pillar: OrderedDict = OrderedDict()
    signoffs = [c for c in credentials if c.kind == CredentialKind.signoff]
    for credential in sorted(signoffs, key=lambda c: (c.pillar or "", c.level_name or "", c.capability_code or "")):
        by_pillar.setdefault(credential.pillar or "Other", OrderedDict()) \
            .setdefault(credential.level_name or "Level not stated", []).append(credential)
    employments = list(db.session.scalars(
        sa.select(Employment).where(Employment.user_id == holder.id).options(selectinload(Employment.organisation))
        .order_by(Employment.start_on.desc())))
    return PassportOverview(
        holder=holder, credentials=credentials, by_pillar=by_pillar,
        completions=[c for c in credentials if c.kind == CredentialKind.completion],
        others=[c for c in credentials if c.kind == CredentialKind.other],
        employments=employments,
        records=[c for c in credentials if c.kind in (CredentialKind.employment, CredentialKind.progress)],
    )


def holder_shares_query(holder_id: int) -> sa.Select:
    return (sa.select(ShareLink).where(ShareLink.holder_id == holder_id)
            .options(selectinload(ShareLink.credentials))
            .order_by(ShareLink.created_at.desc(), ShareLink.id.desc()))


def share_of(holder_id: int, share_id: int) -> ShareLink | None:
    share = db.session.get(ShareLink, share_id)
    return share if share is not None and share.holder_id == holder_id else None


def lead_org_ids(user: User) -> set[int]:
    return org_ids_with_role(user, Role.lead, Role.admin)


def imports_for_leads_query(user: User) -> sa.Select:
    """Imports at the organisations the user leads, those waiting for a decision first."""
    waiting = (sa.select(sa.func.count(ImportItem.id))
               .where(ImportItem.import_id == CredentialImport.id, ImportItem.decision == ImportDecision.pending)
               .scalar_subquery())
    return (sa.select(CredentialImport)
            .where(CredentialImport.organisation_id.in_(lead_org_ids(user) or {-1}))
            .options(selectinload(CredentialImport.holder), selectinload(CredentialImport.organisation),
                     selectinload(CredentialImport.items))
            .order_by((waiting > 0).desc(), CredentialImport.created_at.desc(), CredentialImport.id.desc()))


def my_imports(holder_id: int) -> list[CredentialImport]:
    return list(db.session.scalars(
        sa.select(CredentialImport).where(CredentialImport.holder_id == holder_id)
        .options(selectinload(CredentialImport.organisation), selectinload(CredentialImport.items))
        .order_by(CredentialImport.created_at.desc(), CredentialImport.id.desc())))


def load_import(import_id: int) -> CredentialImport | None:
    return db.session.scalar(
        sa.select(CredentialImport).where(CredentialImport.id == import_id)
        .options(selectinload(CredentialImport.items), selectinload(CredentialImport.holder),
                 selectinload(CredentialImport.organisation)))


def trusted_issuers() -> list[TrustedIssuer]:
    return list(db.session.scalars(sa.select(TrustedIssuer).order_by(TrustedIssuer.name)))


def issued_credentials_query(organisation_id: int) -> sa.Select:
    """Credentials this organisation issued, newest first (for its administrators)."""
    return (sa.select(PassportCredential)
            .where(PassportCredential.issuer_organisation_id == organisation_id)
            .options(selectinload(PassportCredential.holder))
            .order_by(PassportCredential.created_at.desc(), PassportCredential.id.desc()))


def imports_waiting(user: User, limit: int = 20) -> list[tuple[CredentialImport, int]]:
    """Passports brought to organisations the user leads or administers with credentials still to decide.

    (import, how many wait), oldest first: one statement plus eager loads.
    """
    waiting = (sa.select(sa.func.count(ImportItem.id))
               .where(ImportItem.import_id == CredentialImport.id, ImportItem.decision == ImportDecision.pending)
               .correlate(CredentialImport).scalar_subquery())
    rows = db.session.execute(
        sa.select(CredentialImport, waiting)
        .where(CredentialImport.organisation_id.in_(lead_org_ids(user) or {-1}), waiting > 0)
        .options(selectinload(CredentialImport.holder), selectinload(CredentialImport.organisation))
        .order_by(CredentialImport.created_at, CredentialImport.id).limit(limit))
    return [(record, count) for record, count in rows]
