"""The demo administrator changes the trust's word for the people it serves, and its titles and grades, in Chromium
at 1280 px and at 320 px; someone who works there then sees the new word. axe-core on every page on the way."""
from __future__ import annotations

import re

import pytest

from tests.fixtures.browser import NARROW_WIDTH, assert_accessible, sign_in, sign_out

pytestmark = pytest.mark.browser

STEPS = ["competency.demo.accounts:seed_accounts", "competency.frameworks.demo:seed_frameworks"]
TRUST = "Wessex Valley NHS Foundation Trust"


def seed(app) -> None:
    from competency.demo.context import DemoContext
    from competency.demo.steps import run_steps

    run_steps(DemoContext(password="correct-horse-battery"), STEPS)


@pytest.fixture
def site(make_live_server):
    return make_live_server("settings", seed=seed)


def open_settings(page, site) -> None:
    page.goto(f"{site.url}/admin/")
    page.click(f"main a:has-text('{TRUST}')")
    assert page.locator("h1").inner_text() == TRUST
    page.click("a:has-text('Change organisation settings')")
    assert page.locator("h1").inner_text() == "Organisation settings"


def test_the_administrator_changes_the_word_and_the_people_there_see_it(site, page):
    sign_in(page, site.url, "admin@demo.test")
    open_settings(page, site)
    assert page.is_checked("input[name='people_served'][value='patient']")
    assert_accessible(page, narrow=True)

    page.check("label:has-text('Another word')")  # chosen, but no word typed: the error state
    page.click("button:has-text('Save settings')")
    summary = page.locator(".nhsuk-error-summary")
    assert "Enter the word your organisation uses" in summary.inner_text()
    assert_accessible(page, narrow=True)
    summary.locator("a").first.click()
    assert page.evaluate("document.activeElement.id") == "other_word"

    page.fill("#other_word", "person using our services")
    page.fill("#role_titles", "Physiotherapist\nphysiotherapist\nSenior OT")
    page.fill("#grades", "Band 5\nBand 8a")
    page.click("button:has-text('Save settings')")
    main = page.inner_text("main")
    assert "Organisation settings saved." in main
    assert "1 repeated role title left out: ‘physiotherapist’." in main
    assert "We will use ‘people using our services’" in main
    crosswalk = page.locator("table").inner_text()
    assert re.search(r"Band 5\s+Grade or band\s+Registered practitioner", crosswalk)
    assert re.search(r"Band 8a\s+Grade or band\s+Advanced practitioner or Consultant practitioner", crosswalk)
    assert re.search(r"Senior OT\s+Role title\s+Not in the crosswalk", crosswalk)
    assert_accessible(page, narrow=True)

    page.click(f"a:has-text('Back to {TRUST}')")
    assert "People served are called ‘people using our services’" in page.inner_text("main")
    assert_accessible(page)
    sign_out(page)

    sign_in(page, site.url, "trust.preceptor@demo.test")  # Rachel Green works at the trust
    page.goto(f"{site.url}/evidence/new")
    assert "A person using our services" in page.inner_text("main")
    assert "draws on care and support" not in page.inner_text("main")
    assert_accessible(page)


def test_on_a_phone_the_administrator_changes_the_word(site, page):
    page.set_viewport_size({"width": NARROW_WIDTH, "height": 800})
    sign_in(page, site.url, "admin@demo.test")
    open_settings(page, site)
    assert_accessible(page, narrow=True)

    page.check("label:has-text('Service user')")
    page.fill("#people_served_plural", "people who use our services")
    page.click("button:has-text('Save settings')")
    assert "Organisation settings saved." in page.inner_text("main")
    assert page.is_checked("input[name='people_served'][value='service user']")
    assert page.input_value("#people_served_plural") == "people who use our services"
    assert_accessible(page, narrow=True)

    page.click(f"a:has-text('Back to {TRUST}')")
    assert "People served are called ‘people who use our services’" in page.inner_text("main")
    assert_accessible(page, narrow=True)
