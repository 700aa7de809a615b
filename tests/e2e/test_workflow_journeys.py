"""Browser journeys for "What needs you" and sign-off as a conversation, at 1280 px and 320 px, axe on every page."""
from __future__ import annotations

import re

import pytest

from tests.fixtures.browser import assert_accessible, sign_in

pytestmark = pytest.mark.browser

WIDTHS = (1280, 320)
PRACTITIONER, PRECEPTOR = "sam@example.org", "tom@example.org"
FEEDBACK = "Add what guidance informed your plan, please."
REPLY = "I followed the NICE falls guideline; it is named in my notes now."
FACTS: dict = {}

# What each demo role's home shows waiting (from `flask demo seed`).
DEMO_HOMES = [
    ("preceptee@demo.test", ["ER-REG-01 returned by Tom Hughes", "Sign your 3-month review: due in"]),
    ("preceptor@demo.test", ["Sam Okafor: PP-REG-04", "Jordan Lee: ER-SSW-01", "Sign Sam Okafor's 3-month review"]),
    ("lead@demo.test", ["Sign-off requests to review", "Ellie Novak is not on a preceptorship programme",
                        "Ellie Novak brought a passport to Wessex Valley NHS Foundation Trust"]),
    ("admin@demo.test", ["Ellie Novak brought a passport"]),
    ("analyst@demo.test", ["Across your region", "newly registered not enrolled within 60 days"]),
    ("editor@demo.test", ["1.2.0 is a draft waiting for review"]),
    ("ota@demo.test", ["Tom Hughes wrote about ER-SSW-01"]),
    ("trust.preceptor@demo.test", ["Supervision with Aisha Rahman is overdue"]),
    ("apprentice@demo.test", ["Off-the-job training is"]),
    ("ellie.novak@demo.test", ["Get your account ready", "Have a named preceptor"]),
]


def assert_fits(page, width: int) -> None:
    """No sideways scrolling of the page at this width (WCAG 1.4.10)."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll} px wide at {width} px"


def check(page, width: int) -> None:
    assert_accessible(page)
    assert_fits(page, width)


def seed_demo(app):
    from competency.demo.commands import run_seed

    run_seed()


@pytest.fixture
def demo_site(make_live_server):
    return make_live_server("demo", seed=seed_demo)


def test_every_demo_role_sees_what_needs_them(demo_site, page):
    for email, expected in DEMO_HOMES:
        for width in WIDTHS:
            page.context.clear_cookies()
            page.set_viewport_size({"width": width, "height": 900})
            sign_in(page, demo_site.url, email)
            page.goto(f"{demo_site.url}/")
            page.wait_for_selector("h2:has-text('What needs you')")
            text = " ".join(page.locator("main").inner_text().split())
            for phrase in expected:
                assert phrase in text, f"{email} at {width} px: {phrase!r} not in {text[:1500]}"
            check(page, width)
    # One click from acting: the preceptee's returned request opens its conversation.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, demo_site.url, "preceptee@demo.test")
    page.click("a:has-text('ER-REG-01 returned by Tom Hughes')")
    page.wait_for_selector("h2#conversation")
    assert "add what research or guidance informed your proposal" in page.content()
    check(page, 1280)


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
       b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def seed_conversation(app):
    from competency.evidence import services as evidence_services
    from tests.evidence_support import capability, log_evidence, signoff_world

    world = signoff_world()
    world.practitioner.email, world.preceptor.email = PRACTITIONER, PRECEPTOR
    second = capability(world.version, "registered", "leadership")
    evidence = log_evidence(world.practitioner, [world.registered_cap, second], title="Falls prevention visit")
    evidence_services.add_attachment(evidence, world.practitioner, filename="grab-rail.png", data=PNG)
    FACTS.update(capability=world.registered_cap.uuid, code=world.registered_cap.code, second=second.code)


@pytest.fixture
def conversation_site(make_live_server):
    return make_live_server("conversation", seed=seed_conversation)


def switch(page, site, email: str) -> None:
    page.context.clear_cookies()
    sign_in(page, site.url, email)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_request_returned_replied_to_and_sent_again(conversation_site, page, width):
    site = conversation_site
    page.set_viewport_size({"width": width, "height": 900})
    code = FACTS["code"]

    # Two capabilities in one go.
    sign_in(page, site.url, PRACTITIONER)
    page.goto(f"{site.url}/progress/requests")
    page.click("a:has-text('Ask for several capabilities at once')")
    page.wait_for_selector("h1:has-text('Ask for sign-off of several capabilities')")
    check(page, width)
    page.check(f"label:has-text('{code}')")
    page.check(f"label:has-text('{FACTS['second']}')")
    page.check("label:has-text('Tom Preceptor')")
    page.fill("#message", "Both came from the same visit.")
    page.click("button:has-text('Send requests')")
    page.wait_for_selector("text=2 requests sent to Tom Preceptor")
    check(page, width)

    # The preceptor opens it from the home page, sees the file in place, and returns it with feedback.
    switch(page, site, PRECEPTOR)
    page.click(f"a:has-text('Sam Preceptee: {code}')")
    page.wait_for_selector("h2:has-text('Your decision')")
    image = page.locator("img[alt^='grab-rail.png']")
    # The preview loads lazily: at 320 px it is below the fold until the reader scrolls to it.
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=10_000)
    check(page, width)
    page.check("label:has-text('Return it with feedback')")
    page.fill("#comment", FEEDBACK)
    page.click("button:has-text('Record decision')")
    page.wait_for_url(re.compile(r"/review/$"))

    # The practitioner sees it on their home page, tries to send it unchanged, is told why not, replies, resends.
    switch(page, site, PRACTITIONER)
    assert FEEDBACK in page.locator("main").inner_text()
    check(page, width)
    page.click(f"a:has-text('{code} returned by Tom Preceptor')")
    page.wait_for_selector("h2#conversation")
    check(page, width)
    page.click("a:has-text('Ask for sign-off again')")
    page.wait_for_selector(f"h1:has-text('Ask for sign-off of {code} again')")
    assert page.locator("input[name=assessor_id]:checked").count() == 1  # back to the same reviewer
    check(page, width)
    page.click("button:has-text('Send request again')")
    page.wait_for_selector(".nhsuk-error-summary")
    assert "Nothing has changed since Tom Preceptor returned your request" in page.content()
    check(page, width)
    page.click("a:has-text('the conversation')")
    page.wait_for_selector("h2#conversation")
    page.fill("#body", REPLY)
    page.click("button:has-text('Send message')")
    page.wait_for_selector("text=Your message has been sent.")
    check(page, width)
    page.click("a:has-text('Ask for sign-off again')")
    page.click("button:has-text('Send request again')")
    page.wait_for_selector("text=Sent again after it was returned")
    check(page, width)

    # The preceptor is told, opens the notification (now read), and sees the whole thread on the new request.
    switch(page, site, PRECEPTOR)
    page.goto(f"{site.url}/notifications")
    check(page, width)
    page.click("a:has-text('sent PP-5-01 again after feedback')")
    page.wait_for_selector("text=Sent again after it was returned")
    main = page.locator("main").inner_text()
    assert FEEDBACK in main and REPLY in main
    assert main.index(FEEDBACK) < main.index(REPLY)
    check(page, width)
    page.goto(f"{site.url}/notifications")
    opened = page.locator("main li", has_text="sent PP-5-01 again after feedback")
    assert not opened.locator("text=New").count()
