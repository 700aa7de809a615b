"""Browser journeys on the demo data: the OTA's checklist, the apprentice's log, the lead's panel; axe-core on each page."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.fixtures.browser import assert_accessible, fill_date, sign_in, sign_out

pytestmark = pytest.mark.browser

STEPS = ["competency.demo.accounts:seed_accounts", "competency.frameworks.demo:seed_frameworks",
         "competency.demo.evidence:seed_evidence", "competency.demo.progression:seed_progression"]


def seed(app) -> None:
    from competency.demo.context import DemoContext
    from competency.demo.steps import run_steps

    run_steps(DemoContext(password="correct-horse-battery"), STEPS)


@pytest.fixture
def site(make_live_server):
    return make_live_server("progression", seed=seed)


def test_the_ota_and_the_apprentice_follow_their_progress(site, page):
    from competency.reminders.planning import local_today

    sign_in(page, site.url, "ota@demo.test")
    page.goto(f"{site.url}/progression/")
    page.wait_for_selector("h1:has-text('Your progression')")
    assert "Ready for the OT degree apprenticeship" in page.content()
    label = page.inner_text("label[for^='readiness-']")
    assert re.search(r"Readiness: \d+ of 10 items met", label)
    assert page.locator("text=Not yet").count() > 0
    assert_accessible(page)
    page.click("a:has-text('Panels and details')")
    page.wait_for_selector("h2:has-text('The pathway')")
    assert_accessible(page)
    sign_out(page)

    sign_in(page, site.url, "apprentice@demo.test")
    page.goto(f"{site.url}/progression/")
    assert "Behind the plan" in page.content()
    page.click("a:has-text('Your apprenticeship record')")
    page.wait_for_selector("h1:has-text('Your apprenticeship')")
    assert_accessible(page)
    page.click("summary:has-text('Log off-the-job hours')")
    fill_date(page, "#occurred_on", local_today() - timedelta(days=1))
    page.fill("#hours", "3.5")
    page.fill("#activity", "Reading for the neuroscience module")
    page.click("button:has-text('Log hours')")
    page.wait_for_selector("text=3.5 hours logged.")
    assert "Reading for the neuroscience module" in page.content()
    assert re.search(r"log [\d.]+ hours a week", page.content())
    assert_accessible(page)


def test_the_lead_confirms_items_and_runs_a_panel(site, page):
    from competency.reminders.planning import local_today

    sign_in(page, site.url, "lead@demo.test")
    page.goto(f"{site.url}/progression/people")
    page.wait_for_selector("h1:has-text('People on pathways')")
    assert "Casey Brooks" in page.content() and "Riley Evans" in page.content()
    assert_accessible(page)
    page.click("table a:has-text('Jordan Lee')")
    page.wait_for_selector("h1:has-text('Jordan Lee')")
    assert_accessible(page)

    page.fill("#note-funding_route", "Levy transfer agreed with finance")
    page.click("#criterion-funding_route button:has-text('Confirm')")
    page.wait_for_selector("text=Checklist item confirmed.")
    assert "Levy transfer" not in page.inner_text("#criterion-funding_route")  # notes stay in the record
    assert "Confirmed by Priya Shah" in page.inner_text("#criterion-funding_route")

    page.click("summary:has-text('Schedule a panel')")
    fill_date(page, "#scheduled_on", local_today())
    page.fill("#members", "Priya Shah, Principal OT (chair)\nTom Hughes, Senior OT")
    page.click("button:has-text('Schedule the panel')")
    page.wait_for_selector("text=Panel scheduled.")
    page.click("a:has-text('Record the outcome')")
    page.wait_for_selector("h1:has-text('Panel on')")
    assert_accessible(page)
    page.check("label:has-text('Not yet')")
    page.click("button:has-text('Record the outcome')")
    page.wait_for_selector(".nhsuk-error-summary")
    assert_accessible(page)
    page.check("label:has-text('Not yet')")
    page.fill("#actions", "Complete PP-SSW-04 sign-off and one more reflection")
    page.click("button:has-text('Record the outcome')")
    page.wait_for_selector("text=Panel outcome recorded.")
    assert "Actions from the panel: Complete PP-SSW-04" in page.content()
    assert "Start the apprenticeship" not in page.content()
    assert_accessible(page)

    page.goto(f"{site.url}/progression/records/new")
    assert_accessible(page)
    page.click("a:has-text('Put someone on this pathway: Support worker to social care practitioner')")
    page.wait_for_selector("h1:has-text('Put someone on this pathway')")
    assert_accessible(page)
