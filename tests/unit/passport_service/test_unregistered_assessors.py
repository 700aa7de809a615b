"""Unregistered trained assessors each have their own identifier in the credentials they sign.

Before this, the credential code filled a placeholder registration ("Registration not
recorded") for an assessor without one, so every unregistered assessor was the same
Profile (one UUIDv5 of the placeholder) and the credential claimed a registration that
does not exist. Now a registered assessor is still named by their registration, and an
unregistered one by a random identifier of their own, the same in every credential they
sign, that nothing else we hold can recompute.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from jsonschema import Draft201909Validator, FormatChecker

from competency.extensions import db
from competency.grants import services as grant_services
from competency.grants.models import GrantKind
from competency.passport import credentials as ob
from competency.passport import issuing
from competency.passport.models import AssessorIdentifier, PassportCredential
from competency.passport.verification import Outcome
from competency.passport.verifying import check_credential
from tests.evidence_support import capability
from tests.factories import make_person
from tests.workforce_support import TODAY, ask, one_workforce_world, sign, trained_assessor_grant

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "ob3" / "achievementcredential.json")
                    .read_text())
# The id every unregistered assessor shared before: a UUIDv5 of the placeholder registration.
def registration_id(registration: ob.Registration) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'registration#{registration.normalised()}')}"


SHARED_PLACEHOLDER_ID = registration_id(ob.Registration("Registration", "not recorded"))


@pytest.fixture
def w(db):
    w = one_workforce_world(per_cell=3)
    trained_assessor_grant(w)
    w.second_senior = make_person("practitioner", w.council, level_code="senior_support", registered=False,
                                  display_name="Sam Second-Senior", profession="Senior support worker")
    grant_services.create_grant(
        kind=GrantKind.trained_assessor, granting=w.council, grantee=w.second_senior, grantee_organisation=w.council,
        starts_on=TODAY, ends_on=date(2027, 11, 19), reason="Covers the night reablement team.",
        training_course="Care Certificate assessor training", training_completed_on=date(2026, 5, 1),
        by=w.council_lead, on=TODAY)
    return w


def credential_for(signoff) -> dict:
    issuing.ensure_issued(signoff.practitioner)
    return db.session.scalar(sa.select(PassportCredential.document)
                             .where(PassportCredential.signoff_id == signoff.id))


def signed_by(w, assessor, n: int) -> dict:
    cap = capability(w.version, "support", n=n)
    return credential_for(sign(ask(w, w.support_worker, cap, assessor, title=f"Evidence {n}"), assessor))


def test_two_unregistered_assessors_are_two_different_people_in_their_credentials(w):
    first, second = signed_by(w, w.senior_support, 1), signed_by(w, w.second_senior, 2)
    ids = {first["credentialSubject"]["source"]["id"], second["credentialSubject"]["source"]["id"]}
    assert len(ids) == 2
    assert SHARED_PLACEHOLDER_ID not in ids


def test_an_assessor_keeps_one_identifier_across_every_credential_they_sign(w):
    first, later = signed_by(w, w.senior_support, 1), signed_by(w, w.senior_support, 2)
    assert first["credentialSubject"]["source"]["id"] == later["credentialSubject"]["source"]["id"]
    stored = db.session.scalar(sa.select(AssessorIdentifier.identifier)
                               .where(AssessorIdentifier.user_id == w.senior_support.id))
    assert first["credentialSubject"]["source"]["id"] == f"urn:uuid:{stored}"


def test_the_identifier_is_random_not_derived_from_what_we_know_of_the_person(w):
    document = signed_by(w, w.senior_support, 1)
    identifier = uuid.UUID(document["credentialSubject"]["source"]["id"].removeprefix("urn:uuid:"))
    assert identifier.version == 4  # random, not a name-based UUIDv3/v5 anyone could recompute
    person = w.senior_support
    for known in (str(person.id), person.email, person.display_name, f"user:{person.id}"):
        for namespace in (uuid.NAMESPACE_URL, uuid.NAMESPACE_DNS, uuid.NAMESPACE_OID):
            assert identifier != uuid.uuid5(namespace, known)
        assert identifier.hex not in hashlib.sha256(known.encode()).hexdigest()


def test_the_credential_states_no_registration_for_them_and_says_how_they_could_sign(w):
    document = signed_by(w, w.senior_support, 1)
    source = document["credentialSubject"]["source"]
    assert "otherIdentifier" not in source  # no registration to state
    assert source["name"] == "Riley Senior-Support" and source["description"] == "Senior support worker"
    assert source["parentOrg"]["name"] == "Downshire Council"
    text = json.dumps(document)
    assert "not recorded" not in text
    (statement,) = [e for e in document["evidence"] if e.get("genre") == "Assessor sign-off"]
    assert "trained assessor named by the organisation" in statement["description"]
    assert "trained assessor" in document["credentialSubject"]["achievement"]["criteria"]["narrative"]


def test_their_credential_is_valid_and_conforms_to_the_ob3_schema(w):
    document = signed_by(w, w.senior_support, 1)
    assert check_credential(document).outcome is Outcome.valid
    errors = [error.message for error in
              Draft201909Validator(SCHEMA, format_checker=FormatChecker()).iter_errors(document)]
    assert errors == []


def test_a_registered_assessor_is_still_named_by_their_registration(w):
    cap = capability(w.version, "support", n=3)
    document = credential_for(sign(ask(w, w.support_worker, cap, w.council_preceptor), w.council_preceptor))
    source = document["credentialSubject"]["source"]
    registration = ob.Registration(w.council_preceptor.registration_body, w.council_preceptor.registration_number)
    assert source["id"] == registration_id(registration)
    assert source["otherIdentifier"][0]["identifier"] == str(registration)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AssessorIdentifier)) == 0


def test_a_credential_issued_before_with_the_placeholder_still_verifies_and_shows_no_registration(w):
    """Existing credentials are never re-signed: the old shape keeps verifying, and the placeholder is
    not shown as if it were a registration."""
    signoff = sign(ask(w, w.support_worker, capability(w.version, "support"), w.senior_support), w.senior_support)
    old_assessor = ob.Assessor(signoff.assessor_name, "Registered practitioner",
                               ob.Registration("Registration", "not recorded"))
    row = issuing.issue_built(
        signoff.organisation, signoff.practitioner_id,
        lambda did, cid, status: ob.build_signoff_credential(
            replace(issuing.signoff_facts(signoff, signoff.organisation, did, cid, status), assessor=old_assessor)),
        by=None, link={"signoff_id": signoff.id})
    assert row.document["credentialSubject"]["source"]["id"] == SHARED_PLACEHOLDER_ID
    checked = check_credential(row.document)
    assert checked.outcome is Outcome.valid
    assert checked.summary.assessor_registration is None
