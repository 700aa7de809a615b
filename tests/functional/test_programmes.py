"""Programmes through their real forms: enrol, review and sign, supervise, check in, pause, cohort."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
import time_machine

from competency.extensions import db
from competency.preceptorship import logs
from competency.preceptorship.models import Enrolment, EnrolmentStatus, ProgrammeCompletion
from tests.factories import EmploymentFactory, make_person
from tests.programmes_support import START, enrol_on, make_team, shipped_templates

TODAY = date(2027, 1, 11)


@pytest.fixture
def team(db):
    return make_team(shipped_templates())


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(date(2027, 1, 11), tick=False):
        yield


@pytest.fixture
def login(browser, client):
    """Sign in as ``user`` through the real forms, signing out with the real sign-out button first."""
    from tests.factories import PASSWORD

    def _switch(user):
        with client.session_transaction() as session:
            signed_in = "_user_id" in session
        if signed_in:
            browser.post("/logout")
        response = browser.submit("/login", {"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, text(response)[:500]
        return user

    return _switch


def text(response) -> str:
    return response.get_data(as_text=True)


class TestEnrolling:
    def test_a_lead_enrols_through_the_form_and_sees_the_due_dates(self, browser, login, team):
        login(team.lead)
        response = browser.submit("/programmes/enrol", {
            "practitioner_id": team.practitioner.id, "template": "ahp-preceptorship",
            "preceptor_id": team.preceptor.id, "lead_id": team.lead.id, "start_on": "2027-01-04", "fte": "1",
            "confirm": "yes"})
        assert response.status_code == 302, text(response)[:2000]
        page = text(browser.get(response.headers["Location"]))
        for due in ("18 January 2027", "5 April 2027", "5 July 2027", "4 January 2028"):
            assert due in page
        enrolment = db.session.query(Enrolment).one()
        assert enrolment.preceptor_id == team.preceptor.id and enrolment.status == EnrolmentStatus.active

    def test_a_late_start_shows_a_warning(self, browser, login, team):
        login(team.lead)
        response = browser.submit("/programmes/enrol", {
            "practitioner_id": team.practitioner.id, "template": "ot-social-care-asye",
            "preceptor_id": team.preceptor.id, "lead_id": team.lead.id, "start_on": "2027-02-15", "confirm": "yes"},
            follow_redirects=True)
        assert "63 days after" in text(response)
        assert db.session.query(Enrolment).one().start_warning

    def test_a_junior_preceptor_needs_a_reason(self, browser, login, team):
        junior = make_person("preceptor", team.org, display_name="New Preceptor", registered_on=date(2026, 5, 1))
        login(team.lead)
        data = {"practitioner_id": team.practitioner.id, "template": "ahp-preceptorship",
                "preceptor_id": junior.id, "lead_id": team.lead.id, "start_on": "2027-01-04"}
        refused = browser.submit("/programmes/enrol", data)
        assert refused.status_code == 400 and "12 months" in text(refused)
        accepted = browser.submit("/programmes/enrol", {**data, "override_reason": "Senior OT co-supervises",
                                                        "confirm": "yes"})
        assert accepted.status_code == 302

    def test_people_from_other_organisations_cannot_be_chosen(self, browser, login, team):
        other = make_team(team.templates)
        login(team.lead)
        response = browser.submit("/programmes/enrol", {
            "practitioner_id": other.practitioner.id, "template": "ahp-preceptorship",
            "preceptor_id": team.preceptor.id, "lead_id": team.lead.id, "start_on": "2027-01-04"})
        assert response.status_code == 400
        assert db.session.query(Enrolment).count() == 0


class TestReviews:
    def test_each_party_signs_the_learning_agreement_through_the_form(self, browser, login, team):
        enrolment = enrol_on(team)
        url = f"/programmes/enrolments/{enrolment.id}/milestones/learning_agreement"
        login(team.practitioner)
        response = browser.submit(url, {"reflection": "First weeks on the reablement team",
                                        "goals": "Run my own caseload by March", "action": "sign"})
        assert response.status_code == 302
        for person, section in ((team.preceptor, {"preceptor_feedback": "Agreed weekly supervision"}),
                                (team.lead, {"lead_comments": ""})):
            login(person)
            page = text(browser.get(url))
            assert "Run my own caseload by March" in page
            response = browser.submit(url, {**section, "action": "sign"})
            assert response.status_code == 302
        page = text(browser.get(url))
        assert "Completed 11 January 2027" in page
        assert "not signed yet" not in page

    def test_the_lead_cannot_sign_a_review_only_the_preceptee_and_preceptor_sign(self, browser, login, team):
        enrolment = enrol_on(team)
        login(team.lead)
        response = browser.post(f"/programmes/enrolments/{enrolment.id}/milestones/review_3m/sign")
        assert response.status_code == 403

    def test_raising_a_concern_through_the_form_makes_the_nine_month_review_required(self, browser, login, team):
        enrolment = enrol_on(team)
        login(team.preceptor)
        response = browser.submit(f"/programmes/enrolments/{enrolment.id}/milestones/review_3m", {
            "reflection": "Good progress", "has_concern": "y", "concerns": "Notes are often late",
            "action": "save"})
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(Enrolment, enrolment.id).milestone("review_9m").is_required

    def test_completing_the_final_review_records_a_completion(self, browser, login, team):
        enrolment = enrol_on(team)
        url = f"/programmes/enrolments/{enrolment.id}/milestones/final_review"
        for person, section in ((team.practitioner, {"reflection": "A year of growth"}),
                                (team.preceptor, {"preceptor_feedback": "A confident practitioner now"}),
                                (team.lead, {"lead_comments": "Congratulations"})):
            login(person)
            assert browser.submit(url, {**section, "action": "sign"}).status_code == 302
        completion = db.session.query(ProgrammeCompletion).one()
        assert completion.practitioner_id == team.practitioner.id
        login(team.practitioner)
        assert "Completed programmes" in text(browser.get("/programmes/"))


class TestLogs:
    def test_the_preceptee_records_supervision_and_the_preceptor_confirms_it(self, browser, login, team):
        enrolment = enrol_on(team)
        login(team.practitioner)
        response = browser.submit(f"/programmes/enrolments/{enrolment.id}/supervisions/new",
                                  {"held_on": "2027-01-08", "minutes": "60", "topics": "Caseload"})
        assert response.status_code == 302
        session = enrolment.supervisions[0]
        login(team.preceptor)
        page = text(browser.get(f"/programmes/enrolments/{enrolment.id}"))
        assert "Confirm session on 8 January 2027" in page
        response = browser.post(f"/programmes/enrolments/{enrolment.id}/supervisions/{session.id}/confirm")
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(Enrolment, enrolment.id).supervisions[0].is_confirmed

    def test_a_future_supervision_is_refused_with_a_message(self, browser, login, team):
        enrolment = enrol_on(team)
        login(team.preceptor)
        response = browser.submit(f"/programmes/enrolments/{enrolment.id}/supervisions/new",
                                  {"held_on": "2027-02-08", "minutes": "60"})
        assert response.status_code == 400 and "The date of the session must be today or in the past" in text(response)

    def test_the_timeline_shows_the_week_four_gap_as_overdue(self, client, login, team):
        enrolment = enrol_on(team)
        for day in (5, 12, 19):
            logs.record_supervision(enrolment, held_on=date(2027, 1, day), minutes=60, by=team.preceptor,
                                    on=date(2027, 1, day))
        login(team.practitioner)
        with time_machine.travel(date(2027, 1, 28), tick=False):
            page = text(client.get(f"/programmes/enrolments/{enrolment.id}"))
        assert "Supervision was due by 26 January 2027" in page
        assert "none held yet (2 days overdue)" in page

    def test_a_check_in_draws_the_chart_and_its_table(self, browser, login, team):
        enrolment = enrol_on(team)
        login(team.practitioner)
        data = {"checked_on": "2027-01-08", "wellbeing": "4", "pillar_professional_practice": "3",
                "pillar_facilitation_of_learning": "2", "pillar_leadership": "2",
                "pillar_evidence_research_development": "3", "pillar_integrated_working": "4"}
        response = browser.submit(f"/programmes/enrolments/{enrolment.id}/checkins/new", data)
        assert response.status_code == 302
        browser.submit(f"/programmes/enrolments/{enrolment.id}/checkins/new", {**data, "checked_on": "2027-01-11"})
        page = text(browser.get(f"/programmes/enrolments/{enrolment.id}"))
        assert '<svg' in page and 'role="img"' in page
        assert "Integrated working" in page and "Check-ins (1 = not at all confident" in page

    def test_a_pause_through_the_form_moves_later_dates(self, browser, login, team):
        enrolment = enrol_on(team)
        login(team.lead)
        response = browser.submit(f"/programmes/enrolments/{enrolment.id}/pauses/new",
                                  {"start_on": "2027-02-01", "end_on": "2027-03-02", "reason": "sickness"})
        assert response.status_code == 302
        page = text(browser.get(f"/programmes/enrolments/{enrolment.id}"))
        assert "5 May 2027" in page and "18 January 2027" in page

    def test_withdrawing_keeps_the_history_visible(self, browser, login, team):
        enrolment = enrol_on(team)
        logs.record_supervision(enrolment, held_on=date(2027, 1, 8), minutes=60, by=team.preceptor,
                                on=date(2027, 1, 8))
        login(team.lead)
        response = browser.submit(f"/programmes/enrolments/{enrolment.id}/withdraw", {"reason": "Moved abroad"})
        assert response.status_code == 302
        page = text(browser.get(f"/programmes/enrolments/{enrolment.id}"))
        assert "Withdrawn" in page and "Moved abroad" in page and "8 January 2027" in page


class TestLists:
    def test_the_cohort_shows_states_filters_and_exports_csv(self, browser, login, team):
        on_track = enrol_on(team)
        paused = enrol_on(team, practitioner=make_person("practitioner", team.org, display_name="Pat Paused"),
                          start_on=date(2025, 2, 1))
        from competency.preceptorship import services
        from competency.preceptorship.models import PauseReason

        services.record_pause(paused, start_on=date(2027, 1, 1), end_on=date(2027, 2, 1),
                              reason=PauseReason.parental_leave, by=team.lead, on=TODAY)
        late = make_person("practitioner", team.org, display_name="Olly Overdue")
        enrol_on(team, practitioner=late, start_on=date(2025, 3, 3))
        login(team.lead)
        page = text(browser.get("/programmes/cohort"))
        assert "Due soon: 1" in page and "Paused: 1" in page and "Overdue: 1" in page and "On track: 0" in page
        overdue_only = text(browser.get("/programmes/cohort?state=overdue"))
        assert "Olly Overdue" in overdue_only and "Sam Preceptee" not in overdue_only
        response = browser.get("/programmes/cohort.csv?state=paused")
        rows = list(csv.DictReader(io.StringIO(text(response))))
        assert response.mimetype == "text/csv"
        assert [(row["practitioner"], row["state"]) for row in rows] == [("Pat Paused", "paused")]
        assert on_track.id

    def test_the_preceptor_sees_what_each_preceptee_needs_next(self, browser, login, team):
        enrolment = enrol_on(team)
        logs.record_supervision(enrolment, held_on=date(2027, 1, 8), minutes=60, by=team.practitioner,
                                on=date(2027, 1, 8))
        login(team.preceptor)
        page = text(browser.get("/programmes/preceptees"))
        assert "Sam Preceptee" in page
        assert "Sign the learning agreement (due 18 January 2027)" in page
        assert "Confirm 1 supervision session" in page


class TestQueryCounts:
    def _cohort_of(self, team, size: int):
        for index in range(size):
            person = make_person("practitioner", team.org, employed=False, display_name=f"Preceptee {index:03d}")
            EmploymentFactory(user=person, organisation=team.org, start_on=date(2026, 9, 1))
            db.session.refresh(person)
            # Half of them with the lead as preceptor, so the lead's preceptee list grows too.
            preceptor = team.lead if index % 2 == 0 else team.preceptor
            enrolment = enrol_on(team, practitioner=person, start_on=START - timedelta(days=index % 90),
                                 preceptor=preceptor)
            logs.record_supervision(enrolment, held_on=date(2027, 1, 8), minutes=60, by=person, on=TODAY)
            logs.record_protected_time(enrolment, taken_on=date(2027, 1, 8), minutes=60, by=person, on=TODAY)
        db.session.flush()

    def _count(self, client, count_queries, url) -> int:
        db.session.commit()  # the set-up's own commit (and its audit events' placing) is not the page's work
        db.session.expire_all()
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    def test_cohort_and_timeline_stay_constant_as_enrolments_grow(self, client, login, team, count_queries):
        self._cohort_of(team, 10)
        mine = enrol_on(team)
        login(team.lead)
        small = (self._count(client, count_queries, "/programmes/cohort"),
                 self._count(client, count_queries, f"/programmes/enrolments/{mine.id}"),
                 self._count(client, count_queries, "/programmes/cohort.csv"),
                 self._count(client, count_queries, "/programmes/preceptees"))
        self._cohort_of(team, 90)
        for day in (8, 9, 10):
            logs.record_supervision(mine, held_on=date(2027, 1, day), minutes=60, by=team.preceptor, on=TODAY)
        large = (self._count(client, count_queries, "/programmes/cohort"),
                 self._count(client, count_queries, f"/programmes/enrolments/{mine.id}"),
                 self._count(client, count_queries, "/programmes/cohort.csv"),
                 self._count(client, count_queries, "/programmes/preceptees"))
        assert small == large
