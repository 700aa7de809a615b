"""The evidence form (#15.9): capability picker, three-box dates with plausible ranges, honest labels,
plain-English messages, and error summary links that land on an input."""
from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from competency.db import utcnow
from competency.evidence.models import Evidence
from competency.extensions import db
from tests.evidence_support import capability, signoff_world

LIBRARY_MESSAGES = ("Not a valid", "This field is required", "Field must be", "Field cannot be", "Invalid input",
                    "Invalid value")


@pytest.fixture
def world(db):
    return signoff_world()


class Page(HTMLParser):
    """Ids of form controls, the error summary's links, and the capability checkboxes shown."""

    def __init__(self, html: str):
        super().__init__()
        self.inputs: set[str] = set()
        self.summary_links: list[str] = []
        self.shown_capabilities: list[str] = []
        self._summary_depth = 0
        self._hidden_item = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag in ("input", "select", "textarea") and attributes.get("id"):
            self.inputs.add(attributes["id"])
        if tag == "div" and (self._summary_depth or "nhsuk-error-summary" in classes):
            self._summary_depth += 1
        elif self._summary_depth and tag == "a":
            self.summary_links.append(attributes.get("href", ""))
        if "data-picker-item" in attributes:
            self._hidden_item = "hidden" in attributes
        if tag == "input" and attributes.get("name") == "capabilities" and not self._hidden_item:
            self.shown_capabilities.append(attributes["value"])

    def handle_endtag(self, tag):
        if tag == "div" and self._summary_depth:
            self._summary_depth -= 1


def post(browser, data: dict):
    return browser.submit("/evidence/new", data)


