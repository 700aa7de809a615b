"""Browser journeys through the framework browser and the editor's upload-review-publish flow, with axe-core."""
from __future__ import annotations

import re

import pytest

from tests.fixtures.browser import assert_accessible, sign_in
from tests.unit.frameworks_helpers import SHIPPED, SLUG

pytestmark = pytest.mark.browser


def seed(app):
    from tests.factories import make_person
    from tests.unit.frameworks_helpers import import_shipped

    import_shipped()
    make_person("practitioner", email="practitioner@example.org", display_name="Sam Practitioner")
    make_person("framework_editor", email="editor@example.org", display_name="Dana Editor", employed=False)


@pytest.fixture
def site(make_live_server):
    return make_live_server("frameworks", seed=seed)


def test_practitioner_browses_matrix_capability_and_crosswalk(site, page):
    sign_in(page, site.url, "practitioner@example.org")
    page.goto(f"{site.url}/frameworks/")
    assert_accessible(page)
    page.click("text=Shared multiprofessional capability framework")
    page.wait_for_selector("#matrix-caption")
    assert page.locator("table.app-matrix tbody tr").count() == 8
    assert_accessible(page)

    page.select_option("#sector", "health")
    page.click("button:has-text('Show capabilities')")
    page.wait_for_url(re.compile(r"sector=health"))
    assert "IW-SSW-03" not in page.content()
    assert_accessible(page)

    page.click("a:has-text('PP-SUP-03')")
    page.wait_for_selector("h1:has-text('PP-SUP-03')")
    assert page.locator("text=What good evidence looks like").is_visible()
    assert page.locator("text=Safeguarding adults").first.is_visible()
    assert_accessible(page)

    page.goto(f"{site.url}/frameworks/{SLUG}/crosswalk")
    row = page.locator("tr:has(th:has-text('Enhanced practitioner'))")
    assert "Band 6" in row.inner_text() and "KR10" in row.inner_text()
    assert_accessible(page)


def test_editor_uploads_reviews_and_publishes_a_new_version(site, page, tmp_path):
    text = (SHIPPED / "shared-capability-framework.yaml").read_text().replace('version: "1.0.0"', 'version: "1.1.0"')
    text = text.replace("    statement: >-\n      Practises autonomously within their scope",
                        "    revision: 2\n    statement: >-\n      Practises safely and autonomously within their scope")
    new_file = tmp_path / "framework-1.1.0.yaml"
    new_file.write_text(text)
    sneaky = tmp_path / "framework-1.0.0.yaml"
    sneaky.write_text((SHIPPED / "shared-capability-framework.yaml").read_text().replace("delegated tasks safely", "any task"))

    sign_in(page, site.url, "editor@example.org")
    page.goto(f"{site.url}/frameworks/upload")
    assert_accessible(page)

    page.set_input_files("#file", str(sneaky))
    page.click("button:has-text('Check and save as draft')")
    page.wait_for_selector(".nhsuk-error-summary")
    assert "1.0.0 is published and cannot be changed" in page.inner_text(".nhsuk-error-summary")
    assert_accessible(page)

    page.set_input_files("#file", str(new_file))
    page.click("button:has-text('Check and save as draft')")
    page.wait_for_selector("h1:has-text('Review version 1.1.0')")
    assert "PP-REG-01" in page.inner_text("table")
    assert_accessible(page)

    page.click("a:has-text('Publish version 1.1.0')")
    page.wait_for_selector("h1:has-text('Publish version 1.1.0?')")
    assert_accessible(page)
    page.click("button:has-text('Publish version 1.1.0')")
    page.wait_for_selector("h1:has-text('Versions and downloads')")
    assert "Published Shared multiprofessional capability framework 1.1.0" in page.content()
    assert page.locator("tr:has-text('1.1.0')").locator("text=Published").count() == 1
    assert_accessible(page)
