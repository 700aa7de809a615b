"""The platform's own journeys in Chromium, with an axe-core check on every page on the way."""
from __future__ import annotations

import re
from datetime import date

import pytest

from tests.conftest import Mailbox
from tests.factories import OrganisationFactory, make_person
from tests.fixtures.browser import assert_accessible, fill_date, sign_in, sign_out

pytestmark = pytest.mark.browser

NEW_PASSWORD = "lantern-orchard-pebble"


def seed(app) -> None:
    council = OrganisationFactory(name="Downshire County Council")
    make_person("admin", council, email="admin@council.test", display_name="Alex Morgan")
    make_person("practitioner", council, email="sam@council.test", display_name="Sam Okafor")
    make_person("preceptor", council, email="tom@council.test", display_name="Tom Hughes")


@pytest.fixture
def site(make_live_server):
    return make_live_server(seed=seed)


def mailbox(site) -> Mailbox:
    return Mailbox(site.app.config["MAIL_FILE_DIR"])


def test_signing_in_and_resetting_a_forgotten_password(page, site):
    page.goto(site.url + "/")
    assert page.locator("h1").inner_text().startswith("Your competencies")
    assert_accessible(page)

    page.click("a.nhsuk-button:has-text('Sign in')")
    assert_accessible(page)
    page.fill("#email", "sam@council.test")
    page.fill("#password", "not my password")
    page.click("button:has-text('Sign in')")
    assert page.locator(".nhsuk-error-summary").inner_text().count("The email address or password is not correct")
    assert_accessible(page)

    page.click("a:has-text('Forgotten your password?')")
    assert page.locator("h1").inner_text() == "Reset your password"
    assert_accessible(page)
    page.fill("#email", "sam@council.test")
    page.click("button:has-text('Send reset link')")
    assert page.locator("h1").inner_text() == "Check your email"
    assert_accessible(page)

    page.goto(site.url + mailbox(site).link("sam@council.test", "/reset-password/"))
    assert page.locator("h1").inner_text() == "Choose a new password"
    assert_accessible(page)
    page.fill("#password", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD + "typo")
    page.click("button:has-text('Change password')")
    assert "The passwords do not match" in page.locator(".nhsuk-error-summary").inner_text()
    assert_accessible(page)
    page.fill("#password", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    page.click("button:has-text('Change password')")
    page.wait_for_url(re.compile(r"/login$"))
    assert "Your password has been changed" in page.inner_text("main")

    sign_in(page, site.url, "sam@council.test", NEW_PASSWORD)
    assert page.locator("h1").inner_text() == "Hello, Sam Okafor"
    assert_accessible(page)
    sign_out(page)
    assert "You have signed out." in page.inner_text("main")


def test_an_admin_invites_a_person_who_accepts(page, site):
    sign_in(page, site.url, "admin@council.test")
    page.click("nav >> a:has-text('Admin')")
    assert page.locator("h1").inner_text() == "Downshire County Council"
    assert_accessible(page)

    page.click("button:has-text('Send invitation')")  # nothing filled in: the error state
    assert "Enter an email address" in page.locator(".nhsuk-error-summary").inner_text()
    assert_accessible(page)
    page.fill("#email", "nia@council.test")
    page.check("label:has-text('Practitioner')")
    page.click("button:has-text('Send invitation')")
    assert "Invitation sent to nia@council.test" in page.inner_text("main")

    page.click("a:has-text('Tom Hughes')")
    assert page.locator("h1").inner_text() == "Tom Hughes"
    assert_accessible(page)
    page.click("summary:has-text('Add employment')")
    page.fill("#role_title", "Senior Occupational Therapist")
    page.select_option("#level_code", "enhanced")
    fill_date(page, "#start_on", date(2026, 1, 5))
    page.fill("#fte", "0.8")
    page.click("button:has-text('Add employment')")
    assert "Employment added." in page.inner_text("main")
    assert "Senior Occupational Therapist" in page.inner_text("main")
    assert_accessible(page)
    sign_out(page)

    page.goto(site.url + mailbox(site).link("nia@council.test", "/invitations/"))
    assert page.locator("h1").inner_text() == "Join Downshire County Council"
    assert_accessible(page)
    page.fill("#display_name", "Nia Patel")
    page.fill("#password", NEW_PASSWORD)
    page.click("button:has-text('Accept invitation')")
    page.wait_for_url(site.url + "/")
    assert "Welcome to Downshire County Council" in page.inner_text("main")
    assert page.locator("h1").inner_text() == "Hello, Nia Patel"


def test_a_person_edits_their_profile_and_creates_a_token(page, site):
    sign_in(page, site.url, "sam@council.test")
    page.click("a.nhsuk-header__account-link:has-text('Sam Okafor')")
    assert page.locator("h1").inner_text() == "Your profile"
    assert_accessible(page)

    page.fill("#registration_body", "HCPC")
    page.fill("#registration_number", "OT99876")
    page.click("button:has-text('Save details')")
    assert "Your details have been saved." in page.inner_text("main")

    page.fill("#name", "ESR export script")
    page.click("button:has-text('Create token')")
    assert page.locator("h1").inner_text() == "Copy your new token now"
    secret = page.locator("#new-token").inner_text()
    assert secret.startswith("cpt_")
    assert_accessible(page)

    page.click("a:has-text('Back to your profile')")
    assert "ESR export script" in page.inner_text("main")
    assert secret not in page.content()
    assert_accessible(page)
    page.click("button:has-text('Revoke')")
    assert "has been revoked" in page.inner_text("main")
    assert_accessible(page)

    with site.app.test_client() as api:
        response = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
