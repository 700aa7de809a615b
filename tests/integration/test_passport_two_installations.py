"""Two installations on loopback (separate databases, keys and servers).

A (a trust) issues a sign-off credential; the holder shares it; B (a care
provider) verifies it over HTTP and a lead there recognises it.  A revokes:
B's next check says Not valid with the reason.  A goes away: B says Could
not check, never Valid.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from competency.accounts.models import User
from competency.extensions import db
from competency.passport import issuing, resolver, sharing
from competency.passport.models import ImportDecision, ImportItem, PassportCredential
from competency.signoff import services as signoff_services
from competency.signoff.models import SignOff, SignOffSource
from competency.signoff.queries import signed_capability_ids
from tests.conftest import Browser
from tests.factories import PASSWORD
from tests.passport_support import HOLDER, seed_issuer, seed_receiver


def signed_in(app, email: str) -> Browser:
    browser = Browser(app.test_client())
    response = browser.submit("/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def verify_over_api(app, body: dict) -> list[dict]:
    response = app.test_client().post("/api/v1/verify", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


@pytest.fixture
def installations(make_live_server):
    resolver.clear_caches()
    # A states a zero cache time for its status lists, so a revocation shows on the very next check.
    a = make_live_server("issuer", seed=seed_issuer, STATUS_LIST_TTL_SECONDS=0)
    b = make_live_server("receiver", seed=seed_receiver)
    return a, b


def test_issue_share_verify_import_revoke_and_outage(installations):
    a, b = installations

    # A: the holder opens their passport (credentials are issued then) and shares it.
    holder_at_a = signed_in(a.app, HOLDER)
    assert "Capability" in holder_at_a.get("/passport/").get_data(as_text=True)
    with a.app.app_context():
        holder = db.session.scalar(sa.select(User).filter_by(email=HOLDER))
        credential = db.session.scalar(sa.select(PassportCredential).filter_by(holder_id=holder.id))
        assert credential.issuer_did.startswith(f"did:web:127.0.0.1%3A{a.port}:orgs:north-downs")
        share, token = sharing.create_share(holder, [credential.id], expires_on=None)
        db.session.commit()
        share_url = sharing.share_url(token)
        bundle = sharing.bundle_for(share)
    assert share_url.startswith(a.url)

    # B: anyone can verify the share link (B fetches A's DID document and status lists over HTTP).
    (result,) = verify_over_api(b.app, {"share_url": share_url})
    assert result["outcome"] == "valid", result["reasons"]
    assert result["issuer"]["name"] == "North Downs NHS Trust" and result["issuer"]["is_known"] is False

    # B: the holder imports with the share link; a lead recognises the sign-off.
    holder_at_b = signed_in(b.app, HOLDER)
    with b.app.app_context():
        org_b = db.session.scalar(sa.select(User).filter_by(email=HOLDER)).memberships[0].organisation_id
    response = holder_at_b.submit("/passport/import", {"organisation_id": str(org_b), "share_url": share_url})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    import_path = response.headers["Location"]
    with b.app.app_context():
        item = db.session.scalar(sa.select(ImportItem))
        assert item.outcome.value == "valid" and item.is_holder_match
        assert item.decision == ImportDecision.pending
        item_id = item.id
    lead = signed_in(b.app, "lead@harbourside.example.org")
    assert "Recognise" in lead.get(import_path).get_data(as_text=True)
    assert lead.post(f"/passport/imports/items/{item_id}/accept").status_code == 302
    with b.app.app_context():
        holder_b = db.session.scalar(sa.select(User).filter_by(email=HOLDER))
        recognised = db.session.scalar(sa.select(SignOff).filter_by(practitioner_id=holder_b.id))
        assert recognised.source == SignOffSource.recognised
        assert recognised.issuer_name == "North Downs NHS Trust"
        assert recognised.assessor_name == "Tom Hughes"
        assert recognised.capability_uuid in signed_capability_ids(holder_b.id)
        imported = db.session.scalar(sa.select(PassportCredential).filter_by(holder_id=holder_b.id))
        assert imported.document == bundle["verifiableCredential"][0]  # carried unchanged
    assert "North Downs NHS Trust" in holder_at_b.get("/passport/").get_data(as_text=True)

    # A revokes the sign-off: B's next check says Not valid, with the reason.
    with a.app.app_context():
        signoff = db.session.scalar(sa.select(SignOff))
        preceptor = db.session.scalar(sa.select(User).filter_by(email="tom@north.example.org"))
        signoff_services.revoke(signoff, preceptor, "Signed against the wrong evidence.")
        db.session.commit()
        assert db.session.scalar(sa.select(PassportCredential)).revoked_at is not None
    (result,) = verify_over_api(b.app, {"bundle": bundle})
    assert result["outcome"] == "not_valid"
    assert any(reason.startswith("Revoked by the issuer") for reason in result["reasons"])
    page = holder_at_b.get(import_path).get_data(as_text=True)
    assert "Recognised" in page

    # A's server stops: B could not check, and never says valid.
    a.stop()
    (result,) = verify_over_api(b.app, {"bundle": bundle})
    assert result["outcome"] == "could_not_check"
    assert any("could not be fetched" in reason for reason in result["reasons"])
    response = b.app.test_client().post("/api/v1/verify", json={"share_url": share_url})
    assert response.status_code == 422 and "could not be opened" in response.get_json()["detail"]


def test_a_revoked_credential_cannot_be_recognised_after_import(installations):
    a, b = installations
    with a.app.app_context():
        holder = db.session.scalar(sa.select(User).filter_by(email=HOLDER))
        issuing.ensure_issued(holder)
        db.session.commit()
        bundle = sharing.holder_bundle(holder)
    holder_at_b = signed_in(b.app, HOLDER)
    with b.app.app_context():
        org_b = db.session.scalar(sa.select(User).filter_by(email=HOLDER)).memberships[0].organisation_id
    import io
    import json

    response = holder_at_b.submit("/passport/import", {
        "organisation_id": str(org_b), "file": (io.BytesIO(json.dumps(bundle).encode()), "passport.json")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    with a.app.app_context():
        signoff = db.session.scalar(sa.select(SignOff))
        preceptor = db.session.scalar(sa.select(User).filter_by(email="tom@north.example.org"))
        signoff_services.revoke(signoff, preceptor, "Mistake")
        db.session.commit()
    with b.app.app_context():
        item_id = db.session.scalar(sa.select(ImportItem.id))
    lead = signed_in(b.app, "lead@harbourside.example.org")
    page = lead.post(f"/passport/imports/items/{item_id}/accept", follow_redirects=True).get_data(as_text=True)
    assert "no longer valid" in page and "Revoked by the issuer" in page
    with b.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(SignOff.id))) == 0
        assert db.session.get(ImportItem, item_id).decision == ImportDecision.not_acceptable
