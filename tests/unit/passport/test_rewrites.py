"""RDF-identical rewrites give the same outcome as the original (issue 12, point 1).

Before issue 12 the signature covered the RDF statements while the status and
date checks read JSON keys: writing ``credentialStatus`` under its full IRI,
splitting entries between the term and the IRI, or writing ``validFrom`` /
``validUntil`` as expanded literals under their IRIs kept the proof valid and
skipped the check, so a revoked, expired or not-yet-valid credential showed Valid.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from passport_issuer import ISSUED_AT, Installation

from competency.passport.canonical import canonicalize
from competency.passport.statuslist import StatusPurpose
from competency.passport.verification import Outcome
from tests.passport_rewrites import NAMED, corpus

NOW = ISSUED_AT + timedelta(days=30)


def _revoked(installation: Installation, *, legacy: bool = False) -> dict:
    credential = installation.issue(legacy_status=legacy)
    installation.set_status(credential, StatusPurpose.revocation)
    return credential


def _suspended(installation: Installation) -> dict:
    credential = installation.issue()
    installation.set_status(credential, StatusPurpose.suspension)
    return credential


def _expired(installation: Installation) -> dict:
    return installation.issue(valid_until=NOW - timedelta(days=1))


def _not_yet_valid(installation: Installation) -> dict:
    return installation.issue(signed_off_at=NOW + timedelta(days=5), valid_until=NOW + timedelta(days=400))


CASES = {
    "revoked": (_revoked, 40, "Revoked by the issuer"),
    "revoked, two status entries": (lambda i: _revoked(i, legacy=True), 20, "Revoked by the issuer"),
    "suspended": (_suspended, 10, "Suspended by the issuer"),
    "expired": (_expired, 30, "expired on"),
    "not yet valid": (_not_yet_valid, 30, "not valid until"),
}


@pytest.mark.parametrize("case", CASES)
def test_no_rdf_identical_rewrite_of_a_bad_credential_is_valid(installation, case):
    make, count, reason = CASES[case]
    credential = make(installation)
    original = installation.verify(credential, now=NOW)
    assert original.outcome is Outcome.not_valid and any(reason in r for r in original.reasons)
    seen = 0
    for name, rewritten in corpus(credential, count=count):
        result = installation.verify(rewritten, now=NOW)
        assert result.outcome is Outcome.not_valid, (name, result.reasons)
        assert any(reason in r for r in result.reasons), (name, result.reasons)
        seen += 1
    assert seen >= count


def test_the_corpus_holds_the_named_rewrites_and_over_100_more(installation):
    names = []
    total = 0
    for make, count, _ in CASES.values():
        generated = list(corpus(make(installation), count=count))
        names += [name for name, _ in generated]
        total += sum(1 for name, _ in generated if name not in NAMED)
    assert set(NAMED) <= set(names)
    assert total >= 100


def test_every_rewrite_is_rdf_identical_and_a_valid_credential_stays_valid(installation):
    credential = installation.issue(valid_until=NOW + timedelta(days=100))
    unsecured = {k: v for k, v in credential.items() if k != "proof"}
    for name, rewritten in corpus(credential, count=40, seed=3):
        assert canonicalize({k: v for k, v in rewritten.items() if k != "proof"}) == canonicalize(unsecured)
        result = installation.verify(rewritten, now=NOW)
        assert result.outcome is Outcome.valid, (name, result.reasons)
        assert result.valid_until == credential["validUntil"]


def test_a_rewrite_cannot_add_a_status_or_date_the_signature_does_not_cover(installation):
    credential = _expired(installation)
    credential["https://www.w3.org/2018/credentials#validUntil"] = {
        "@value": (NOW + timedelta(days=900)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}
    result = installation.verify(credential, now=NOW)
    assert result.outcome is Outcome.not_valid
    assert "The signature does not match: the credential was changed after it was issued." in result.reasons
