"""Every path reports RDF-identical rewrites of revoked, expired and not-yet-valid credentials as not valid.

Paths: ``POST /api/v1/verify``, the ``/verify`` upload page, ``flask passport verify``,
and passport import with its re-check when a lead accepts. The credentials are issued
by the app itself, so this also covers our own issuer's shortcuts: a rewrite is not a
byte-identical copy, so it takes the full path through the signed view.
"""
from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from competency.accounts.models import Role
from competency.extensions import db
from competency.passport import credentials as ob
from competency.passport import importing, issuing, resolver
from competency.passport.models import CredentialImport, ImportDecision, ImportSource, PassportCredential  # noqa: F401
from tests.evidence_support import signoff_world
from tests.factories import MembershipFactory, make_person
from tests.passport_rewrites import corpus
from tests.passport_support import signed_off

PER_PATH = 8  # generated rewrites per credential and path, beside the named ones (the unit corpus has 130)


@pytest.fixture
def world(db):
    resolver.clear_caches()
    world = signoff_world()
    world.signoff = signed_off(world)
    credential = issuing.issue_signoff_credential(world.signoff)
    world.valid = credential
    world.revoked = _issue_with_dates(world, valid_from=datetime.now(UTC) - timedelta(days=3))
    issuing.revoke_credential(world.revoked, "Signed off in error", by=world.lead)
    world.expired = _issue_with_dates(world, valid_from=datetime.now(UTC) - timedelta(days=400),
                                      valid_until=datetime.now(UTC) - timedelta(days=1))
    world.future = _issue_with_dates(world, valid_from=datetime.now(UTC) + timedelta(days=30))
    # The holder also works at the other organisation, where a lead recognises imported credentials.
    MembershipFactory(user=world.practitioner, organisation=world.other, role=Role.practitioner)
    world.other_lead = make_person("lead", world.other, level_code="advanced")
    db.session.commit()
    return world


def _issue_with_dates(world, *, valid_from, valid_until=None) -> PassportCredential:
    def build(did, credential_id, status):
        facts = issuing.signoff_facts(world.signoff, world.org, did, credential_id, status)
        facts = ob.SignOffFacts(**{**facts.__dict__, "signed_off_at": valid_from, "valid_until": valid_until})
        return ob.build_signoff_credential(facts)

    return issuing.issue_built(world.org, world.practitioner.id, build, by=None)


def _bad(world):
    for label, credential, reason in (("revoked", world.revoked, "Revoked by the issuer"),
                                      ("expired", world.expired, "expired on"),
                                      ("not yet valid", world.future, "not valid until")):
        for name, rewritten in corpus(credential.document, count=PER_PATH, seed=len(label)):
            yield f"{label}: {name}", rewritten, reason


def test_the_api_never_says_valid(world, client):
    for name, rewritten, reason in _bad(world):
        response = client.post("/api/v1/verify", json={"credential": rewritten})
        assert response.status_code == 200, name
        (result,) = response.get_json()["results"]
        assert result["outcome"] == "not_valid", (name, result["reasons"])
        assert any(reason in r for r in result["reasons"]), (name, result["reasons"])


def test_the_upload_page_never_says_valid(world, browser):
    for name, rewritten, _ in _bad(world):
        raw = json.dumps(rewritten).encode()
        response = browser.submit("/verify", {"file": (io.BytesIO(raw), "c.json")}, post_url="/verify",
                                  content_type="multipart/form-data")
        html = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert "0 valid, 1 not valid" in html, name


def test_the_cli_never_says_valid(world, app, tmp_path):
    for number, (name, rewritten, reason) in enumerate(_bad(world)):
        path = tmp_path / f"rewrite-{number}.json"
        path.write_text(json.dumps(rewritten))
        result = app.test_cli_runner().invoke(args=["passport", "verify", str(path)])
        assert result.exit_code == 1, (name, result.output)
        assert result.output.startswith("NOT VALID") and reason in result.output, (name, result.output)


def test_an_imported_rewrite_of_a_revoked_credential_cannot_be_recognised(world):
    bundle = ob.build_presentation([rewritten for _, rewritten, _ in _bad(world)])
    record = importing.import_credentials(world.practitioner, world.other, bundle, source=ImportSource.upload)
    assert record.items and all(item.decision == ImportDecision.not_acceptable for item in record.items)
    assert all(item.passport_credential_id is None for item in record.items)
    for item in record.items:
        with pytest.raises(importing.DomainError):
            importing.accept(item, by=world.other_lead)


def test_a_rewrite_valid_at_import_is_refused_at_acceptance_once_revoked(world):
    rewrites = [rewritten for _, rewritten in corpus(world.valid.document, count=PER_PATH, seed=5)]
    record = importing.import_credentials(world.practitioner, world.other, ob.build_presentation(rewrites),
                                          source=ImportSource.upload)
    assert [item.decision for item in record.items] == [ImportDecision.pending] * len(rewrites)
    # Named from the signed statements: the capability survives any rewrite.
    assert {item.capability_uuid for item in record.items} == {world.valid.capability_uuid}
    db.session.commit()
    issuing.revoke_credential(world.valid, "Signed off in error", by=world.lead)
    db.session.commit()
    record = db.session.get(CredentialImport, record.id)
    for item in record.items:
        with pytest.raises(importing.NoLongerValid):
            importing.accept(item, by=world.other_lead)
        assert item.decision == ImportDecision.not_acceptable and item.signoff_id is None
