"""Open Badges 3.0 credentials: content, privacy of the holder, and safe-mode signing."""
import json
from datetime import UTC, date, datetime

import pytest
from passport_issuer import ISSUED_AT, signoff_facts

from competency.passport import credentials as oc
from competency.passport.canonical import UndefinedTermError, canonicalize, expand_safely
from competency.passport.contexts import UnknownContextError
from competency.passport.dataintegrity import create_proof
from competency.passport.multikey import generate_private_key
from competency.passport.statuslist import StatusEntry, StatusPurpose

DID = "did:web:127.0.0.1%3A5000:orgs:north-downs"
STATUS = [StatusEntry.ours(17, "http://127.0.0.1:5000/status/list-1")]


@pytest.fixture
def signoff():
    return oc.build_signoff_credential(signoff_facts(did=DID, credential_id="0b6c3a52-aaaa-4000-8000-000000000001",
                                                     status=STATUS))


def test_signoff_is_an_open_badge_credential_aligned_to_the_case_item(signoff):
    assert signoff["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert signoff["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert signoff["issuer"] == {"id": DID, "type": ["Profile"], "name": "North Downs NHS Foundation Trust"}
    assert signoff["validFrom"] == "2026-03-02T09:30:00Z"
    subject = signoff["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    achievement = subject["achievement"]
    assert achievement["achievementType"] == "Competency"
    assert achievement["alignment"] == [{
        "type": ["Alignment"],
        "targetType": "CFItem",
        "targetCode": "CP2.4",
        "targetName": "Carries out occupational therapy assessments of functional ability",
        "targetFramework": "Multiprofessional AHP capability framework 1.0",
        "targetUrl": "http://127.0.0.1:5000/case/items/3f2a1c44-5b6d-5e7f-8a9b-0c1d2e3f4a5b",
    }]


def test_level_of_practice_is_a_result_against_a_rubric_level(signoff):
    subject = signoff["credentialSubject"]
    rubric = subject["achievement"]["resultDescription"][0]
    assert rubric["resultType"] == "RubricCriterionLevel"
    levels = {level["id"]: level["name"] for level in rubric["rubricCriterionLevel"]}
    result = subject["result"][0]
    assert result["resultDescription"] == rubric["id"]
    assert levels[result["achievedLevel"]] == "Enhanced"


def test_evidence_carries_hashes_and_the_assessor_not_the_content(signoff):
    evidence = signoff["evidence"]
    hashes = [entry for entry in evidence if entry["genre"] != "Assessor sign-off"]
    assert [entry["id"].startswith("ni:///sha-256;") for entry in hashes] == [True, True]
    assert "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" in hashes[0]["description"]
    sign_off = evidence[-1]
    assert sign_off["genre"] == "Assessor sign-off"
    assert "Occupational therapist" in sign_off["description"]
    assert "HCPC registration OT 50001" in sign_off["description"]
    assessor = signoff["credentialSubject"]["source"]
    assert assessor["name"] == "Tom Okafor"
    assert assessor["otherIdentifier"][0]["identifier"] == "HCPC OT 50001"


def test_one_status_entry_carries_revocation_and_suspension(signoff):
    # OB 3.0 allows one credentialStatus object: a 2-bit Bitstring Status List "message" entry.
    assert signoff["credentialStatus"] == {
        "id": "http://127.0.0.1:5000/status/list-1#17",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "message",
        "statusListIndex": "17",
        "statusListCredential": "http://127.0.0.1:5000/status/list-1",
        "statusSize": 2,
        "statusMessage": [{"status": "0x0", "message": "valid"}, {"status": "0x1", "message": "revoked"},
                          {"status": "0x2", "message": "suspended"}, {"status": "0x3", "message": "revoked"}],
    }


def test_two_status_entries_are_still_written_as_an_array():
    legacy = [StatusEntry(p, 17, f"http://127.0.0.1:5000/status/{p.value}")
              for p in (StatusPurpose.revocation, StatusPurpose.suspension)]
    credential = oc.build_signoff_credential(signoff_facts(did=DID, credential_id="0b6c3a52-aaaa-4000-8000-00000000000"
                                                           "2", status=legacy))
    assert [entry["statusPurpose"] for entry in credential["credentialStatus"]] == ["revocation", "suspension"]


def test_holder_email_never_appears_but_can_be_matched(signoff):
    text = json.dumps(signoff).lower()
    assert "priya.shah@example.org" not in text
    assert "ot 61234" not in text and "ot61234" not in text
    identifiers = signoff["credentialSubject"]["identifier"]
    email = next(entry for entry in identifiers if entry["identityType"] == "emailAddress")
    assert email["hashed"] is True and email["identityHash"].startswith("sha256$") and email["salt"]
    assert oc.identity_matches(signoff, email="  PRIYA.SHAH@example.org")
    assert oc.identity_matches(signoff, registration=oc.Registration("hcpc", "ot61234"))
    assert not oc.identity_matches(signoff, email="someone.else@example.org")
    assert not oc.identity_matches(signoff, registration=oc.Registration("NMC", "OT61234"))


def test_each_credential_gets_fresh_salts_unless_given():
    first, second = (
        oc.build_signoff_credential(signoff_facts(did=DID, credential_id="x", status=STATUS, salt=None))
        for _ in range(2)
    )
    hashes = [c["credentialSubject"]["identifier"][0]["identityHash"] for c in (first, second)]
    assert hashes[0] != hashes[1]
    assert all(oc.identity_matches(c, email="priya.shah@example.org") for c in (first, second))


def test_every_term_of_a_signoff_is_defined_by_the_bundled_contexts(signoff):
    oc.check_signable(signoff)
    nquads = canonicalize(signoff, allow_issuer_dependent=False)
    assert "issuer-dependent" not in nquads
    assert "https://purl.imsglobal.org/spec/vc/ob/vocab.html#achievementType> \"Competency\"" in nquads


def test_programme_completion_uses_an_extension_achievement_type():
    facts = oc.CompletionFacts(
        credential_id="0b6c3a52-bbbb-4000-8000-000000000001",
        issuer=oc.IssuerProfile(DID, "North Downs NHS Foundation Trust"),
        holder=oc.Holder("priya.shah@example.org"),
        programme=oc.Programme(
            identifier="5c0a2d1e-0000-5000-8000-000000000001",
            name="Multiprofessional preceptorship",
            kind="preceptorship",
            description="A year of supported practice for newly registered practitioners.",
            completion_rule="All milestone reviews signed by preceptee and preceptor.",
            version="2",
        ),
        started_on=date(2025, 3, 3),
        completed_on=date(2026, 3, 2),
        completed_at=ISSUED_AT,
        confirmed_by=oc.Assessor("Amira Khan", "Practice education lead", oc.Registration("HCPC", "OT 40000")),
        status=STATUS,
    )
    credential = oc.build_completion_credential(facts)
    assert credential["credentialSubject"]["achievement"]["achievementType"] == "ext:ProgrammeCompletion"
    assert credential["credentialSubject"]["activityEndDate"] == "2026-03-02T00:00:00Z"
    oc.check_signable(credential)


def test_an_undefined_property_is_refused_before_signing(signoff):
    signoff["credentialSubject"]["favouriteColour"] = "teal"
    with pytest.raises(UndefinedTermError, match="favouriteColour"):
        create_proof(signoff, generate_private_key(), verification_method=f"{DID}#k")


def test_an_undefined_type_is_refused_before_signing(signoff):
    signoff["evidence"][0]["type"] = ["Evidence", "SecretNote"]
    with pytest.raises(UndefinedTermError, match="SecretNote"):
        oc.check_signable(signoff)


def test_a_term_dropped_by_expansion_is_refused_even_when_verifying():
    document = {"@context": {"name": "https://schema.org/name"}, "name": "x", "notDefined": "y"}
    with pytest.raises(UndefinedTermError, match="notDefined"):
        expand_safely(document)


def test_a_relative_identifier_is_refused(signoff):
    signoff["id"] = "not an iri"
    with pytest.raises(UndefinedTermError, match="absolute IRI"):
        oc.check_signable(signoff)


def test_an_unknown_context_is_never_fetched(signoff):
    signoff["@context"].append("https://example.org/extra.jsonld")
    with pytest.raises(UnknownContextError):
        oc.check_signable(signoff)


def test_presentation_carries_credentials_unchanged(signoff):
    signed = oc.sign_credential(signoff, generate_private_key(), verification_method=f"{DID}#k",
                                created=datetime(2026, 3, 2, tzinfo=UTC))
    bundle = oc.build_presentation([signed])
    assert bundle["type"] == ["VerifiablePresentation"]
    assert bundle["verifiableCredential"] == [signed]
