"""Enrolment with check-your-answers, plausible dates, an editable start date and an honest withdrawal page
(issue 15.5), through the real forms."""
from __future__ import annotations

import html
import re
from datetime import date

import pytest
import sqlalchemy as sa
import time_machine

from competency.audit.models import AuditEvent
from competency.extensions import db
from competency.preceptorship.models import Enrolment, EnrolmentStatus
from competency.reminders.models import Notification
from tests.programmes_support import enrol_on, make_team, shipped_templates


@pytest.fixture
def team(db):
    return make_team(shipped_templates())


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(date(2027, 1, 11), tick=False):
        yield


@pytest.fixture
def login(browser, client):
    from tests.factories import PASSWORD

    def _switch(user):
        with client.session_transaction() as session:
            signed_in = "_user_id" in session
        if signed_in:
            browser.post("/logout")
        assert browser.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return user

    return _switch


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def answers(team, **overrides) -> dict:
    return {"practitioner_id": team.practitioner.id, "template": "ot-social-care-asye",
            "preceptor_id": team.preceptor.id, "lead_id": team.lead.id, "start_on": "2027-02-15", **overrides}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)))


class TestCheckYourAnswers:
    def test_the_answers_and_warnings_are_shown_before_anything_is_saved(self, browser, login, team):
        login(team.lead)
        response = browser.submit("/programmes/enrol", answers(team))
        page = text(response)
        assert response.status_code == 200
        assert "Check your answers before enrolling Sam Preceptee" in page
        for shown in ("Sam Preceptee", "Tom Preceptor", "Priya Lead", "15 February 2027",
                      "Sam Preceptee and Tom Preceptor will be told", "1 March 2027"):
            assert shown in page
        assert "63 days after" in page  # the late start, before enrolling
        assert count(Enrolment) == 0 and count(Notification) == 0

    def test_change_links_go_back_to_the_form_with_every_answer_kept(self, browser, login, team):
        login(team.lead)
        page = browser.submit("/programmes/enrol", answers(team, fte="0.8")).get_data(as_text=True)
        link = html.unescape(re.search(r'<a href="([^"]+#start_on)"', page)[1])
        form = text(browser.get(link))
        for part, value in (("day", "15"), ("month", "02"), ("year", "2027")):  # the three date boxes
            assert re.search(rf'name="start_on-{part}"[^>]*value="{value}"', form), part
        assert 'value="0.8"' in form or 'value="0.80"' in form
        assert f'<option value="{team.preceptor.id}" selected>' in form
        assert f'<option value="ot-social-care-asye" selected>' in form

    def test_enrolling_after_the_check_shows_the_late_start_warning_once(self, browser, login, team):
        """Regression: the warning was flashed and shown in the callout, so it appeared twice."""
        login(team.lead)
        response = browser.submit("/programmes/enrol", {**answers(team), "confirm": "yes"})
        assert response.status_code == 302
        page = text(browser.get(response.headers["Location"]))
        assert page.count("63 days after") == 1
        assert "Sam Preceptee is enrolled on Occupational therapy in social care" in page
        assert count(Enrolment) == 1

    def test_a_start_date_five_years_out_is_refused_on_the_form(self, browser, login, team):
        login(team.lead)
        response = browser.submit("/programmes/enrol", answers(team, start_on="2032-02-15", confirm="yes"))
        assert response.status_code == 400
        assert ("The start date must be no more than 6 months from today, so on or before 13 July 2027. "
                "You entered 15 February 2032: check the year.") in text(response)
        assert count(Enrolment) == 0

    @pytest.mark.parametrize(("typed", "message"), [
        ({"start_on": "15/02/27"}, "The start date must be a real date"),
        ({"start_on-day": "15", "start_on-month": "02", "start_on-year": "27"}, "Year must include 4 numbers"),
        ({"start_on-day": "31", "start_on-month": "2", "start_on-year": "2027"}, "The start date must be a real date"),
        ({"start_on-day": "15", "start_on-month": "", "start_on-year": "2027"}, "The start date must include a month"),
    ])
    def test_an_unreadable_date_gets_a_plain_message(self, browser, login, team, typed, message):
        login(team.lead)
        data = {key: value for key, value in answers(team).items() if key != "start_on"}
        response = browser.submit("/programmes/enrol", {**data, **typed})
        assert response.status_code == 400
        assert message in text(response)


class TestChangingTheStartDate:
    def test_a_lead_moves_the_start_and_everyone_is_told(self, browser, login, team):
        enrolment = enrol_on(team, start_on=date(2027, 2, 1), on=date(2027, 1, 11))
        login(team.lead)
        url = f"/programmes/enrolments/{enrolment.id}/start-date"
        assert "Change start date" in text(browser.get(f"/programmes/enrolments/{enrolment.id}"))
        response = browser.submit(url, {"start_on": "2027-01-04", "reason": "Typed the wrong month"})
        assert response.status_code == 302
        page = text(browser.get(response.headers["Location"]))
        assert ("The programme now starts on 4 January 2027 (was 1 February 2027). 6 due dates moved. "
                "Sam Preceptee and Tom Preceptor have been told.") in page
        assert "18 January 2027" in page  # the learning agreement, recomputed
        db.session.expire_all()
        assert db.session.get(Enrolment, enrolment.id).start_on == date(2027, 1, 4)
        assert db.session.scalar(sa.select(AuditEvent.data).where(AuditEvent.action == "programme.start_changed")) \
            == {"before": "2027-02-01", "after": "2027-01-04", "reason": "Typed the wrong month",
                "start_warning": None}

    def test_the_preceptor_cannot_change_it(self, browser, login, team):
        enrolment = enrol_on(team, on=date(2027, 1, 11))
        login(team.preceptor)
        assert browser.client.get(f"/programmes/enrolments/{enrolment.id}/start-date").status_code == 403


class TestWithdrawing:
    def test_the_page_says_what_withdrawing_does_and_offers_changing_the_date(self, browser, login, team):
        enrolment = enrol_on(team, on=date(2027, 1, 11))
        login(team.lead)
        page = text(browser.get(f"/programmes/enrolments/{enrolment.id}/withdraw"))
        assert (f'Is only the start date wrong? <a href="/programmes/enrolments/{enrolment.id}/start-date">Change the '
                'start date</a> instead') in page
        assert "5 milestones will close without being completed" in page
        assert "Sam Preceptee (preceptee) and Tom Preceptor (preceptor) will be told." in page

    def test_withdrawing_tells_the_preceptor(self, browser, login, team):
        enrolment = enrol_on(team, on=date(2027, 1, 11))
        login(team.lead)
        response = browser.submit(f"/programmes/enrolments/{enrolment.id}/withdraw", {"reason": "Left the council"})
        assert response.status_code == 302
        assert "Sam Preceptee and Tom Preceptor have been told." in text(browser.get(response.headers["Location"]))
        db.session.expire_all()
        assert db.session.get(Enrolment, enrolment.id).status == EnrolmentStatus.withdrawn
        titles = db.session.scalars(sa.select(Notification.title).where(Notification.user_id == team.preceptor.id))
        assert "Sam Preceptee's AHP multiprofessional preceptorship (ASYE-aligned) has been withdrawn" in list(titles)
