"""Browser journeys: a lead reads the organisation dashboard and downloads a table; an analyst reads
the suppressed system view. axe-core on each page."""
from __future__ import annotations

import re

import pytest

from tests.fixtures.browser import assert_accessible, click_menu_link, sign_in

pytestmark = pytest.mark.browser

FACTS: dict = {}


def seed(app):
    from tests.reports_support import region

    world = region(30, organisations=3)
    FACTS["lead"], FACTS["analyst"] = world.lead.email, world.analyst.email
    FACTS["org"] = world.orgs[0].name


@pytest.fixture
def site(make_live_server):
    return make_live_server("reports", seed=seed)


def test_a_lead_reads_the_dashboard_and_downloads_a_table(site, page):
    sign_in(page, site.url, FACTS["lead"])
    click_menu_link(page, "Reports")
    page.wait_for_selector("h1:has-text('Organisation dashboard')")
    assert_accessible(page)
    for heading in ("Workforce by level of practice", "Preceptorship", "Sign-off turnaround",
                    "Progression pipeline", "Confidence across the cohort", "Workforce insight"):
        assert page.locator(f"h2:has-text('{heading}')").count() == 1
    # Every chart is an image with a name, beside a table holding its figures.
    charts = page.locator("svg[role='img']")
    assert charts.count() == 6
    assert page.locator("svg[role='img'] title").first.text_content()
    link = page.locator("a:has-text('Download “People by profession and level of practice” as CSV')")
    response = page.request.get(site.url + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.text().startswith("Profession,")
    # The contents list jumps to a section.
    page.click("a.nhsuk-contents-list__link:has-text('Sign-off turnaround')")
    assert page.url.endswith("#section-turnaround")


def test_an_analyst_reads_the_system_view_with_small_numbers_hidden(site, page):
    sign_in(page, site.url, FACTS["analyst"])
    page.goto(f"{site.url}/reports/")
    page.wait_for_url(re.compile(r"/reports/system$"))
    page.wait_for_selector("h1:has-text('System view')")
    assert_accessible(page)
    assert FACTS["org"] in page.content()
    shown = [c.strip() for c in page.locator("td").all_text_contents()]
    assert "<5" in shown
    assert not {"1", "2", "3", "4"} & set(shown)
