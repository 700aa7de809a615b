"""Browser journeys for issue 16.4-16.9 pages: employment history and previous posts, with axe-core on each page."""
from __future__ import annotations

from datetime import date

import pytest

from tests.factories import OrganisationFactory, make_person
from tests.fixtures.browser import assert_accessible, fill_date, sign_in, sign_out

pytestmark = pytest.mark.browser


def seed_council(app) -> None:
    from competency.accounts.models import OrgKind, Sector

    council = OrganisationFactory(slug="downshire", name="Downshire County Council", kind=OrgKind.local_authority,
                                  sector=Sector.social_care)
    make_person("practitioner", council, level_code="senior_support", email="jordan@example.org",
                display_name="Jordan Lee", employed=True)
    make_person(["lead", "preceptor"], council, level_code="advanced", email="priya@example.org",
                display_name="Priya Shah")


def test_a_previous_post_is_declared_then_verified_by_a_lead(make_live_server, page):
    site = make_live_server("council", seed=seed_council)
    sign_in(page, site.url, "jordan@example.org")
    page.goto(f"{site.url}/passport/")
    page.click("a:has-text('Employment history and previous posts')")
    page.wait_for_selector("h1:has-text('Employment history')")
    assert_accessible(page)
    page.click("button:has-text('Add previous post')")  # empty: every problem is listed
    page.wait_for_selector(".nhsuk-error-summary")
    assert "Enter the employer's name" in page.content()
    assert_accessible(page)
    page.fill("#employer_name", "Sunrise Care Home")
    page.fill("#role_title", "Senior care assistant")
    page.select_option("#level_code", "senior_support")
    fill_date(page, "#start_on", date(2023, 1, 2))
    fill_date(page, "#end_on", date.today().replace(day=1))
    page.click("button:has-text('Add previous post')")
    page.wait_for_selector("text=Not verified yet")
    assert_accessible(page)
    sign_out(page)

    sign_in(page, site.url, "priya@example.org")
    page.goto(f"{site.url}/passport/previous-posts")
    page.wait_for_selector("h1:has-text('Previous posts to verify')")
    assert "Jordan Lee: Senior care assistant at Sunrise Care Home" in page.content()
    assert_accessible(page)
    page.click("button:has-text('Verify this post')")  # no note: refused with a message
    page.wait_for_selector(".nhsuk-error-summary")
    assert_accessible(page)
    page.fill("textarea[name=note]", "Reference from the home manager")
    page.click("button:has-text('Verify this post')")
    page.wait_for_selector("text=Nothing to verify.")
    sign_out(page)

    sign_in(page, site.url, "jordan@example.org")
    page.goto(f"{site.url}/passport/history")
    assert "Reference from the home manager" in page.content()


def seed_demo(app) -> None:
    from competency.demo.commands import run_seed
    from competency.passport import resolver

    resolver.clear_caches()
    run_seed()


def test_the_lead_sees_insight_plans_blocks_and_local_words(make_live_server, page):
    import sqlalchemy as sa

    from competency.accounts.models import Organisation, User
    from competency.extensions import db
    from competency.progression.models import Apprenticeship

    site = make_live_server("demo", seed=seed_demo)
    with site.app.app_context():
        council = db.session.scalar(sa.select(Organisation).filter_by(slug="downshire-cc"))
        casey = db.session.scalar(sa.select(User).filter_by(email="apprentice@demo.test"))
        apprenticeship_id = db.session.scalar(sa.select(Apprenticeship.id).filter_by(user_id=casey.id))
        riley = db.session.scalar(sa.select(User).filter_by(email="support.worker@demo.test"))
        council_id, riley_id = council.id, riley.id
    sign_in(page, site.url, "lead@demo.test")

    page.goto(f"{site.url}/reports/organisation?organisation={council_id}")
    page.wait_for_selector("h2:has-text('Workforce insight')")
    assert "Support workforce in AHP services" in page.content()
    assert_accessible(page)

    page.goto(f"{site.url}/progression/apprenticeships/{apprenticeship_id}")
    page.wait_for_selector("h3:has-text('Planned schedule')")
    page.click("summary:has-text('Add to the planned schedule')")
    page.click("button:has-text('Add block')")  # nothing filled in: each problem listed
    page.wait_for_selector(".nhsuk-error-summary")
    assert_accessible(page)

    page.goto(f"{site.url}/frameworks/shared-capability-framework/crosswalk")
    page.wait_for_selector("h2:has-text('Downshire County Council: your titles and grades')")
    assert "spans Advanced practitioner and Consultant practitioner" in page.content()
    assert_accessible(page)
    sign_out(page)

    sign_in(page, site.url, "admin@demo.test")
    page.goto(f"{site.url}/admin/organisations/{council_id}/people/{riley_id}")
    assert "Downshire County Council uses:" in page.content()
    assert_accessible(page)
