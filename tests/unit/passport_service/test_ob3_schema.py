"""Every credential the demo issues conforms to 1EdTech's Open Badges 3.0 AchievementCredential JSON Schema.

Before issue 12 each one broke it four ways: ``credentialStatus`` was an array (the
schema allows one object), ``otherIdentifier[].type`` an array (the string
``IdentifierEntry``), ``proof`` an object (an array) and the activity dates plain
dates (date-time).  The schema file is 1EdTech's, see tests/fixtures/ob3/README.md.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from jsonschema import Draft201909Validator, FormatChecker

from competency.demo.commands import run_seed
from competency.extensions import db
from competency.passport import issuing, resolver
from competency.passport.models import CredentialKind, PassportCredential

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "ob3" / "achievementcredential.json")
                    .read_text())


@pytest.fixture
def demo_credentials(db):
    resolver.clear_caches()
    run_seed()
    issuing.issue_pending(limit=5000)
    db.session.flush()
    return list(db.session.scalars(sa.select(PassportCredential)))


def test_the_schema_is_the_published_achievement_credential_schema():
    assert SCHEMA["$id"] == ("https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
                             "ob_v3p0_achievementcredential-jsonschema1.json")
    Draft201909Validator.check_schema(SCHEMA)


def test_every_demo_credential_validates_with_no_errors(demo_credentials):
    validator = Draft201909Validator(SCHEMA, format_checker=FormatChecker())
    kinds = {credential.kind for credential in demo_credentials}
    assert {CredentialKind.signoff, CredentialKind.completion} <= kinds
    failures = {credential.name: [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
                                  for error in validator.iter_errors(credential.document)]
                for credential in demo_credentials}
    assert {name: errors for name, errors in failures.items() if errors} == {}
    for credential in demo_credentials:  # the four shapes the schema asks for
        document = credential.document
        assert isinstance(document["credentialStatus"], dict)
        assert isinstance(document["proof"], list) and len(document["proof"]) == 1
        source = document["credentialSubject"].get("source")
        if source:
            # A trained assessor without a registration has no otherIdentifier (their id is their own).
            assert all(entry["type"] == "IdentifierEntry" for entry in source.get("otherIdentifier", []))
        if credential.kind == CredentialKind.completion:
            assert document["credentialSubject"]["activityEndDate"].endswith("T00:00:00Z")
