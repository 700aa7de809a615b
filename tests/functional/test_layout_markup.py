"""The layout uses NHS.UK frontend 10 as shipped (#15.8): classes that exist, v10 footer and flash
markup, no font fetched from elsewhere. The browser journeys check that its JavaScript starts."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.evidence_support import signoff_world

STATIC = Path(__file__).resolve().parents[2] / "competency" / "static"
CSS = STATIC / "vendor" / "nhsuk" / "nhsuk-frontend.min.css"
JS = STATIC / "vendor" / "nhsuk" / "nhsuk-frontend.min.js"
# Hooks the design system's own templates use without styling them.
UNSTYLED_HOOKS = {"nhsuk-header__account-form", "nhsuk-header__navigation-item--current", "nhsuk-template", "nhsuk-template__body",
                  "nhsuk-pagination__link--prev", "nhsuk-pagination__link--next"}


@pytest.fixture
def world(db):
    return signoff_world()


def classes_in(html: str) -> set[str]:
    found = set()
    for value in re.findall(r'class="([^"]*)"', html):
        found.update(c for c in value.split() if c.startswith("nhsuk-"))
    return found


def test_the_stylesheet_fetches_no_font_from_elsewhere():
    css = CSS.read_text()
    assert "@font-face" not in css and "assets.nhs.uk" not in css


def test_every_design_system_class_on_these_pages_exists_in_nhsuk_frontend_10(world, login, client, browser):
    """Before: the footer used pre-v10 classes and error flashes nhsuk-inset-text--error."""
    css, js = CSS.read_text(), JS.read_text()
    login(world.practitioner)
    pages = [client.get("/evidence/new").get_data(as_text=True),
             browser.submit("/evidence/new", {"title": ""}).get_data(as_text=True)]
    evidence = browser.submit("/evidence/new", {
        "kind": "reflection", "title": "Visit", "text": "Notes", "occurred_on-day": "1", "occurred_on-month": "10",
        "occurred_on-year": "2026"}, follow_redirects=True)
    pages.append(evidence.get_data(as_text=True))  # with a success flash
    edit = client.get(evidence.request.path + "/edit")
    pages.append(client.get("/passport/").get_data(as_text=True))
    assert edit.status_code == 200
    unknown = {c for html in pages for c in classes_in(html)
               if not re.search(rf"\.{re.escape(c)}(?![\w-])", css) and c not in js and c not in UNSTYLED_HOOKS}
    assert not unknown


def test_the_footer_and_flashes_use_the_v10_markup(world, login, browser):
    login(world.practitioner)
    html = browser.submit("/evidence/new", {
        "kind": "reflection", "title": "Visit", "text": "Notes", "occurred_on-day": "1", "occurred_on-month": "10",
        "occurred_on-year": "2026"}, follow_redirects=True).get_data(as_text=True)
    assert '<div class="nhsuk-footer__meta">' in html and "nhsuk-footer__container" not in html
    assert re.search(r'class="nhsuk-notification-banner nhsuk-notification-banner--success"[^>]*role="alert"', html)
    assert "Evidence saved." in html


def test_an_error_flash_is_an_error_summary(world, login, client, db):
    from competency.signoff import services
    from competency.signoff.models import Outcome
    from tests.evidence_support import log_evidence

    evidence = log_evidence(world.practitioner, [world.registered_cap])
    request = services.request_signoff(world.practitioner, world.registered_cap, [evidence], world.preceptor)
    services.decide(request, world.preceptor, Outcome.sign)
    db.session.commit()
    login(world.practitioner)
    html = client.get(f"/evidence/{evidence.id}/edit", follow_redirects=True).get_data(as_text=True)
    assert "nhsuk-inset-text--error" not in html
    assert re.search(r'<div class="nhsuk-error-summary"[^>]*>\s*<div role="alert">\s*<h2 class="nhsuk-error-summary__heading">'
                     r"There is a problem</h2>\s*<div class=\"nhsuk-error-summary__body\"><p>This evidence has been cited",
                     html)


def test_the_app_module_marks_the_body_supported_before_starting_the_design_system():
    source = (STATIC / "js" / "app.js").read_text()
    assert source.index('"nhsuk-frontend-supported"') < source.index("initAll();")
