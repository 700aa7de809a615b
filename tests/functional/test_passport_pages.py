"""The holder's passport, share links and the public verify page, through real forms."""
from __future__ import annotations

import copy
import io
import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from competency.extensions import db
from competency.passport import resolver, sharing
from competency.passport.credentials import build_presentation
from competency.passport.models import PassportCredential, ShareLink
from competency.passport.statuslist import StatusPurpose
from tests.evidence_support import signoff_world
from tests.factories import make_person
from tests.fixtures.servers import free_port
from tests.passport_support import signed_off


@pytest.fixture
def world(db):
    resolver.clear_caches()
    world = signoff_world()
    world.signoff = signed_off(world)
    return world


def _passport_page(client):
    response = client.get("/passport/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _only_credential(world) -> PassportCredential:
    return db.session.scalar(sa.select(PassportCredential).filter_by(holder_id=world.practitioner.id))


def test_the_passport_page_issues_and_lists_signoffs_with_issuer_and_assessor(world, login, client):
    login(world.practitioner)
    html = _passport_page(client)
    assert world.registered_cap.code in html
    assert world.org.name in html and "Tom Preceptor" in html
    assert "Employment history" in html
    assert _only_credential(world).document["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"


def test_the_json_bundle_carries_each_credential_unchanged(world, login, client):
    login(world.practitioner)
    response = client.get("/passport/bundle.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    bundle = response.get_json()
    assert bundle["type"] == ["VerifiablePresentation"]
    assert bundle["verifiableCredential"] == [_only_credential(world).document]


def test_uploading_the_bundle_on_the_verify_page_says_valid(world, login, client, browser):
    login(world.practitioner)
    raw = client.get("/passport/bundle.json").data
    browser.post("/logout")
    response = browser.submit("/verify", {"file": (io.BytesIO(raw), "passport.json")}, post_url="/verify",
                              content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 valid, 0 not valid, 0 could not be checked" in html
    assert "Known issuer: " + world.org.name in html


def test_a_tampered_credential_is_not_valid_and_says_it_was_changed(world, browser):
    credential = _issued(world)
    tampered = copy.deepcopy(credential.document)
    tampered["credentialSubject"]["achievement"]["name"] = "Consultant-level everything"
    response = browser.submit("/verify", {"file": (io.BytesIO(json.dumps(tampered).encode()), "c.json")},
                              post_url="/verify", content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert "Not valid" in html and "changed after it was issued" in html
    assert ">Valid<" not in html


def test_an_unreachable_issuer_could_not_be_checked_never_valid(world, browser):
    credential = copy.deepcopy(_issued(world).document)
    elsewhere = f"did:web:127.0.0.1%3A{free_port()}:orgs:nowhere"
    credential["issuer"]["id"] = elsewhere
    credential["proof"][0]["verificationMethod"] = elsewhere + "#" + credential["proof"][0]["verificationMethod"].split("#")[1]
    response = browser.submit("/verify", {"file": (io.BytesIO(json.dumps(credential).encode()), "c.json")},
                              post_url="/verify", content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert "Could not check" in html and "could not be fetched" in html
    assert "0 valid" in html


def _issued(world) -> PassportCredential:
    from competency.passport.issuing import issue_signoff_credential

    return issue_signoff_credential(world.signoff)


def test_a_share_link_opens_without_sign_in_and_logs_each_view(world, login, client, browser):
    credential = _issued(world)
    login(world.practitioner)
    response = browser.submit("/passport/shares/new", {
        "credential_ids": [str(credential.id)], "expires_on": (date.today() + timedelta(days=30)).isoformat(),
        "note": "For the Harbourside interview"}, post_url="/passport/shares")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    url = html.split('id="share-url">', 1)[1].split("<", 1)[0]
    path = url.replace("http://127.0.0.1:5000", "")
    browser.post("/logout")
    opened = client.get(path)
    page = opened.get_data(as_text=True)
    assert opened.status_code == 200
    assert "Competency passport of Sam Preceptee" in page and "For the Harbourside interview" in page
    assert "1 valid" in page
    as_json = client.get(path, headers={"Accept": "application/json"}).get_json()
    assert as_json["verifiableCredential"] == [credential.document]
    share = db.session.scalar(sa.select(ShareLink).filter_by(holder_id=world.practitioner.id))
    db.session.refresh(share)
    assert share.view_count == 2 and {view.channel for view in share.views} == {"page", "bundle"}
    assert share.token_hash != path.rsplit("/", 1)[1]


def test_a_withdrawn_share_link_answers_404_with_no_data(world, login, client, browser):
    credential = _issued(world)
    share, token = sharing.create_share(world.practitioner, [credential.id], expires_on=None)
    db.session.commit()
    login(world.practitioner)
    assert browser.post(f"/passport/shares/{share.id}/revoke").status_code == 302
    browser.post("/logout")
    for headers in ({}, {"Accept": "application/json"}):
        response = client.get(f"/share/{token}", headers=headers)
        body = response.get_data(as_text=True)
        assert response.status_code == 404
        assert "Sam Preceptee" not in body and world.registered_cap.code not in body and "proof" not in body
    assert client.get(f"/share/{token}/bundle.json").status_code == 404


def test_an_expired_share_link_answers_404(world, client):
    credential = _issued(world)
    share, token = sharing.create_share(world.practitioner, [credential.id], expires_on=date.today() + timedelta(1))
    share.expires_on = date.today() - timedelta(days=1)
    db.session.commit()
    assert client.get(f"/share/{token}").status_code == 404


def test_nobody_shares_someone_elses_credential(world, login, browser):
    credential = _issued(world)
    login(world.peer)
    response = browser.post("/passport/shares", {"credential_ids": [str(credential.id)],
                                                 "expires_on": (date.today() + timedelta(days=3)).isoformat()})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(ShareLink.id))) == 0


def test_the_did_document_and_signed_status_list_are_published(world, client):
    credential = _issued(world)
    slug = world.org.slug
    did_doc = client.get(f"/orgs/{slug}/did.json")
    assert did_doc.status_code == 200 and did_doc.headers["Content-Type"] == "application/did+json"
    assert did_doc.get_json()["id"] == credential.document["issuer"]["id"]
    entry = credential.document["credentialStatus"]
    listed = client.get(entry["statusListCredential"].replace("http://127.0.0.1:5000", ""))
    document = listed.get_json()
    assert listed.status_code == 200 and "max-age" in listed.headers["Cache-Control"]
    assert document["credentialSubject"]["statusPurpose"] == StatusPurpose.message.value == entry["statusPurpose"]
    assert document["proof"]["type"] == "DataIntegrityProof"
    assert client.get("/orgs/no-such-org/did.json").status_code == 404
    assert client.get("/status/unknown").status_code == 404


def test_a_trusted_issuer_is_named_on_the_verify_page(world, login, browser):
    login(make_person("trust_list_manager", world.other))
    did = "did:web:issuer.example.org:orgs:harbourside"
    response = browser.submit("/passport/trust-list", {"name": "Harbourside Care", "did": did,
                                                       "sector": "social_care"})
    assert response.status_code == 302
    page = browser.get("/passport/trust-list").get_data(as_text=True)
    assert "Harbourside Care" in page and did in page


def test_the_bundle_of_someone_else_is_not_importable_as_theirs(world):
    from competency.passport.importing import holder_matches

    credential = _issued(world)
    assert holder_matches(credential.document, world.practitioner)
    assert not holder_matches(credential.document, world.peer)
    assert build_presentation([credential.document])["verifiableCredential"][0] is credential.document


def test_the_passport_page_runs_the_same_number_of_queries_however_many_credentials(world, login, client,
                                                                                     count_queries):
    from competency.passport import issuing
    from tests.passport_support import several_signoffs

    login(world.practitioner)
    issuing.ensure_issued(world.practitioner)
    sharing.create_share(world.practitioner, [_only_credential(world).id], expires_on=None)
    db.session.commit()
    _passport_page(client)
    with count_queries() as few:
        _passport_page(client)
    several_signoffs(world, 3)
    issuing.ensure_issued(world.practitioner)
    sharing.create_share(world.practitioner, [c.id for c in db.session.scalars(sa.select(PassportCredential))],
                         expires_on=None)
    db.session.commit()
    _passport_page(client)
    with count_queries() as many:
        html = _passport_page(client)
    assert html.count("/verify/c/") == 4
    assert len(many) == len(few), "\n".join(many)
