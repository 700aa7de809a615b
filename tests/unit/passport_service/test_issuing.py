"""Issuing sign-off credentials, the key files behind them, and revocation through the status list."""
from __future__ import annotations

import stat

import pytest
import sqlalchemy as sa

from competency.audit.models import AuditEvent
from competency.extensions import db
from competency.passport import issuing, keys, resolver, status
from competency.passport.models import CredentialKind, PassportCredential, SigningKey
from competency.passport.statuslist import MIN_ENTRIES, StatusPurpose
from competency.passport.verification import Outcome
from competency.passport.verifying import check_credential
from competency.signoff import services as signoff_services
from tests.evidence_support import signoff_world
from tests.passport_support import several_signoffs, signed_off


@pytest.fixture
def world(db):
    resolver.clear_caches()
    return signoff_world()


def test_a_signoff_is_issued_once_as_a_credential_signed_by_the_organisation(world):
    signoff = signed_off(world)
    credential = issuing.issue_signoff_credential(signoff)
    assert issuing.issue_signoff_credential(signoff).id == credential.id
    document = credential.document
    assert document["issuer"]["id"] == keys.did_for(world.org)
    assert document["issuer"]["name"] == world.org.name
    assert credential.kind == CredentialKind.signoff
    assert credential.capability_code == world.registered_cap.code
    assert credential.assessor_name == "Tom Preceptor"
    assert document["credentialSubject"]["achievement"]["achievementType"] == "Competency"
    assert world.practitioner.email not in str(document)
    assert document["credentialStatus"]["statusPurpose"] == "message"  # one entry: revocation and suspension
    assert db.session.scalar(sa.select(AuditEvent).filter_by(action="passport.credential_issued")) is not None
    assert check_credential(document).outcome is Outcome.valid


def test_the_private_key_lives_in_a_0600_file_and_only_the_public_key_in_the_database(world, app):
    signoff = signed_off(world)
    issuing.issue_signoff_credential(signoff)
    key = db.session.scalar(sa.select(SigningKey).filter_by(organisation_id=world.org.id))
    path = keys.key_path(world.org, key.public_key_multibase)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.read_text().startswith("z")
    columns = {column.name for column in SigningKey.__table__.columns}
    assert not any("secret" in name or "private" in name for name in columns)


def test_a_key_file_readable_by_others_is_refused(world):
    keys.generate_key(world.other)
    key = keys.current_key(world.other.id)
    path = keys.key_path(world.other, key.public_key_multibase)
    keys._cache.clear()
    path.chmod(0o644)
    with pytest.raises(keys.KeyFileError, match="0600"):
        keys.signer_for(world.other)
    path.chmod(0o600)


def test_credentials_signed_before_a_rotation_still_verify(world):
    first = issuing.issue_signoff_credential(signed_off(world))
    old_key = keys.current_key(world.org.id)
    new_key = keys.rotate_key(world.org)
    keys._cache.clear()  # read from the files from now on
    second = issuing.issue_signoff_credential(signed_off(world, world.support_cap))
    assert old_key.public_key_multibase in first.document["proof"][0]["verificationMethod"]
    assert new_key.public_key_multibase in second.document["proof"][0]["verificationMethod"]
    listed = keys.did_document(world.org)["assertionMethod"]
    assert listed[0].endswith(new_key.public_key_multibase) and len(listed) == 2
    assert check_credential(first.document).outcome is Outcome.valid
    assert check_credential(second.document).outcome is Outcome.valid


def test_a_withdrawn_key_no_longer_verifies_what_it_signed(world):
    credential = issuing.issue_signoff_credential(signed_off(world))
    old_key = keys.current_key(world.org.id)
    keys.rotate_key(world.org)
    keys.withdraw_key(old_key)
    result = check_credential(credential.document)
    assert result.outcome is Outcome.not_valid
    assert any("not listed" in reason for reason in result.result.reasons)


def test_revoking_the_signoff_revokes_its_credential_at_commit(world):
    signoff = signed_off(world)
    credential = issuing.issue_signoff_credential(signoff)
    db.session.commit()
    signoff_services.revoke(signoff, world.preceptor, "Signed against the wrong evidence.")
    db.session.commit()
    db.session.refresh(credential)
    assert credential.revoked_at is not None
    assert credential.revocation_reason == "Signed against the wrong evidence."
    assert status.is_set(credential.revocation_list_id, credential.revocation_index)
    result = check_credential(credential.document)
    assert result.outcome is Outcome.not_valid
    assert any(reason.startswith("Revoked by the issuer") for reason in result.result.reasons)


def test_revoked_signoffs_are_never_issued_and_lazy_issuance_catches_up(world):
    signoffs = several_signoffs(world, 3)
    signoff_services.revoke(signoffs[0], world.preceptor, "Mistake")
    db.session.commit()
    assert issuing.ensure_issued(world.practitioner) == 2
    assert issuing.ensure_issued(world.practitioner) == 0
    issued = db.session.scalars(sa.select(PassportCredential.signoff_id)).all()
    assert sorted(issued) == sorted(s.id for s in signoffs[1:])


def test_suspension_is_reported_and_can_be_lifted(world):
    credential = issuing.issue_signoff_credential(signed_off(world))
    issuing.set_suspended(credential, True)
    result = check_credential(credential.document)
    assert result.outcome is Outcome.not_valid and any("Suspended" in r for r in result.result.reasons)
    issuing.set_suspended(credential, False)
    assert check_credential(credential.document).outcome is Outcome.valid


def test_status_indexes_are_unique_and_spread_over_a_full_size_list(world):
    entries = [status.allocate(world.org, StatusPurpose.revocation) for _ in range(200)]
    indexes = [entry.index for _, entry in entries]
    assert len(set(indexes)) == 200
    assert len({list_id for list_id, _ in entries}) == 1
    assert max(indexes) - min(indexes) > 1000  # not handed out in issue order
    list_id = entries[0][0]
    assert status.find_list(entries[0][1].list_credential.rsplit("/", 1)[1]).size >= MIN_ENTRIES
    assert list_id


def test_the_worker_task_signs_what_is_owed_across_the_installation(world):
    from worker.tasks import issue_passport_credentials

    several_signoffs(world, 2)
    assert issue_passport_credentials.run() == 2
    assert issue_passport_credentials.run() == 0
    assert db.session.scalar(sa.select(sa.func.count(PassportCredential.id))) == 2
