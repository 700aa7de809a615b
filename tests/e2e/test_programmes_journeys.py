"""Browser journeys on a live server: enrol, sign a review as each party, supervise, check in, cohort view.

Every page on the way passes axe-core.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.fixtures.browser import assert_accessible, fill_date, sign_in, sign_out

pytestmark = pytest.mark.browser

LEAD, PRECEPTOR, PRECEPTEE = "priya@example.org", "tom@example.org", "sam@example.org"
# Dates relative to today: a programme start must be within the last 12 months.
START = date.today() - timedelta(days=30)
EMPLOYED, SESSION = START - timedelta(days=14), START + timedelta(days=3)


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def seed(app):
    from tests.programmes_support import make_team

    team = make_team(employment_start=EMPLOYED)
    team.lead.email, team.preceptor.email, team.practitioner.email = LEAD, PRECEPTOR, PRECEPTEE


@pytest.fixture
def site(make_live_server):
    return make_live_server("programmes", seed=seed)


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
    fill_date(page, "#start_on", START)
    page.click("button:has-text('Continue')")
    page.wait_for_selector("h1:has-text('Check your answers before enrolling Sam Preceptee')")
    assert_accessible(page)
    page.click("button:has-text('Enrol Sam Preceptee')")
    page.wait_for_selector("h1:has-text(\"Sam Preceptee's programme\")")
    assert long_date(START + timedelta(days=14)) in page.content()  # learning agreement: day 14
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
    page.wait_for_selector("text=You signed the learning agreement")
    assert_accessible(page)
    page.goto(timeline)
    page.click("a:has-text('Record supervision')")
    page.wait_for_selector("h1:has-text('Record a supervision session')")
    assert_accessible(page)
    fill_date(page, "#held_on", SESSION)
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
    page.click(f"button:has-text('Confirm session on {long_date(SESSION)}')")
    page.wait_for_selector("text=confirmed")
    page.goto(milestone)
    page.fill("#preceptor_feedback", "A confident start; weekly supervision agreed.")
    page.click("button:has-text('Save and sign')")
    page.wait_for_selector("text=You signed the learning agreement")
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


def seed_rich(app):
    """A moderated programme with a pause, gaps, protected time and check-ins, awaiting the panel."""
    from competency.preceptorship import logs, services
    from competency.preceptorship.models import PauseReason
    from tests.programmes_support import enrol_on, make_team

    team = make_team(employment_start=date(2025, 9, 1))
    team.lead.email = LEAD
    enrolment = enrol_on(team, "ot-social-care-asye", start_on=date(2025, 9, 8), on=date(2025, 9, 8))
    for day in (date(2025, 9, 12), date(2025, 9, 19), date(2025, 10, 20)):
        logs.record_supervision(enrolment, held_on=day, minutes=90, topics="Caseload", by=team.preceptor, on=day)
    logs.record_supervision(enrolment, held_on=date(2025, 10, 27), minutes=45, by=team.practitioner,
                            on=date(2025, 10, 27))
    logs.record_protected_time(enrolment, taken_on=date(2025, 9, 17), minutes=210, activity="Reading",
                               by=team.practitioner, on=date(2025, 9, 17))
    for day, level in ((date(2025, 9, 9), 2), (date(2025, 12, 1), 3), (date(2026, 3, 2), 4)):
        logs.record_checkin(enrolment, checked_on=day, wellbeing=level, ratings={
            code: level for code in enrolment.template_version.checkin_pillars}, by=team.practitioner, on=day)
    services.record_pause(enrolment, start_on=date(2026, 1, 5), end_on=date(2026, 2, 3),
                          reason=PauseReason.parental_leave, by=team.lead, on=date(2026, 1, 5))
    enrolment.milestone("final_review").completed_on = date(2026, 10, 1)
    enrolment.milestone("final_review").reflection = "A year of growth"


def test_every_programme_page_of_a_rich_programme_is_accessible(make_live_server, page):
    site = make_live_server("rich", seed=seed_rich)
    sign_in(page, site.url, LEAD)
    page.goto(f"{site.url}/programmes/cohort?state=all")
    page.click("table a:has-text('Sam Preceptee')")
    page.wait_for_selector("h3:has-text('Gaps in supervision')")
    assert "shorter than 90 minutes" in page.content()
    assert_accessible(page)
    timeline = page.url
    for path, heading in [("/milestones/review_6m", "Mid-point review"),
                          ("/milestones/final_review", "Final review"),
                          ("/moderation", "moderation panel"),
                          ("/fte", "FTE"), ("/withdraw", "Withdraw"), ("/pauses/1", "Change a pause")]:
        page.goto(timeline + path)
        page.wait_for_selector(f"h1:has-text('{heading}')")
        assert_accessible(page)
    page.goto(timeline + "/moderation")
    page.check("label:has-text('Completion confirmed')")
    page.click("button:has-text('Record decision')")
    page.wait_for_selector("text=The panel's decision is recorded")
    assert "Completed" in page.content()
    assert_accessible(page)
    page.goto(f"{site.url}/programmes/preceptees")
    assert_accessible(page)
