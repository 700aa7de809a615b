"""Grants, placements and preceptor records through the real forms and pages."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from competency.extensions import db
from competency.grants.models import Grant, GrantKind
from competency.grants.standing import uk_today
from competency.placements.models import Placement
from competency.preceptors.models import PreceptorTimeEntry
from competency.preceptorship import catalogue, services as programme_services
from tests.evidence_support import switch_user
from tests.workforce_support import ask, ics_grant, one_workforce_world, sign

TODAY = uk_today()


@pytest.fixture
def w(db):
    return one_workforce_world()


def grant_form(w, **overrides) -> dict:
    data = {"kind": "assessor", "email": w.trust_consultant.email, "grantee_organisation_id": w.trust.id,
            "starts_on": TODAY.isoformat(), "ends_on": (TODAY + timedelta(days=180)).isoformat(),
            "level_codes": ["consultant"], "reason": "No consultant practitioner in the council."}
    data.update(overrides)
    return data


class TestGrantPages:
    def test_a_council_lead_grants_a_trust_consultant_sees_it_listed_and_revokes_it(self, w, login, browser):
        login(w.council_lead)
        url = f"/grants/new?organisation_id={w.council.id}"
        response = browser.submit(url, grant_form(w))
        assert response.status_code == 302
        grant = db.session.scalar(sa.select(Grant).filter_by(grantee_id=w.trust_consultant.id))
        assert grant.level_codes == ["consultant"] and grant.granting_organisation_id == w.council.id
        listing = browser.get(f"/grants/?organisation_id={w.council.id}").get_data(as_text=True)
        assert "Dr Ana Consultant" in listing and "Valley NHS Trust" in listing and "Active" in listing
        page = browser.get(f"/grants/{grant.id}").get_data(as_text=True)
        assert "the assessing organisation" in page and "No consultant practitioner in the council." in page
        response = browser.submit(f"/grants/{grant.id}", {"reason": "The vacancy is filled."},
                                  post_url=f"/grants/{grant.id}/revoke")
        assert response.status_code == 302
        assert "Revoked" in browser.get(f"/grants/{grant.id}").get_data(as_text=True)

    @pytest.mark.parametrize(("overrides", "message"), [
        ({"email": "nobody@example.org"}, "No active account with that e-mail address belongs to Valley NHS Trust"),
        ({"ends_on": (TODAY - timedelta(days=3)).isoformat()}, "must end on or after the day it starts"),
        ({"reason": ""}, "Say why the grant is needed"),
        ({"kind": "trained_assessor"}, "Name the assessor training"),
        ({"capability_codes": "ZZ-NOPE-01"}, "There is no capability ZZ-NOPE-01"),
        ({"starts_on": "not a date"}, "The start date must be a real date"),
        ({"starts_on": ""}, "Enter the date the grant starts"),
    ])
    def test_bad_input_gets_a_clear_message_and_nothing_is_recorded(self, w, login, browser, overrides, message):
        login(w.council_lead)
        response = browser.submit(f"/grants/new?organisation_id={w.council.id}", grant_form(w, **overrides))
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Grant)) == 0

    def test_the_grantee_sees_the_grant_they_hold_and_others_see_nothing(self, w, login, browser, client):
        grant = ics_grant(w, on=TODAY, ends_on=TODAY + timedelta(days=30))
        login(w.trust_consultant)
        assert "Grants you hold" in browser.get("/grants/").get_data(as_text=True)
        assert browser.get(f"/grants/{grant.id}").status_code == 200
        switch_user(client, w.council_preceptor)
        assert browser.get(f"/grants/{grant.id}").status_code == 404
        assert browser.get("/grants/new").status_code == 403


class TestPlacementPages:
    def test_a_host_lead_sets_up_a_placement_for_a_university_student(self, w, login, browser):
        login(w.council_lead)
        response = browser.submit(f"/placements/new?organisation_id={w.council.id}", {
            "email": w.student.email, "learner_kind": "student", "home_organisation_id": w.university.id,
            "supervisor_id": w.council_preceptor.id, "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY + timedelta(days=42)).isoformat()})
        assert response.status_code == 302
        placement = db.session.scalar(sa.select(Placement).filter_by(learner_id=w.student.id))
        page = browser.get(f"/placements/{placement.id}").get_data(as_text=True)
        assert "University of the Downs" in page and "Tom Council" in page and "Current" in page

    def test_a_supervisor_who_is_not_staff_at_the_host_is_not_offered(self, w, login, browser):
        login(w.council_lead)
        response = browser.submit(f"/placements/new?organisation_id={w.council.id}", {
            "email": w.student.email, "learner_kind": "student", "home_organisation_id": w.university.id,
            "supervisor_id": w.trust_lead.id, "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY + timedelta(days=42)).isoformat()})
        assert response.status_code == 400 and "Choose the supervisor" in response.get_data(as_text=True)


class TestPassportAndReview:
    def test_the_passport_names_the_assessing_organisation(self, w, login, browser):
        ics_grant(w, on=TODAY, ends_on=TODAY + timedelta(days=30))
        sign(ask(w, w.council_ot, w.consultant_cap, w.trust_consultant, today=TODAY), w.trust_consultant, today=TODAY)
        login(w.council_ot)
        html = browser.get("/passport/").get_data(as_text=True)
        assert "Dr Ana Consultant" in html and "Valley NHS Trust" in html and "Downshire Council" in html

    def test_the_request_form_says_where_a_granted_assessor_comes_from(self, w, login, browser):
        ics_grant(w, on=TODAY, ends_on=TODAY + timedelta(days=30))
        from tests.evidence_support import log_evidence

        log_evidence(w.council_ot, [w.consultant_cap], title="Regional consultancy")
        login(w.council_ot)
        html = browser.get(f"/progress/capabilities/{w.consultant_cap.uuid}/request").get_data(as_text=True)
        assert "Dr Ana Consultant" in html
        assert "(Valley NHS Trust, assessor granted by Downs ICS AHP Faculty)" in html

    def test_a_trained_assessor_without_a_staff_role_reaches_the_review_queue(self, w, login, browser):
        from tests.workforce_support import trained_assessor_grant

        trained_assessor_grant(w, on=TODAY)
        ask(w, w.support_worker, w.support_cap, w.senior_support, today=TODAY)
        login(w.senior_support)
        page = browser.get("/review/")
        assert page.status_code == 200 and "Jordan Support" in page.get_data(as_text=True)


class TestPreceptorPages:
    def test_the_preceptor_logs_time_and_sees_it_against_8_and_12_hours(self, w, login, browser):
        login(w.council_preceptor)
        response = browser.submit(f"/preceptors/{w.council_preceptor.id}/time/new", {
            "spent_on": TODAY.isoformat(), "minutes": "540", "activity": "Preceptor update"})
        assert response.status_code == 302
        html = browser.get(f"/preceptors/{w.council_preceptor.id}").get_data(as_text=True)
        assert "9.0 hours in the 12 months" in html
        assert "Core standard" in html and "Gold standard" in html and "3.0 hours short" in html
        bad = browser.submit(f"/preceptors/{w.council_preceptor.id}/time/new", {
            "spent_on": (TODAY + timedelta(days=2)).isoformat(), "minutes": "30"})
        assert bad.status_code == 400 and "The date must be today or in the past" in bad.get_data(as_text=True)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PreceptorTimeEntry)) == 1

    def test_a_lead_changes_the_preceptor_with_a_reason_and_the_history_shows(self, w, login, browser):
        template = {v.template.slug: v for v in catalogue.ensure_shipped_templates()}["ahp-preceptorship"]
        start = w.council_ot.employments[0].start_on + timedelta(days=10)
        enrolment = programme_services.enrol(
            practitioner=w.council_ot, template=template, organisation=w.council, preceptor=w.council_preceptor,
            lead=w.council_lead, start_on=start, by=w.council_lead, on=start).enrolment
        login(w.council_lead)
        url = f"/programmes/enrolments/{enrolment.id}/preceptor"
        response = browser.submit(url, {"preceptor_id": w.council_lead.id, "reason": "preceptor_left",
                                        "on": TODAY.isoformat()})
        assert response.status_code == 302
        html = browser.get(url).get_data(as_text=True)
        assert "Tom Council" in html and "Priya Lead" in html and "The preceptor left or changed role" in html
        assert browser.submit(url, {"preceptor_id": w.council_preceptor.id, "reason": "other",
                                    "on": TODAY.isoformat()}).status_code == 400

    def test_the_organisation_dashboard_has_a_preceptors_section(self, w, login, browser):
        login(w.council_lead)
        html = browser.get(f"/reports/organisation?organisation={w.council.id}").get_data(as_text=True)
        assert "Preceptors" in html and "Tom Council" in html and "Core standard (8 hours)" in html
        csv = browser.get(f"/reports/organisation/preceptors-list.csv?organisation={w.council.id}")
        assert csv.status_code == 200 and "Tom Council" in csv.get_data(as_text=True)


def test_the_preceptor_page_costs_the_same_statements_with_more_entries(w, login, browser, count_queries):
    from competency.preceptors import services

    login(w.council_preceptor)
    url = f"/preceptors/{w.council_preceptor.id}"
    services.log_time(w.council_preceptor, spent_on=TODAY, minutes=60, activity="", by=w.council_preceptor, on=TODAY)
    browser.get(url)
    with count_queries() as few:
        browser.get(url)
    for n in range(6):
        services.log_time(w.council_preceptor, spent_on=TODAY - timedelta(days=n), minutes=30, activity="",
                          by=w.council_preceptor, on=TODAY)
        services.record_training(w.council_preceptor, course=f"Course {n}", completed_on=TODAY,
                                 by=w.council_preceptor, on=TODAY)
    browser.get(url)  # the audit events logged above take their place in the chain at this request's commit
    with count_queries() as many:
        browser.get(url)
    assert len(many) == len(few)


def test_the_api_lists_the_assessing_organisation_of_each_sign_off(w, client):
    from competency.accounts.services import create_api_token

    ics_grant(w, on=TODAY, ends_on=TODAY + timedelta(days=30))
    sign(ask(w, w.council_ot, w.consultant_cap, w.trust_consultant, today=TODAY), w.trust_consultant, today=TODAY)
    _, secret = create_api_token(w.council_ot, "test")
    body = client.get("/api/v1/me/signoffs", headers={"Authorization": f"Bearer {secret}"}).get_json()
    (item,) = body["items"]
    assert (item["organisation_name"], item["assessing_organisation_name"], item["assessor_basis"]) == (
        "Downshire Council", "Valley NHS Trust", "grant")
