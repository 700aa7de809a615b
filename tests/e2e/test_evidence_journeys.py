"""Browser journeys: log evidence with a file, ask, return, withdraw, sign, view progress; axe-core on each page."""
from __future__ import annotations

import re

import pytest

from tests.fixtures.browser import assert_accessible, sign_in, sign_out

pytestmark = pytest.mark.browser

PRACTITIONER, PRECEPTOR = "sam@example.org", "tom@example.org"
FACTS: dict = {}


def seed(app):
    from tests.evidence_support import signoff_world

    world = signoff_world()
    world.practitioner.email, world.preceptor.email = PRACTITIONER, PRECEPTOR
    FACTS["capability"] = world.registered_cap.uuid
    FACTS["code"] = world.registered_cap.code


@pytest.fixture
def site(make_live_server):
    return make_live_server("evidence", seed=seed)


def ask_for_signoff(page, site) -> None:
    page.goto(f"{site.url}/progress/capabilities/{FACTS['capability']}")
    page.click("a:has-text('Ask for sign-off')")
    page.wait_for_selector("h1:has-text('Ask for sign-off')")
    assert_accessible(page)
    page.check("label:has-text('Tom Preceptor')")
    page.fill("#message", "My first home visit on my own.")
    page.click("button:has-text('Send request')")
    page.wait_for_selector("text=Waiting for review")


def decide(page, site, decision: str, comment: str) -> None:
    page.goto(f"{site.url}/review/")
    assert_accessible(page)
    page.click("table a:has-text('Sam Preceptee')")
    page.wait_for_selector("h2:has-text('Your decision')")
    assert_accessible(page)
    page.check(f"label:has-text('{decision}')")
    page.fill("#comment", comment)
    page.click("button:has-text('Record decision')")
    page.wait_for_url(re.compile(r"/review/$"))


def test_log_request_return_withdraw_sign_and_see_progress(site, page, tmp_path):
    sign_in(page, site.url, PRACTITIONER)

    # Log evidence with a file, linked to the capability.
    page.goto(f"{site.url}/evidence/new")
    assert_accessible(page)
    page.fill("#title", "First solo home visit")
    page.fill("#occurred_on-day", "27")
    page.fill("#occurred_on-month", "10")
    page.fill("#occurred_on-year", "2026")
    page.fill("#text", "I assessed the bathroom and recommended a perching stool.")
    page.check(f"#cap-{FACTS['capability']}")
    notes = tmp_path / "visit-notes.txt"
    notes.write_text("Notes from the visit.\n")
    page.set_input_files("#file", str(notes))
    page.click("button:has-text('Save evidence')")
    page.wait_for_selector("h1:has-text('First solo home visit')")
    assert "visit-notes.txt" in page.content()
    assert_accessible(page)

    # A renamed executable is refused with a clear message.
    fake = tmp_path / "care-plan.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 64)
    page.set_input_files("#file", str(fake))
    page.click("button:has-text('Upload file')")
    page.wait_for_selector(".nhsuk-error-summary")
    assert "is a program, not a document" in page.content()
    assert_accessible(page)

    # Ask, and the preceptor returns it with feedback.
    ask_for_signoff(page, site)
    assert_accessible(page)
    sign_out(page)
    sign_in(page, site.url, PRECEPTOR)
    decide(page, site, "Return it with feedback", "Add a direct observation, please.")
    sign_out(page)

    # Ask again, then withdraw.
    sign_in(page, site.url, PRACTITIONER)
    page.goto(f"{site.url}/progress/capabilities/{FACTS['capability']}")
    assert "Add a direct observation, please." in page.content()
    assert_accessible(page)
    ask_for_signoff(page, site)
    page.click("button:has-text('Withdraw request')")
    page.wait_for_selector("text=Your request has been withdrawn.")
    assert_accessible(page)

    # Ask once more; the preceptor signs it off.
    ask_for_signoff(page, site)
    sign_out(page)
    sign_in(page, site.url, PRECEPTOR)
    decide(page, site, "Sign off this capability", "Safe, person-centred visit.")
    sign_out(page)

    # The practitioner sees it in their progress: the SVG summary, the table and the capability's history.
    sign_in(page, site.url, PRACTITIONER)
    page.goto(f"{site.url}/progress/")
    assert page.locator("svg.app-chart").count() == 1
    assert "1</strong> signed off" in page.content()
    assert_accessible(page)
    page.click("a:has-text('1 of 1 signed'):has-text('Registered practitioner')")
    page.wait_for_selector("h2#cell")
    assert_accessible(page)
    page.click(f"a:has-text('{FACTS['code']}')")
    page.wait_for_selector("text=Signed off by Tom Preceptor")
    assert "Returned by Tom Preceptor" in page.content() and "Withdrawn" in page.content()
    assert_accessible(page)
    page.click("a:has-text('See the sign-off')")
    page.wait_for_selector("h2:has-text('Evidence as it was signed')")
    assert_accessible(page)
    page.goto(f"{site.url}/evidence/")
    assert_accessible(page)