def test_every_error_summary_link_lands_on_an_input(world, login, browser):
    """Before: the summary linked #kind and #occurred_on, which were no input (radios are kind-0...)."""
    login(world.practitioner)
    response = post(browser, {"title": "", "text": ""})
    page = Page(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "#kind-0" in page.summary_links and "#occurred_on-day" in page.summary_links
    assert page.summary_links and all(link[1:] in page.inputs for link in page.summary_links), page.summary_links


@pytest.mark.parametrize(("parts", "message", "target"), [
    (("", "", ""), "Enter the date this happened", "occurred_on-day"),
    (("12", "", "2026"), "The date must include a month", "occurred_on-month"),
    (("31", "2", "2026"), "The date must be a real date", "occurred_on-day"),
    (("3", "11", "26"), "Year must include 4 numbers", "occurred_on-year"),
    (("1", "6", "1899"), "The date must be on or after 1 January 1950", "occurred_on-year"),
    (("3", "Nov", "2099"), "The date must be today or in the past", "occurred_on-day"),
])
def test_dates_are_three_boxes_with_plain_messages_and_plausible_limits(world, login, browser, parts, message,
                                                                         target):
    """Before: a single ISO box, and 1899 was accepted."""
    login(world.practitioner)
    day, month, year = parts
    response = post(browser, {"kind": "reflection", "title": "Home visit", "text": "What I did.",
                              "occurred_on-day": day, "occurred_on-month": month, "occurred_on-year": year})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and f'href="#{target}"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0


def test_a_month_may_be_typed_as_a_name(world, login, browser):
    login(world.practitioner)
    response = post(browser, {"kind": "reflection", "title": "Home visit", "text": "What I did.",
                              "occurred_on-day": "3", "occurred_on-month": "Oct", "occurred_on-year": "2026"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Evidence.occurred_on)).isoformat() == "2026-10-03"


def test_the_api_refuses_an_implausible_date_too(world, db):
    from competency.errors import DomainError
    from tests.evidence_support import log_evidence

    with pytest.raises(DomainError) as refused:
        log_evidence(world.practitioner, occurred_on=utcnow().date().replace(year=1899))
    assert refused.value.rule == "date_implausible"


def test_junk_in_every_field_gets_our_messages_never_the_librarys(world, login, browser):
    """Before: "Not a valid choice." for the kind, and WTForms' length messages."""
    login(world.practitioner)
    response = post(browser, {"kind": "spaceship", "title": "x" * 300, "text": "y" * 20_001,
                              "what_happened": "z" * 20_001, "occurred_on-day": "aa", "occurred_on-month": "bb",
                              "occurred_on-year": "cccc", "feedback_source": "martian",
                              "capability_level": "nonsense", "capability_pillar": "nonsense",
                              "capabilities": ["not-a-uuid"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for library in LIBRARY_MESSAGES:
        assert library not in html
    for ours in ("Choose what kind of evidence this is", "The title must be 200 characters or fewer",
                 "The date must be a real date", "The description must be 20,000 characters or fewer",
                 "What happened must be 20,000 characters or fewer"):
        assert ours in html


def test_the_labels_say_what_is_optional_honestly(world, login, client):
    """Before: "Description (optional)", which the service then required."""
    login(world.practitioner)
    html = client.get("/evidence/new").get_data(as_text=True)
    assert re.search(r'<label[^>]*for="text">Description</label>', html)
    assert "you can use the three questions below instead" in html
    assert re.search(r'<label[^>]*for="file">Files \(optional\)</label>', html)
    assert re.search(r'<label[^>]*for="what_happened">What happened\? \(optional\)</label>', html)


def test_the_picker_starts_at_the_persons_level_and_keeps_chosen_ones_visible(world, login, client):
    """Before: every capability of the framework was listed (124 in the demo framework)."""
    login(world.practitioner)  # a registered practitioner
    leadership = capability(world.version, "registered", "leadership")
    preset = world.support_cap.uuid  # chosen from another level: shown whatever the filter
    page = Page(client.get(f"/evidence/new?capability={preset}").get_data(as_text=True))
    assert sorted(page.shown_capabilities) == sorted([world.registered_cap.uuid, leadership.uuid, preset])
    assert "3 of 16 capabilities shown, 1 chosen." in client.get(f"/evidence/new?capability={preset}").get_data(
        as_text=True)


def test_filtering_without_javascript_keeps_everything_typed_and_saves_nothing(world, login, browser):
    login(world.practitioner)
    response = post(browser, {"kind": "reflection", "title": "Supervising a student", "text": "I led the session.",
                              "occurred_on-day": "2", "occurred_on-month": "11", "occurred_on-year": "2026",
                              "capability_search": "LD", "capability_level": "all", "capability_pillar": "all",
                              "capabilities": [world.registered_cap.uuid], "picker": "filter"})
    html = response.get_data(as_text=True)
    page = Page(html)
    assert response.status_code == 200 and "There is a problem" not in html
    assert 'value="Supervising a student"' in html and "I led the session." in html
    leadership = {c.uuid for c in world.version.capabilities if c.pillar.code == "leadership"}
    assert set(page.shown_capabilities) == leadership | {world.registered_cap.uuid}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0


def test_the_picker_filters_by_pillar_and_search_words(world, login, browser):
    login(world.practitioner)
    response = post(browser, {"capability_search": "statement pp-5", "capability_level": "all",
                              "capability_pillar": "professional_practice", "picker": "filter"})
    page = Page(response.get_data(as_text=True))
    assert page.shown_capabilities == [capability(world.version, "registered").uuid]


def test_a_saved_evidence_links_capabilities_hidden_by_the_filter(world, login, browser):
    login(world.practitioner)
    response = post(browser, {"kind": "reflection", "title": "Home visit", "text": "What I did.",
                              "occurred_on-day": "2", "occurred_on-month": "11", "occurred_on-year": "2026",
                              "capability_level": "registered", "capabilities": [world.advanced_cap.uuid]})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Evidence)).capability_uuids == {world.advanced_cap.uuid}


def test_today_is_accepted_and_tomorrow_is_not(world, login, browser):
    login(world.practitioner)
    today = utcnow().date()
    for day, status in ((today + timedelta(days=1), 400), (today, 302)):
        response = post(browser, {"kind": "reflection", "title": "Home visit", "text": "What I did.",
                                  "occurred_on-day": str(day.day), "occurred_on-month": str(day.month),
                                  "occurred_on-year": str(day.year)})
        assert response.status_code == status
