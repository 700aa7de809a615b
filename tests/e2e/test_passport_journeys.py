"""Browser journeys across two installations: passport, share, public verify (each outcome), import and accept.

axe-core checks every page on the way.
"""
from __future__ import annotations

import copy
import json
import re

import pytest
import sqlalchemy as sa

from competency.extensions import db
from competency.passport import resolver
from competency.passport.models import PassportCredential
from tests.fixtures.browser import assert_accessible, sign_in, sign_out
from tests.fixtures.servers import free_port
from tests.passport_support import HOLDER, seed_issuer, seed_receiver

pytestmark = pytest.mark.browser


@pytest.fixture
def sites(make_live_server):
    resolver.clear_caches()
    return make_live_server("trust", seed=seed_issuer), make_live_server("care", seed=seed_receiver)


def upload_on_verify_page(page, site, path) -> None:
    page.goto(f"{site.url}/verify")
    page.set_input_files("#file", str(path))
    page.click("button:has-text('Check passport')")
    page.wait_for_selector("h1:has-text('Passport check results')")
    assert_accessible(page)


def test_share_then_verify_each_outcome_then_import_and_recognise(sites, page, tmp_path):
    trust, care = sites

    # The holder's passport at the trust, and a share link.
    sign_in(page, trust.url, HOLDER)
    page.click("nav a:has-text('My passport')")
    page.wait_for_selector("h1:has-text('My competency passport')")
    assert "North Downs NHS Trust" in page.content() and "Tom Hughes" in page.content()
    assert_accessible(page)
    page.click("a:has-text('Share my passport')")
    page.wait_for_selector("h1:has-text('Share your passport')")
    assert_accessible(page)
    page.fill("#note", "For Harbourside Care")
    page.click("button:has-text('Create share link')")
    page.wait_for_selector("h1:has-text('Copy your share link now')")
    assert_accessible(page)
    share_url = page.inner_text("#share-url").strip()
    page.click("a:has-text('See this link')")
    page.wait_for_selector("h1:has-text('Share link starting')")
    assert_accessible(page)
    with page.expect_download() as download:
        page.goto(f"{trust.url}/passport/")
        page.click("a:has-text('Download the signed credentials')")
    bundle_path = tmp_path / "passport.json"
    download.value.save_as(bundle_path)
    sign_out(page)

    # A recruiter, signed out, opens the link: Valid.
    page.goto(share_url)
    page.wait_for_selector("h1:has-text('Competency passport of Sam Okafor')")
    assert "For Harbourside Care" in page.content() and "1 valid" in page.content()
    assert_accessible(page)

    # The public verify page, with each outcome.
    page.goto(f"{care.url}/verify")
    assert_accessible(page)
    upload_on_verify_page(page, care, bundle_path)
    assert page.locator(".nhsuk-tag:has-text('Valid')").count() == 1
    bundle = json.loads(bundle_path.read_text())
    tampered = copy.deepcopy(bundle)
    tampered["verifiableCredential"][0]["credentialSubject"]["achievement"]["humanCode"] = "XX-1-01"
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    upload_on_verify_page(page, care, tmp_path / "tampered.json")
    assert "Not valid" in page.content() and "changed after it was issued" in page.content()
    unreachable = copy.deepcopy(bundle["verifiableCredential"][0])
    elsewhere = f"did:web:127.0.0.1%3A{free_port()}:orgs:gone"
    unreachable["issuer"]["id"] = elsewhere
    unreachable["proof"][0]["verificationMethod"] = elsewhere + "#" + \
        unreachable["proof"][0]["verificationMethod"].split("#", 1)[1]
    (tmp_path / "unreachable.json").write_text(json.dumps(unreachable))
    upload_on_verify_page(page, care, tmp_path / "unreachable.json")
    assert "Could not check" in page.content() and "0 valid" in page.content()

    # At the care provider, the holder brings the passport with the share link ...
    sign_in(page, care.url, HOLDER)
    page.goto(f"{care.url}/passport/import")
    assert_accessible(page)
    page.fill("#share_url", share_url)
    page.click("button:has-text('Check and bring my passport')")
    page.wait_for_selector("h1:has-text('Passport brought by Sam Okafor')")
    assert "Waiting for a lead" in page.content()
    assert_accessible(page)
    sign_out(page)

    # ... and the lead recognises it as a prior sign-off.
    sign_in(page, care.url, "lead@harbourside.example.org")
    page.goto(f"{care.url}/passport/imports")
    assert_accessible(page)
    page.click("table a:has-text('Sam Okafor')")
    page.wait_for_selector("h1:has-text('Passport brought by Sam Okafor')")
    page.click("button:has-text('Recognise')")
    page.wait_for_selector("text=is now recognised for Sam Okafor")
    assert_accessible(page)
    sign_out(page)

    # The administrator keeps the trust list and sees the organisation's keys.
    sign_in(page, care.url, "admin@harbourside.example.org")
    page.goto(f"{care.url}/passport/trust-list")
    assert_accessible(page)
    with trust.app.app_context():
        issuer_did = db.session.scalar(sa.select(PassportCredential.issuer_did))
    page.fill("#name", "North Downs NHS Trust")
    page.fill("#did", issuer_did)
    page.select_option("#sector", "health")
    page.click("button:has-text('Add to the trust list')")
    page.wait_for_selector("text=was added to the trust list")
    upload_on_verify_page(page, care, bundle_path)
    assert "Known issuer: North Downs NHS Trust, Health" in page.content()
    with care.app.app_context():
        from competency.accounts.models import Organisation

        org_id = db.session.scalar(sa.select(Organisation.id).filter_by(slug="harbourside"))
    page.goto(f"{care.url}/passport/organisations/{org_id}/keys")
    assert_accessible(page)


def test_a_withdrawn_share_link_shows_page_not_found(sites, page):
    trust, _ = sites
    sign_in(page, trust.url, HOLDER)
    page.goto(f"{trust.url}/passport/shares/new")
    page.click("button:has-text('Create share link')")
    share_url = page.inner_text("#share-url").strip()
    page.click("a:has-text('See this link')")
    page.click("button:has-text('Withdraw this link')")
    page.wait_for_url(re.compile(r"/passport/shares$"))
    assert "Withdrawn" in page.content()
    assert_accessible(page)
    sign_out(page)
    response = page.goto(share_url)
    assert response.status == 404
    assert "Sam Okafor" not in page.content()
    assert_accessible(page)
