"""Browser journey: an editor brings in a framework from another CASE tool, maps it and gets a draft, with axe-core."""
from __future__ import annotations

import pytest

from tests.case_support import FIXTURES
from tests.fixtures.browser import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def seed(app):
    from tests.factories import make_person

    make_person("framework_editor", email="editor@example.org", display_name="Dana Editor", employed=False)


@pytest.fixture
def site(make_live_server):
    return make_live_server("case-frameworks", seed=seed)


def test_editor_brings_in_a_case_package_and_maps_it_to_a_draft(site, page, tmp_path):
    sign_in(page, site.url, "editor@example.org")
    page.goto(f"{site.url}/frameworks/references/")
    assert "No framework has been brought in yet" in page.content()
    assert_accessible(page)

    page.click("text=Bring in a framework")
    page.wait_for_selector("h1:has-text('Bring in a framework')")
    broken = tmp_path / "broken.json"
    broken.write_text('{"CFDocument": {"identifier": "x"}}')
    page.set_input_files("#file", str(broken))
    page.click("button:has-text('Bring it in')")
    page.wait_for_selector(".nhsuk-error-summary")
    assert "CFDocument.title is missing" in page.inner_text(".nhsuk-error-summary")
    assert_accessible(page)

    page.set_input_files("#file", str(FIXTURES / "packages" / "SmartLevelFramework.json"))
    page.click("button:has-text('Bring it in')")
    page.wait_for_selector("h1:has-text('Map SmartLevel Test')")
    assert page.locator("#role_0").input_value() == "pillar" and page.locator("#role_1").input_value() == "capability"
    assert_accessible(page)

    page.fill("#slug", "Smart Level")
    page.click("button:has-text('Create the draft framework')")
    page.wait_for_selector(".nhsuk-error-summary")
    assert "lowercase words joined by hyphens" in page.inner_text(".nhsuk-error-summary")
    assert_accessible(page)

    page.fill("#slug", "smart-level")
    page.fill("#level_name", "Foundation")
    page.click("button:has-text('Create the draft framework')")
    page.wait_for_selector("h1:has-text('Review version 1.0.0')")
    assert "saved as a draft with the source identifiers" in page.content()
    assert_accessible(page)


def test_editor_maps_a_typed_three_level_package_clusters_to_pillars(site, page):
    """OpenSALT's "What Standards Could Be": Cluster, Standard and Component items; the proposal is confirmed with a level chosen."""
    sign_in(page, site.url, "editor@example.org")
    page.goto(f"{site.url}/frameworks/references/import")
    page.set_input_files("#file", str(FIXTURES / "samples" / "opensalt-framework-20c5134f-423d-4097-a971-3dd5152bf507.json"))
    page.click("button:has-text('Bring it in')")
    page.wait_for_selector("h1:has-text('Map What Standards Could Be')")
    assert "16 items and 39 associations" in page.content()
    labels = [page.inner_text(f"label[for=role_{i}]").strip() for i in range(3)]
    assert labels == ["Items of type Cluster", "Items of type Standard", "Items of type Component"]
    assert [page.locator(f"#role_{i}").input_value() for i in range(3)] == ["pillar", "capability", "capability"]
    assert_accessible(page)

    page.check("input[name=level_source][value=single]")
    page.fill("#level_name", "Middle school")
    page.click("button:has-text('Create the draft framework')")
    page.wait_for_selector("h1:has-text('Review version 1.0.0')")
    assert "saved as a draft with the source identifiers" in page.content()
    assert page.inner_text("div.nhsuk-summary-list__row:has-text('Capabilities added') dd").strip() == "14"
    assert_accessible(page)

    page.click("text=See all capabilities in version 1.0.0")
    page.wait_for_selector("#matrix-caption")
    content = page.content()
    assert "Understand ratio concepts" in content and "Middle school" in content and "CCSS-MATH-CONTENT-6-RP-A-3A" in content
    assert_accessible(page)

    page.goto(f"{site.url}/frameworks/references/")
    assert page.locator("td:has-text('What Standards Could Be')").count() == 1
    assert_accessible(page)
