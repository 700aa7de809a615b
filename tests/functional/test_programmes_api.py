"""The programmes API, named exactly as the issue asks, scoped like the web pages."""
from __future__ import annotations

from datetime import date

import pytest
import time_machine

from competency.accounts.services import create_api_token
from competency.preceptorship.models import Enrolment
from tests.programmes_support import enrol_on, make_team, shipped_templates

PILLARS = ["professional_practice", "facilitation_of_learning", "leadership", "evidence_research_development",
           "integrated_working"]


@pytest.fixture
def team(db):
    return make_team(shipped_templates())


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(date(2027, 1, 11), tick=False):
        yield


@pytest.fixture
def api(client):
    def _call(user, method: str, url: str, json=None):
        _, secret = create_api_token(user, "test")
        return client.open(url, method=method, json=json, headers={"Authorization": f"Bearer {secret}"})

    return _call


def enrolment_body(team, **overrides):
    body = {"practitioner_id": team.practitioner.id, "template": "ahp-preceptorship",
            "preceptor_id": team.preceptor.id, "lead_id": team.lead.id, "start_on": "2027-01-04", "fte": 1.0}
    body.update(overrides)
    return body


def test_enrolling_returns_the_milestones_with_their_due_dates(api, team):
    response = api(team.lead, "POST", "/api/v1/enrolments", enrolment_body(team))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    due = {m["code"]: (m["due_on"], m["status"]) for m in data["milestones"]}
    assert due["learning_agreement"] == ("2027-01-18", "due_soon")
    assert due["review_3m"] == ("2027-04-05", "upcoming")
    assert due["review_6m"][0] == "2027-07-05" and due["final_review"][0] == "2028-01-04"
    assert due["review_9m"][1] == "not_required"
    half = api(team.lead, "POST", "/api/v1/enrolments",
               enrolment_body(team, template="nursing-preceptorship-core", fte=0.5)).get_json()
    # The initial meeting belongs to the start: not stretched at half time.
    assert {m["code"]: m["due_on"] for m in half["milestones"]}["initial_meeting"] == "2027-01-18"


def test_a_pause_moves_later_dates_and_get_shows_them(api, team):
    enrolment_id = api(team.lead, "POST", "/api/v1/enrolments", enrolment_body(team)).get_json()["id"]
    response = api(team.lead, "POST", f"/api/v1/enrolments/{enrolment_id}/pauses",
                   {"start_on": "2027-02-01", "end_on": "2027-03-02", "reason": "sickness"})
    assert response.status_code == 201
    data = api(team.practitioner, "GET", f"/api/v1/enrolments/{enrolment_id}").get_json()
    due = {m["code"]: m["due_on"] for m in data["milestones"]}
    assert due["learning_agreement"] == "2027-01-18" and due["review_3m"] == "2027-05-05"
    assert data["pauses"][0]["days"] == 30


def test_signatures_supervision_and_checkins(api, team):
    enrolment = enrol_on(team)
    url = f"/api/v1/enrolments/{enrolment.id}"
    first = api(team.practitioner, "POST", f"{url}/milestones/learning_agreement/signatures",
                {"goals": "Own caseload by March"})
    assert first.status_code == 201 and first.get_json()["awaiting"] == ["preceptor", "lead"]
    api(team.preceptor, "POST", f"{url}/milestones/learning_agreement/signatures",
        {"preceptor_feedback": "Agreed weekly supervision"})
    done = api(team.lead, "POST", f"{url}/milestones/learning_agreement/signatures")
    assert done.get_json()["status"] == "done" and done.get_json()["completed_on"] == "2027-01-11"
    session = api(team.preceptor, "POST", f"{url}/supervisions", {"held_on": "2027-01-08", "minutes": 60})
    assert session.status_code == 201 and session.get_json()["next_supervision_due_on"] == "2027-01-15"
    checkin = api(team.practitioner, "POST", f"{url}/checkins",
                  {"wellbeing": 4, "ratings": dict.fromkeys(PILLARS, 3)})
    assert checkin.status_code == 201 and checkin.get_json()["checked_on"] == "2027-01-11"
    refused = api(team.preceptor, "POST", f"{url}/checkins", {"wellbeing": 4, "ratings": dict.fromkeys(PILLARS, 3)})
    assert refused.status_code == 403


def test_rules_answer_as_problem_documents(api, team):
    enrolment = enrol_on(team)
    url = f"/api/v1/enrolments/{enrolment.id}"
    not_signer = api(team.lead, "POST", f"{url}/milestones/review_3m/signatures", {"reflection": "x"})
    assert not_signer.status_code == 403 and not_signer.content_type == "application/problem+json"
    unknown = api(team.practitioner, "POST", f"{url}/milestones/nope/signatures", {})
    assert unknown.status_code == 404
    bad = api(team.practitioner, "POST", f"{url}/checkins", {"wellbeing": 9, "ratings": {}})
    assert bad.status_code == 422
    empty = api(team.practitioner, "POST", f"{url}/milestones/review_3m/signatures", {})
    assert empty.status_code == 422 and empty.get_json()["rule"] == "review-written"
    again = api(team.lead, "POST", "/api/v1/enrolments", enrolment_body(team))
    assert again.status_code == 409
    template = api(team.lead, "POST", "/api/v1/enrolments", enrolment_body(team, template="nope"))
    assert template.status_code == 422


def test_foreign_ids_answer_404(api, team):
    other = make_team(team.templates)
    foreign = enrol_on(other)
    assert api(team.lead, "GET", f"/api/v1/enrolments/{foreign.id}").status_code == 404
    assert api(team.lead, "POST", f"/api/v1/enrolments/{foreign.id}/pauses",
               {"start_on": "2027-02-01", "end_on": "2027-02-02", "reason": "other"}).status_code == 404
    response = api(team.lead, "POST", "/api/v1/enrolments",
                   enrolment_body(team, practitioner_id=other.practitioner.id))
    assert response.status_code == 404
    response = api(team.lead, "POST", "/api/v1/enrolments", enrolment_body(team, preceptor_id=other.preceptor.id))
    assert response.status_code == 404
    assert api(team.practitioner, "POST", "/api/v1/enrolments", enrolment_body(team)).status_code == 403
    assert Enrolment.query.filter_by(practitioner_id=team.practitioner.id).count() == 0


def test_the_operations_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/enrolments", "/enrolments/{enrolment_id}", "/enrolments/{enrolment_id}/pauses",
            "/enrolments/{enrolment_id}/milestones/{code}/signatures", "/enrolments/{enrolment_id}/supervisions",
            "/enrolments/{enrolment_id}/checkins"} <= set(paths)
