"""Verification outcomes as a recruiter sees them: Valid, Not valid, Could not check."""
import copy
from datetime import timedelta

import pytest
from passport_issuer import ISSUED_AT, Installation

from competency.passport.statuslist import StatusPurpose
from competency.passport.verification import (
    FetchError,
    Outcome,
    extract_credentials,
    verify_credential,
    verify_document,
)


def test_an_issued_credential_is_valid(installation):
    result = installation.verify(installation.issue())
    assert result.outcome is Outcome.valid, result.reasons
    assert result.issuer_id == installation.did
    assert result.issuer_name == "North Downs NHS Foundation Trust"
    assert {check.name for check in result.checks} == {"signature", "dates", "status"}
    assert result.to_json()["outcome"] == "valid"


def test_a_changed_claim_is_not_valid_with_a_plain_reason(installation):
    credential = installation.issue()
    credential["credentialSubject"]["achievement"]["resultDescription"][0]["rubricCriterionLevel"][1]["name"] = "Consultant"
    result = installation.verify(credential)
    assert result.outcome is Outcome.not_valid
    assert "The signature does not match: the credential was changed after it was issued." in result.reasons


def test_a_revoked_credential_says_so(installation):
    credential = installation.issue()
    installation.set_status(credential, StatusPurpose.revocation)
    result = installation.verify(credential)
    assert result.outcome is Outcome.not_valid
    assert any(reason.startswith("Revoked by the issuer") and "12 March 2026" in reason for reason in result.reasons)


def test_a_suspended_credential_says_so_and_recovers_when_lifted(installation):
    credential = installation.issue()
    installation.set_status(credential, StatusPurpose.suspension)
    assert any(r.startswith("Suspended by the issuer") for r in installation.verify(credential).reasons)
    installation.set_status(credential, StatusPurpose.suspension, False)
    assert installation.verify(credential).outcome is Outcome.valid


def test_other_credentials_on_the_same_list_stay_valid(installation):
    revoked, other = installation.issue(), installation.issue()
    installation.set_status(revoked, StatusPurpose.revocation)
    assert installation.verify(other).outcome is Outcome.valid


def test_an_expired_credential_is_not_valid(installation):
    credential = installation.issue(valid_until=ISSUED_AT + timedelta(days=365))
    assert installation.verify(credential, now=ISSUED_AT + timedelta(days=364)).outcome is Outcome.valid
    result = installation.verify(credential, now=ISSUED_AT + timedelta(days=366))
    assert result.outcome is Outcome.not_valid
    assert "The credential expired on 2 March 2027." in result.reasons


def test_a_credential_from_the_future_is_not_valid(installation):
    result = installation.verify(installation.issue(), now=ISSUED_AT - timedelta(days=1))
    assert result.outcome is Outcome.not_valid
    assert "not valid until 2 March 2026" in result.reasons[0]


def test_an_unreachable_issuer_could_not_be_checked(installation):
    credential = installation.issue()
    installation.is_reachable = False
    result = installation.verify(credential)
    assert result.outcome is Outcome.could_not_check
    assert result.reasons == ["The issuer's key could not be fetched (connection refused)."]


def test_an_unreachable_status_list_could_not_be_checked(installation):
    credential = installation.issue()

    def no_lists(url):
        raise FetchError("timed out")

    result = verify_credential(credential, resolve_did=installation.resolve_did, fetch_status_list=no_lists,
                               now=ISSUED_AT + timedelta(days=1))
    assert result.outcome is Outcome.could_not_check
    assert "The issuer's status list could not be fetched (timed out)." in result.reasons


def test_a_resolver_that_fails_unexpectedly_never_gives_valid(installation):
    def broken(did):
        raise RuntimeError("bug")

    result = verify_credential(installation.issue(), resolve_did=broken, fetch_status_list=installation.fetch_status_list)
    assert result.outcome is Outcome.could_not_check


def test_a_forged_status_list_cannot_hide_a_revocation(installation):
    credential = installation.issue()
    installation.set_status(credential, StatusPurpose.revocation)
    genuine = installation.fetch_status_list

    def forged(url):
        status_list = genuine(url)
        status_list["credentialSubject"]["encodedList"] = Installation().status_list_credential(
            StatusPurpose.revocation)["credentialSubject"]["encodedList"]
        return status_list

    result = verify_credential(credential, resolve_did=installation.resolve_did, fetch_status_list=forged,
                               now=ISSUED_AT + timedelta(days=30))
    assert result.outcome is Outcome.could_not_check
    assert any("status list" in reason for reason in result.reasons)


