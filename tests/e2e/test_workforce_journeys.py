"""Browser journeys across organisations on a live server: the ICS grants a trust consultant, who signs off a
council OT; the council hosts a student's placement; a preceptor logs time and training; a lead changes
preceptor. Every new page passes axe-core."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from competency.extensions import db
from competency.frameworks.models import FrameworkVersion
from tests.evidence_support import capability
from tests.fixtures.browser import assert_accessible, fill_date, sign_in, sign_out

pytestmark = pytest.mark.browser

EMAILS = {"ics_lead": "morgan@ics.example.org", "council_lead": "priya@council.example.org",
          "council_ot": "olu@council.example.org", "trust_consultant": "ana@trust.example.org",
          "council_preceptor": "tom@council.example.org", "student": "casey@uni.example.org"}


def seed(app):
    from competency.grants.standing import uk_today
    from competency.preceptorship import catalogue, services
    from tests.evidence_support import log_evidence
    from tests.workforce_support import one_workforce_world

    w = one_workforce_world()
    for name, email in EMAILS.items():
        getattr(w, name).email = email
    log_evidence(w.council_ot, [w.consultant_cap], title="Consultancy across three organisations",
                 occurred_on=uk_today() - timedelta(days=3))
    template = {v.template.slug: v for v in catalogue.ensure_shipped_templates()}["ahp-preceptorship"]
    start = w.council_ot.employments[0].start_on + timedelta(days=7)
    services.enrol(practitioner=w.council_ot, template=template, organisation=w.council,
                   preceptor=w.council_preceptor, lead=w.council_lead, start_on=start, by=w.council_lead, on=start)


@pytest.fixture
def site(make_live_server):
    return make_live_server("workforce", seed=seed)


def consultant_capability_uuid(site) -> str:
    """The seeded framework's first consultant-level capability (its slug is generated per run)."""
    with site.app.app_context():
        version = db.session.scalars(sa.select(FrameworkVersion)).first()
        return capability(version, "consultant").uuid


def user_id(site, email: str) -> int:
    from competency.accounts.services import find_user_by_email

    with site.app.app_context():
        return find_user_by_email(email).id


def test_an_ics_grant_lets_a_trust_consultant_sign_off_a_council_ot(site, page):
    from competency.grants.standing import uk_today

    today = uk_today()
    sign_in(page, site.url, EMAILS["ics_lead"])
    page.goto(f"{site.url}/grants/")
    assert_accessible(page)
    page.click("a:has-text('Grant assessing or precepting rights')")
    page.wait_for_selector("h1:has-text('Grant assessing or precepting rights')")
    assert_accessible(page)
    page.check("input[name=kind][value=assessor]")
    page.fill("#email", EMAILS["trust_consultant"])
    page.select_option("#grantee_organisation_id", label="Valley NHS Trust")
    fill_date(page, "#starts_on", today)
    fill_date(page, "#ends_on", today + timedelta(days=365))
    page.check("label:has-text('Consultant practitioner')")
    page.fill("#reason", "No consultant OT in council teams.")
    page.click("button:has-text('Make the grant')")
    page.wait_for_selector("h1:has-text('Grant to Dr Ana Consultant')")
    assert "Valley NHS Trust" in page.content()
    assert_accessible(page)
    sign_out(page)

    sign_in(page, site.url, EMAILS["council_ot"])
    uuid = consultant_capability_uuid(site)
    page.goto(f"{site.url}/progress/capabilities/{uuid}/request")
    assert "Valley NHS Trust, assessor granted by Downs ICS AHP Faculty" in page.content()
    page.check(f"input[name=assessor_id][value=\"{user_id(site, EMAILS['trust_consultant'])}\"]")
    page.click("button:has-text('Send request')")
    page.wait_for_url(re.compile(r"/review/requests/\d+"))
    request_url = page.url
    sign_out(page)

    sign_in(page, site.url, EMAILS["trust_consultant"])
    page.goto(f"{site.url}/review/")
    assert "Olu Council-OT" in page.content()
    page.goto(request_url)
    page.check("input[name=decision][value=sign]")
    page.click("button:has-text('Record decision')")
    page.wait_for_url(re.compile(r"/review/?$"))
    sign_out(page)

    sign_in(page, site.url, EMAILS["council_ot"])
    page.goto(f"{site.url}/passport/")
    content = page.content()
    assert "Dr Ana Consultant" in content and "Valley NHS Trust" in content
    assert_accessible(page)


def test_placements_preceptor_records_and_a_change_of_preceptor(site, page):
    from competency.grants.standing import uk_today

    today = uk_today()
    sign_in(page, site.url, EMAILS["council_lead"])
    page.goto(f"{site.url}/placements/")
    assert_accessible(page)
    page.click("a:has-text('Set up a placement')")
    page.wait_for_selector("h1:has-text('Set up a placement')")
    assert_accessible(page)
    page.fill("#email", EMAILS["student"])
    page.check("input[name=learner_kind][value=student]")
    page.select_option("#home_organisation_id", label="University of the Downs")
    page.select_option("#supervisor_id", label="Tom Council")
    fill_date(page, "#starts_on", today)
    fill_date(page, "#ends_on", today + timedelta(days=42))
    page.click("button:has-text('Set up the placement')")
    page.wait_for_selector("h1:has-text(\"Casey Student's placement\")")
    assert_accessible(page)
    page.goto(f"{site.url}/grants/")
    assert_accessible(page)
    page.goto(f"{site.url}/programmes/cohort")
    page.click("a:has-text('Olu Council-OT')")
    page.click("a:has-text('Change preceptor')")
    page.wait_for_selector("h1:has-text('Change preceptor')")
    assert_accessible(page)
    page.select_option("#preceptor_id", label="Priya Lead")
    page.check("input[name=reason][value=preceptor_absent]")
    page.fill("#detail", "Tom is on long-term leave.")
    page.click("button:has-text('Change preceptor')")
    page.wait_for_selector("text=Both preceptors and the preceptee have been told")
    sign_out(page)

    sign_in(page, site.url, EMAILS["council_preceptor"])
    page.goto(f"{site.url}/preceptors/")
    page.wait_for_selector("h1:has-text('Your preceptor record')")
    assert_accessible(page)
    page.click("a:has-text('Log preceptor time')")
    page.wait_for_selector("h1:has-text('Log preceptor time')")
    assert_accessible(page)
    page.fill("#minutes", "90")
    page.fill("#activity", "Preceptor peer-support group")
    page.click("button:has-text('Log the time')")
    page.wait_for_selector("text=1.5 hours in the 12 months")
    page.click("a:has-text('Record preceptor training')")
    page.wait_for_selector("h1:has-text('Record preceptor training')")
    assert_accessible(page)
    page.fill("#course", "Multiprofessional preceptor programme")
    fill_date(page, "#completed_on", today - timedelta(days=100))
    page.click("button:has-text('Save the training')")
    page.wait_for_selector("td:has-text('Does not expire')")
    assert_accessible(page)
