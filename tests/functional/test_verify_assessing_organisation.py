"""The public verify page and the API say which organisation the assessor belongs to, when it is not the issuer.

A council OT signed off by the trust's consultant under an ICS grant holds a credential
issued by the council; the assessor's own organisation (the trust) is stated in the signed
statements as the assessor profile's ``parentOrg``. A recruiter reads "Signed off by Dr Ana
Consultant of Valley NHS Trust". The organisation is read from the verified signed view,
so a JSON rewrite that keeps the statements (and the signature) changes nothing, and a
changed credential names nobody's organisation.
"""
from __future__ import annotations

import copy
import io
import json
import re

import pytest
import sqlalchemy as sa

from competency.extensions import db
from competency.passport import issuing, resolver
from competency.passport.canonical import canonicalize
from competency.passport.models import PassportCredential
from tests.passport_rewrites import VC
from tests.workforce_support import ask, ics_grant, one_workforce_world, sign

CONSULTANT = "Dr Ana Consultant"


@pytest.fixture
def w(db):
    resolver.clear_caches()
    w = one_workforce_world()
    ics_grant(w)
    w.granted = sign(ask(w, w.council_ot, w.consultant_cap, w.trust_consultant), w.trust_consultant)
    w.colleague = sign(ask(w, w.council_ot, w.advanced_cap, w.council_lead), w.council_lead)
    issuing.ensure_issued(w.council_ot)
    db.session.flush()
    return w


def credential(signoff) -> PassportCredential:
    return db.session.scalar(sa.select(PassportCredential).where(PassportCredential.signoff_id == signoff.id))


def signed_off_by_row(html: str, name: str) -> str:
    """The text of the "Signed off by" value naming ``name``, tags removed."""
    rows = re.findall(r"Signed off by</dt><dd[^>]*>(.*?)</dd>", html, re.S)
    matching = [re.sub(r"<[^>]+>", "", row) for row in rows if name in row]
    assert matching, f"no 'Signed off by' row names {name}: {rows}"
    return matching[0]


def verify_page(browser, document: dict) -> str:
    response = browser.submit("/verify", {"file": (io.BytesIO(json.dumps(document).encode()), "c.json")},
                              post_url="/verify", content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_the_qr_code_page_names_the_assessing_organisation_when_it_is_not_the_issuer(w, client):
    html = client.get(f"/verify/c/{credential(w.granted).public_id}").get_data(as_text=True)
    assert "Downshire Council" in html  # the issuer
    assert signed_off_by_row(html, CONSULTANT).startswith(f"{CONSULTANT} of Valley NHS Trust")


def test_a_colleague_at_the_issuer_is_not_named_twice(w, client):
    html = client.get(f"/verify/c/{credential(w.colleague).public_id}").get_data(as_text=True)
    row = signed_off_by_row(html, "Priya Lead")
    assert " of " not in row


def test_an_uploaded_bundle_names_it_for_each_credential(w, browser):
    bundle = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
              "verifiableCredential": [credential(w.granted).document, credential(w.colleague).document]}
    html = verify_page(browser, bundle)
    assert "2 valid" in html
    assert signed_off_by_row(html, CONSULTANT).startswith(f"{CONSULTANT} of Valley NHS Trust")
    assert " of " not in signed_off_by_row(html, "Priya Lead")


def test_it_is_read_from_the_signed_statements_not_the_json_keys(w, browser):
    """``credentialSubject`` written under its full IRI: the same statements, still valid, no
    ``credentialSubject`` key for a JSON reader to find; the organisation is still named."""
    original = credential(w.granted).document
    rewritten = copy.deepcopy(original)
    rewritten[VC + "credentialSubject"] = rewritten.pop("credentialSubject")
    unsecured = lambda d: {k: v for k, v in d.items() if k != "proof"}  # noqa: E731
    assert canonicalize(unsecured(rewritten)) == canonicalize(unsecured(original))
    html = verify_page(browser, rewritten)
    assert "1 valid" in html
    assert signed_off_by_row(html, CONSULTANT).startswith(f"{CONSULTANT} of Valley NHS Trust")


def test_a_changed_credential_names_no_assessing_organisation(w, browser):
    tampered = copy.deepcopy(credential(w.granted).document)
    tampered["credentialSubject"]["source"]["parentOrg"]["name"] = "Prestigious Hospital"
    html = verify_page(browser, tampered)
    assert "Not valid" in html and "changed after it was issued" in html
    assert "Prestigious Hospital" not in html and "Valley NHS Trust" not in html


def test_the_api_result_carries_the_assessing_organisation(w, client):
    response = client.post("/api/v1/verify", json={"bundle": {
        "@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
        "verifiableCredential": [credential(w.granted).document, credential(w.colleague).document]}})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    granted, colleague = (result["summary"]["assessing_organisation"] for result in response.get_json()["results"])
    assert granted["name"] == "Valley NHS Trust" and granted["is_issuer"] is False
    assert granted["id"].endswith(":orgs:" + w.trust.slug)
    assert colleague["name"] == "Downshire Council" and colleague["is_issuer"] is True


def test_the_api_names_none_for_a_changed_credential(w, client):
    tampered = copy.deepcopy(credential(w.granted).document)
    tampered["credentialSubject"]["source"]["parentOrg"]["name"] = "Prestigious Hospital"
    (result,) = client.post("/api/v1/verify", json={"credential": tampered}).get_json()["results"]
    assert result["outcome"] == "not_valid" and result["summary"]["assessing_organisation"] is None
