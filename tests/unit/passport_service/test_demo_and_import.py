"""The demo passports, and the import rules: only valid credentials naming the holder can be recognised."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from competency.accounts.models import Organisation
from competency.accounts.services import find_user_by_email
from competency.demo.commands import run_seed
from competency.errors import DomainError, PermissionDenied
from competency.extensions import db
from competency.passport import importing, resolver, sharing
from competency.passport.models import (
    CredentialImport,
    CredentialKind,
    ImportDecision,
    ImportItem,
    ImportSource,
    PassportCredential,
    SigningKey,
    TrustedIssuer,
)
from competency.signoff.models import SignOff, SignOffSource
from competency.signoff.queries import signed_capability_ids


def _counts() -> dict:
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (PassportCredential, CredentialImport, ImportItem, SignOff, SigningKey, TrustedIssuer)}


@pytest.fixture
def demo(db):
    resolver.clear_caches()
    run_seed()
    return {email: find_user_by_email(email) for email in ("ota@demo.test", "preceptee@demo.test", "lead@demo.test")}


def test_the_demo_is_idempotent_and_recognises_the_otas_harbourside_signoffs(demo):
    before = _counts()
    run_seed()
    assert _counts() == before
    ota = demo["ota@demo.test"]
    recognised = db.session.scalars(sa.select(SignOff).filter_by(practitioner_id=ota.id,
                                                                 source=SignOffSource.recognised)).all()
    assert len(recognised) == 2
    assert {s.issuer_name for s in recognised} == {"Harbourside Care Ltd"}
    assert {s.organisation_name for s in recognised} == {"Downshire County Council"}
    assert all(s.assessor_name == "Grace Mensah" for s in recognised)
    assert {s.capability_uuid for s in recognised} <= signed_capability_ids(ota.id)


def test_import_rules(demo):
    ota, preceptee, lead = demo["ota@demo.test"], demo["preceptee@demo.test"], demo["lead@demo.test"]
    council = db.session.scalar(sa.select(Organisation).filter_by(slug="downshire-cc"))
    trust = db.session.scalar(sa.select(Organisation).filter_by(slug="wessex-valley-nhs"))
    from_harbourside = db.session.scalars(sa.select(PassportCredential).filter_by(
        holder_id=ota.id, issuer_name="Harbourside Care Ltd", kind=CredentialKind.signoff)).all()
    bundle = sharing.bundle(list(from_harbourside))

    # Only to an organisation the holder belongs to.
    with pytest.raises(PermissionDenied):
        importing.import_credentials(ota, trust, bundle, source=ImportSource.upload)

    # Someone else's credentials are checked, but cannot be recognised or join this person's passport.
    record = importing.import_credentials(preceptee, council, bundle, source=ImportSource.upload)
    assert [item.outcome.value for item in record.items] == ["valid", "valid"]
    assert all(not i.is_holder_match and i.decision == ImportDecision.not_acceptable for i in record.items)
    assert not db.session.scalar(sa.select(PassportCredential.id).filter_by(holder_id=preceptee.id,
                                                                            issuer_name="Harbourside Care Ltd"))
    with pytest.raises(DomainError):
        importing.accept(record.items[0], by=lead)

    # Brought again: valid and theirs, but never recognised twice, and never by the holder.
    again = importing.import_credentials(ota, council, bundle, source=ImportSource.upload)
    assert all(i.decision == ImportDecision.pending for i in again.items)
    with pytest.raises(PermissionDenied):
        importing.accept(again.items[0], by=ota)
    with pytest.raises(DomainError, match="already recognised"):
        importing.accept(again.items[0], by=lead)