def test_a_status_list_from_another_issuer_is_not_trusted(installation):
    credential = installation.issue()
    other = Installation(slug="elsewhere")

    result = verify_credential(credential, resolve_did=installation.resolve_did,
                               fetch_status_list=lambda url: other.status_list_credential(StatusPurpose.revocation),
                               now=ISSUED_AT + timedelta(days=30))
    assert result.outcome is Outcome.could_not_check


def test_a_credential_signed_by_another_organisation_key_is_not_valid(installation):
    impostor = Installation()  # same DID, different key: a forger who copied the DID
    credential = impostor.issue()
    result = installation.verify(credential)
    assert result.outcome is Outcome.not_valid
    assert any("not listed by the issuer" in reason for reason in result.reasons)


def test_a_credential_signed_with_the_right_key_but_a_relabelled_method_is_not_valid(installation):
    credential = installation.issue()
    installation.rotate()
    credential["proof"][0]["verificationMethod"] = installation.method_id(installation.current_key)
    assert installation.verify(credential).outcome is Outcome.not_valid


def test_a_signature_by_a_key_of_another_did_is_not_valid(installation):
    credential = installation.issue()
    credential["proof"][0]["verificationMethod"] = "did:web:evil.example#key-1"
    result = installation.verify(credential)
    assert result.outcome is Outcome.not_valid
    assert "does not belong to its issuer" in result.reasons[0]


class TestKeyRotation:
    def test_a_credential_signed_before_rotation_still_verifies(self, installation):
        before = installation.issue()
        installation.rotate()
        after = installation.issue()
        assert before["proof"][0]["verificationMethod"] != after["proof"][0]["verificationMethod"]
        assert installation.verify(before).outcome is Outcome.valid
        assert installation.verify(after).outcome is Outcome.valid

    def test_withdrawing_a_key_invalidates_what_it_signed(self, installation):
        before = installation.issue()
        old_method = before["proof"][0]["verificationMethod"]
        installation.rotate()
        installation.withdrawn.add(old_method)
        result = installation.verify(before)
        assert result.outcome is Outcome.not_valid
        assert any("not listed by the issuer" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    ("payload", "outcome"),
    [
        ("a string", Outcome.not_valid),
        ({"type": ["VerifiableCredential"]}, Outcome.not_valid),
        ({"@context": ["https://www.w3.org/2018/credentials/v1"], "type": ["VerifiableCredential"]}, Outcome.not_valid),
    ],
)
def test_things_that_are_not_credentials_are_not_valid(installation, payload, outcome):
    assert installation.verify(payload).outcome is outcome


def test_an_unsupported_cryptosuite_could_not_be_checked(installation):
    credential = installation.issue()
    credential["proof"][0]["cryptosuite"] = "bbs-2023"
    assert installation.verify(credential).outcome is Outcome.could_not_check


def test_an_unknown_vocabulary_could_not_be_checked(installation):
    credential = installation.issue()
    credential["@context"].append("https://example.org/extra/v1")
    result = installation.verify(credential)
    assert result.outcome is Outcome.could_not_check
    assert "never fetched" in result.reasons[0]


def test_extract_credentials_from_a_bundle_or_a_single_credential(installation):
    first, second = installation.issue(), installation.issue()
    bundle = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
              "verifiableCredential": [first, second]}
    assert extract_credentials(bundle) == [first, second]
    assert extract_credentials(copy.deepcopy(first)) == [first]
    with pytest.raises(ValueError):
        extract_credentials({"hello": "world"})


def test_a_bundle_reports_each_credential_separately(installation):
    good, revoked = installation.issue(), installation.issue()
    installation.set_status(revoked, StatusPurpose.revocation)
    bundle = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
              "verifiableCredential": [good, revoked]}
    results = verify_document(bundle, resolve_did=installation.resolve_did,
                              fetch_status_list=installation.fetch_status_list, now=ISSUED_AT + timedelta(days=30))
    assert [result.outcome for result in results] == [Outcome.valid, Outcome.not_valid]


def test_credentials_issued_before_issue_12_with_two_status_entries_still_verify(installation):
    credential = installation.issue(legacy_status=True)
    result = installation.verify(credential)
    assert result.outcome is Outcome.valid, result.reasons
    assert {check.name for check in result.checks} == {"signature", "dates", "status:revocation", "status:suspension"}
    installation.set_status(credential, StatusPurpose.suspension)
    assert any(r.startswith("Suspended by the issuer") for r in installation.verify(credential).reasons)
