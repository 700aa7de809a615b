"""Demo passports: signing keys, issued credentials, a share link, and a recognised prior sign-off.

The story: the OTA (Jordan Lee) was a care assistant at Harbourside Care
before joining Downshire County Council.  Harbourside issued two support-level
sign-offs as signed credentials (Harbourside kept its records elsewhere, so
only the credentials exist here).  Jordan brought their passport to the
council, and the lead (Priya Shah) recognised both as prior sign-offs: they
count as signed at the council and are never requested again.

Safe to run again: keys, credentials, the share link, the import and the
recognition are each made once.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from competency.accounts.models import Sector
from competency.demo.context import DemoContext
from competency.errors import DomainError
from competency.extensions import db
from competency.passport import credentials as ob
from competency.passport import importing, issuing, keys, sharing
from competency.passport.models import (
    CredentialImport,
    CredentialKind,
    ImportDecision,
    ImportSource,
    PassportCredential,
    ShareLink,
    TrustedIssuer,
)

SHARE_NOTE = "For my interview at Wessex Valley NHS Foundation Trust"
HARBOURSIDE_ASSESSOR = ob.Assessor("Grace Mensah", "Registered nurse (care home lead)",
                                   ob.Registration("NMC", "12A3456E"))
TRUSTED = [
    ("did:web:passport.meadowbank-care.example:orgs:meadowbank-care", "Meadowbank Care Group", Sector.social_care),
    ("did:web:passport.south-coast-nhs.example:orgs:south-coast-community", "South Coast Community NHS Trust",
     Sector.health),
]


def seed_passport(ctx: DemoContext) -> None:
    for organisation in ctx.orgs.values():
        if keys.current_key(organisation.id) is None and organisation.slug != "solent-downs-ics":
            keys.generate_key(organisation)
    for email in ("preceptee@demo.test", "ota@demo.test"):
        issuing.ensure_issued(ctx.users[email])
    _harbourside_credentials(ctx)
    _recognised_at_the_council(ctx)
    _share_link(ctx)
    for did, name, sector in TRUSTED:
        if not db.session.scalar(sa.select(TrustedIssuer.id).where(TrustedIssuer.did == did)):
            db.session.add(TrustedIssuer(did=did, name=name, sector=sector))


def _support_capabilities(limit: int = 2):
    from competency.frameworks.demo import demo_base_version

    version = demo_base_version()
    if version is None:
        return None, []
    seen_pillars, chosen = set(), []
    for capability in sorted(version.capabilities, key=lambda c: (c.level.position, c.position)):
        if capability.level.position == 1 and capability.pillar_id not in seen_pillars:
            seen_pillars.add(capability.pillar_id)
            chosen.append(capability)
    return version, chosen[:limit]


def _harbourside_credentials(ctx: DemoContext) -> None:
    ota, harbourside = ctx.users["ota@demo.test"], ctx.orgs["harbourside-care"]
    already = db.session.scalar(sa.select(sa.func.count(PassportCredential.id)).where(
        PassportCredential.holder_id == ota.id, PassportCredential.issuer_organisation_id == harbourside.id,
        PassportCredential.kind == CredentialKind.signoff))
    version, capabilities = _support_capabilities()
    if already or version is None:
        return
    levels = sorted(version.levels, key=lambda level: level.position)
    for number, capability in enumerate(capabilities):
        signed_at = datetime(2023, 6, 14 + 7 * number, 15, 0, tzinfo=UTC)
        evidence_hash = hashlib.sha256(f"demo evidence {capability.code}".encode()).hexdigest()

        def build(did, credential_uuid, status, capability=capability, signed_at=signed_at, digest=evidence_hash):
            return ob.build_signoff_credential(ob.SignOffFacts(
                credential_id=credential_uuid, issuer=issuing.issuer_of(harbourside, did),
                holder=issuing.holder_of(ota),
                capability=ob.Capability(capability.uuid, capability.code, capability.statement,
                                         capability.pillar.name, f"{version.title} {version.version}",
                                         f"{keys.base_url()}{issuing.CASE_ITEM_PATH}{capability.uuid}"),
                level=ob.Level(capability.level.uuid, capability.level.name),
                levels=[ob.Level(level.uuid, level.name) for level in levels],
                assessor=HARBOURSIDE_ASSESSOR,
                evidence=[ob.EvidenceRecord(digest, "Direct observation")],
                signed_off_at=signed_at, status=status))

        issuing.issue_built(harbourside, ota.id, build, by=None)
    db.session.flush()


def _recognised_at_the_council(ctx: DemoContext) -> None:
    ota, council, lead = ctx.users["ota@demo.test"], ctx.orgs["downshire-cc"], ctx.users["lead@demo.test"]
    if db.session.scalar(sa.select(CredentialImport.id).where(CredentialImport.holder_id == ota.id)):
        return
    from_harbourside = db.session.scalars(sa.select(PassportCredential).where(
        PassportCredential.holder_id == ota.id,
        PassportCredential.issuer_organisation_id == ctx.orgs["harbourside-care"].id)).all()
    if not from_harbourside:
        return
    record = importing.import_credentials(ota, council, sharing.bundle(list(from_harbourside)),
                                         source=ImportSource.upload)
    for item in record.items:
        if item.decision == ImportDecision.pending:
            try:
                with db.session.begin_nested():
                    importing.accept(item, by=lead)
            except DomainError:
                pass  # e.g. already signed off at the council by an earlier demo step: left for the lead


def demo_share_token() -> str:
    """The demo share link's token: derived from the installation's secret, so seeding again finds it."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"demo share: preceptee", hashlib.sha256).hexdigest()[:43]


def _share_link(ctx: DemoContext) -> None:
    preceptee = ctx.users["preceptee@demo.test"]
    token = demo_share_token()
    credentials = db.session.scalars(sa.select(PassportCredential).where(
        PassportCredential.holder_id == preceptee.id)).all()
    existing = db.session.scalar(sa.select(ShareLink).where(ShareLink.token_hash == sharing.hash_token(token)))
    if existing is None and credentials:
        existing = ShareLink(holder_id=preceptee.id, token_hash=sharing.hash_token(token), token_hint=token[:6],
                             note=SHARE_NOTE, expires_on=date.today() + timedelta(days=30),
                             credentials=list(credentials))
        db.session.add(existing)
    if existing is not None:
        existing.expires_on = max(existing.expires_on, date.today() + timedelta(days=7))
        ctx.notes.append(f"Sam Okafor's demo share link (open it signed out): {sharing.share_url(token)}")
