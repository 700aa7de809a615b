"""Security journeys in Chromium, with an axe-core check on every new page: changing a password and
signing out everywhere, an administrator ending a member's sessions, and a platform administrator
granting and revoking a platform role."""
from __future__ import annotations

import re

import pytest

from tests.factories import OrganisationFactory, make_person
from tests.fixtures.browser import assert_accessible, sign_in

pytestmark = pytest.mark.browser

NEW_PASSWORD = "lantern-orchard-pebble"


def seed(app) -> None:
    council = OrganisationFactory(name="Downshire County Council", region="Solent and Downs")
    make_person("admin", council, email="admin@council.test", display_name="Alex Morgan")
    make_person("practitioner", council, email="sam@council.test", display_name="Sam Okafor")
    make_person("practitioner", council, email="morgan@council.test", display_name="Morgan Ellis")
    make_person("platform_admin", council, email="platform@council.test", display_name="Jo Bennett",
                employed=False)


@pytest.fixture
def site(make_live_server):
    return make_live_server(seed=seed)


def test_changing_the_password_signs_out_the_other_browser(chromium, page, site):
    other = chromium.new_context(locale="en-GB").new_page()
    try:
        sign_in(other, site.url, "sam@council.test")
        sign_in(page, site.url, "sam@council.test")
        page.click("a.nhsuk-header__account-link:has-text('Sam Okafor')")
        assert_accessible(page)
        page.click("a:has-text('Change your password')")
        assert page.locator("h1").inner_text() == "Change your password"
        assert_accessible(page)

        page.fill("#current_password", "not my password")
        page.fill("#password", NEW_PASSWORD)
        page.fill("#confirm", NEW_PASSWORD)
        page.click("button:has-text('Change password')")
        assert "Your current password is not correct" in page.locator(".nhsuk-error-summary").inner_text()
        assert_accessible(page)

        page.fill("#current_password", "correct-horse-battery")
        page.fill("#password", NEW_PASSWORD)
        page.fill("#confirm", NEW_PASSWORD)
        page.click("button:has-text('Change password')")
        assert "You have been signed out everywhere else" in page.inner_text("main")

        other.goto(f"{site.url}/profile")
        assert re.search(r"/login", other.url)

        page.click("button:has-text('Sign out everywhere')")
        page.wait_for_url(re.compile(r"/login"))
        assert "signed out on every device" in page.inner_text("main")
        assert_accessible(page)
    finally:
        other.context.close()


def test_an_administrator_signs_a_member_out_everywhere(chromium, page, site):
    member = chromium.new_context(locale="en-GB").new_page()
    try:
        sign_in(member, site.url, "sam@council.test")
        sign_in(page, site.url, "admin@council.test")
        page.click("nav >> a:has-text('Admin')")
        page.click("a:has-text('Sam Okafor')")
        assert_accessible(page)
        page.click("button:has-text('Sign out everywhere')")
        assert "Sam Okafor has been signed out everywhere." in page.inner_text("main")
        assert_accessible(page)

        member.goto(f"{site.url}/profile")
        assert re.search(r"/login", member.url)
    finally:
        member.context.close()


def test_a_platform_administrator_grants_and_revokes_a_platform_role(page, site):
    sign_in(page, site.url, "platform@council.test")
    page.click("nav >> a:has-text('Platform')")
    assert page.locator("h1").inner_text() == "Platform roles"
    assert_accessible(page)

    page.click("button:has-text('Grant role')")  # nothing filled in: the error state
    assert "Enter the email address of the person" in page.locator(".nhsuk-error-summary").inner_text()
    assert_accessible(page)

    page.fill("#email", "morgan@council.test")
    page.check("label:has-text('Analyst:')")
    page.select_option("#region", "Solent and Downs")
    page.click("button:has-text('Grant role')")
    assert "Morgan Ellis is now analyst (Region: Solent and Downs)" in page.inner_text("main")
    assert_accessible(page)

    page.click("button:has-text('Revoke'):has-text('Morgan Ellis')")
    assert "Morgan Ellis is no longer analyst" in page.inner_text("main")
    assert "Your own role" in page.inner_text("main")  # no button to revoke one's own
