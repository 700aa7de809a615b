"""Browser journeys for #15.6-15.10: the evidence form on a phone and a desktop (capability picker, an
over-size upload refused on the form with everything typed kept, several files), and the passport page
with each capability's statement. axe-core runs at 1280 px and 320 px on each page."""
from __future__ import annotations

import re

import pytest

from tests.fixtures.browser import assert_accessible, sign_in

pytestmark = pytest.mark.browser

PRACTITIONER = "sam@example.org"
FACTS: dict = {}


def seed(app):
    from tests.evidence_support import capability, signoff_world
    from tests.passport_support import signed_off

    world = signoff_world()
    world.practitioner.email, world.preceptor.email = PRACTITIONER, "tom@example.org"
    signed_off(world, world.support_cap)
    FACTS.update(registered=world.registered_cap, leadership=capability(world.version, "registered", "leadership"),
                 advanced=world.advanced_cap, support=world.support_cap)
    FACTS.update({key: (value.uuid, value.code) for key, value in list(FACTS.items())})


@pytest.fixture
def site(make_live_server):
    return make_live_server("frontend", seed=seed)


def shown(page) -> set[str]:
    return set(page.eval_on_selector_all("[data-picker-item]:not([hidden]) input", "els => els.map(e => e.value)"))


def test_the_evidence_form_keeps_everything_when_a_file_is_too_big(site, page, tmp_path):
    sign_in(page, site.url, PRACTITIONER)
    page.goto(f"{site.url}/evidence/new")
    assert "Each file can be up to 20 MB." in page.content()
    assert_accessible(page, narrow=True)

    # The picker starts at Sam's level (registered) and filters as Sam types, without a page load.
    registered, leadership, advanced = FACTS["registered"][0], FACTS["leadership"][0], FACTS["advanced"][0]
    assert shown(page) == {registered, leadership}
    assert page.locator("[data-picker-apply]").count() == 0  # the no-JavaScript button is not needed
    page.select_option("#capability_level", "all")
    page.fill("#capabilities", FACTS["advanced"][1].lower())
    page.wait_for_function("() => document.querySelectorAll('[data-picker-item]:not([hidden])').length === 1")
    assert shown(page) == {advanced}
    page.check(f"#cap-{advanced}")
    page.fill("#capabilities", "")
    page.select_option("#capability_level", "registered")
    assert shown(page) == {registered, leadership, advanced}  # a chosen capability stays in view
    page.wait_for_selector("[data-picker-count]:has-text('3 of 16 capabilities shown, 1 chosen.')")

    page.check("label:has-text('Certificate')")
    page.fill("#title", "Moving and handling update")
    page.fill("#occurred_on-day", "3")
    page.fill("#occurred_on-month", "11")
    page.fill("#occurred_on-year", "2026")
    page.fill("#text", "Half-day course: hoists, slide sheets and a risk assessment.")
    big = tmp_path / "course-slides.pdf"
    with big.open("wb") as handle:
        handle.write(b"%PDF-1.4\n")
        handle.truncate(25 * 1024 * 1024)
    notes = tmp_path / "notes.txt"
    notes.write_text("What I learned.\n")
    page.set_input_files("#file", [str(big), str(notes)])
    # The app's own module warns at once, before the long upload.
    page.wait_for_selector("#file-size-error:has-text('is 25 MB, more than the 20 MB limit')")
    page.click("button:has-text('Save evidence')")

    # Refused on the form, not on a bare 413 page, with the limit stated and nothing typed lost.
    page.wait_for_selector(".nhsuk-error-summary")
    content = page.content()
    assert "\u201ccourse-slides.pdf\u201d is 25 MB, more than the 20 MB limit for each file" in content
    assert "You chose notes.txt. Files are not kept until the evidence is saved" in content
    assert page.input_value("#title") == "Moving and handling update"
    assert page.input_value("#occurred_on-year") == "2026"
    assert page.input_value("#text").startswith("Half-day course")
    assert page.is_checked("label:has-text('Certificate')") and page.is_checked(f"#cap-{advanced}")
    assert_accessible(page, narrow=True)
    page.click(".nhsuk-error-summary a[href='#file']")
    assert page.evaluate("() => document.activeElement.id") == "file"

    # Two acceptable files: both attached.
    slides = tmp_path / "slides.pdf"
    slides.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.set_input_files("#file", [str(slides), str(notes)])
    page.click("button:has-text('Save evidence')")
    page.wait_for_selector("h1:has-text('Moving and handling update')")
    assert "slides.pdf" in page.content() and "notes.txt" in page.content()
    assert_accessible(page, narrow=True)


def test_the_passport_page_says_what_each_capability_is(site, page):
    sign_in(page, site.url, PRACTITIONER)
    page.goto(f"{site.url}/passport/")
    code = FACTS["support"][1]
    assert re.search(rf"{code}</span>.*</a> Statement for {code}", page.content())
    assert_accessible(page, narrow=True)
