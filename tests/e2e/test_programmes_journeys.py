"""Browser journeys on a live server: enrol, sign a review as each party, supervise, check in, cohort view.

Every page on the way passes axe-core.
"""
from __future__ import annotations

import re
from datetime import date

import pytest

from tests.fixtures.browser import assert_accessible, sign_in

pytestmark = pytest.mark.browser

LEAD, PRECEPTOR, PRECEPTEE = "priya@example.org", "tom@example.org", "sam@example.org"


def seed(app):
    from tests.programmes_support import make_team

    team = make_team(employment_start=date(2026, 10, 19))
    team.lead.email, team.preceptor.email, team.practitioner.email = LEAD, PRECEPTOR, PRECEPTEE


@pytest.fixture
def site(make_live_server):
    return make_live_server("programmes", seed=seed)


def sign_out(page) -> None:
    page.click("button:has-text('Sign out')")
    page.wait_for_url(re.compile(r"/(login)?$"))


def test_enrol_sign_supervise_check_in_and_see_the_cohort(site, page):
    # The lead enrols Sam.
    sign_in(page, site.url, LEAD)
    page.goto(f"{site.url}/programmes/cohort")
    assert_accessible(page)
    page.click("a:has-text('Enrol someone on a programme')")
    page.wait_for_selector("h1:has-text('Enrol someone')")
    assert_accessible(page)
    page.select_option("#practitioner_id", label="Sam Preceptee")
    page.select_option("#template", value="ahp-preceptorship")
    page.select_option("#preceptor_id", label="Tom Preceptor")
    page.fill("#start_on", "2026-11-02")
    page.click("button:has-text('Enrol')")
    page.wait_for_selector("h1:has-text(\"Sam Preceptee's programme\")")
    assert "16 November 2026" in page.content()  # learning agreement: day 14
    assert_accessible(page)
    timeline = page.url
    milestone = f"{timeline}/milestones/learning_agreement"

    # The lead records a pause form visit (accessible), without saving.
    page.click("a:has-text('Record a pause')")
    page.wait_for_selector("h1:has-text('Record a pause')")
    assert_accessible(page)
    sign_out(page)

    # Sam writes and signs the learning agreement, logs supervision and checks in.
    sign_in(page, site.url, PRECEPTEE)
    page.goto(f"{site.url}/programmes/")
    assert_accessible(page)
    page.goto(milestone)
    assert_accessible(page)
    page.fill("#reflection", "Two weeks in: settling into the reablement team.")
    page.fill("#goals", "Hold my own caseload by January.")
    page.click("button:has-text('Save and sign')")
    page.wait_for_selector("text=Review signed")
    assert_accessible(page)
    page.goto(timeline)
    page.click("a:has-text('Record supervision')")
    page.wait_for_selector("h1:has-text('Record a supervision session')")
    assert_accessible(page)
    page.fill("#held_on", "2026-11-05")
    page.fill("#minutes", "60")
    page.fill("#topics", "Caseload and risk")
    page.click("button:has-text('Record session')")
    page.wait_for_selector("text=Supervision recorded")
    page.click("a:has-text('Confidence check-in')")
    page.wait_for_selector("h1:has-text('Confidence check-in')")
    assert_accessible(page)
    for name, value in [("pillar_professional_practice", 3), ("pillar_facilitation_of_learning", 2),
                        ("pillar_leadership", 2), ("pillar_evidence_research_development", 3),
                        ("pillar_integrated_working", 4), ("wellbeing", 4)]:
        page.check(f"#{name}-{value - 1}")
    page.click("button:has-text('Save check-in')")
    page.wait_for_selector("text=Check-in recorded")
    assert page.locator("svg[role='img']").count() == 1
    assert_accessible(page)
    sign_out(page)

    # Tom sees what Sam needs from him, confirms the session and signs.
    sign_in(page, site.url, PRECEPTOR)
    page.goto(f"{site.url}/programmes/preceptees")
    assert "Confirm 1 supervision session" in page.content()
    assert_accessible(page)
    page.goto(timeline)
    page.click("button:has-text('Confirm session on 5 November 2026')")
    page.wait_for_selector("text=confirmed")
    page.goto(milestone)
    page.click("button:has-text('Save and sign')")
    page.wait_for_selector("text=Review signed")
    sign_out(page)

    # Priya signs last: the learning agreement is complete; the cohort shows Sam.
    sign_in(page, site.url, LEAD)
    page.goto(milestone)
    page.click("button:has-text('Save and sign')")
    page.wait_for_selector("text=Completed")
    assert "not signed yet" not in page.content()
    assert_accessible(page)
    page.goto(f"{site.url}/programmes/cohort?state=all")
    assert "Sam Preceptee" in page.content()
    assert_accessible(page)
