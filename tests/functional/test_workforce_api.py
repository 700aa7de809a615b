"""Grants and placements over /api/v1, with the same rules, scoping and audit as the pages.

A council lead grants the trust's consultant assessing rights, names a trained assessor and
sets up a student's placement, all by API; the grantee sees what they hold; a lead elsewhere
sees none of it; every refusal is problem+json naming the rule.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
import time_machine
from openapi_spec_validator import validate

from competency.accounts.services import create_api_token
from competency.audit.models import AuditEvent
from competency.extensions import db
from competency.grants.models import Grant
from competency.reminders.models import Notification
from tests.factories import make_person
from tests.workforce_support import ics_grant, one_workforce_world

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=timezone.utc), tick=False):
        yield


@pytest.fixture
def w(db):
    return one_workforce_world()


@pytest.fixture
def api(client):
    tokens: dict[int, str] = {}

    def _call(user, method: str, url: str, json=None):
        if user.id not in tokens:
            tokens[user.id] = create_api_token(user, "test")[1]
        return client.open(url, method=method, json=json, headers={"Authorization": f"Bearer {tokens[user.id]}"})

    return _call


def grant_body(w, **overrides) -> dict:
    body = {"kind": "assessor", "email": w.trust_consultant.email, "grantee_organisation_id": w.trust.id,
            "starts_on": "2026-11-20", "ends_on": "2027-11-19", "reason": "No consultant OT in the council.",
            "level_codes": ["consultant"]}
    body.update(overrides)
    return body


def placement_body(w, **overrides) -> dict:
    body = {"email": w.student.email, "learner_kind": "student", "home_organisation_id": w.university.id,
            "supervisor_id": w.council_preceptor.id, "starts_on": "2026-11-23", "ends_on": "2026-12-18",
            "note": "First-year practice placement."}
    body.update(overrides)
    return body


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    assert response.headers["Content-Type"] == PROBLEM
    return response.get_json()


class TestGrants:
    def test_a_lead_grants_assessing_rights_and_the_grant_is_audited_and_the_grantee_told(self, w, api):
        response = api(w.council_lead, "POST", "/api/v1/grants", grant_body(w, capability_codes=[]))
        assert response.status_code == 201, response.get_json()
        grant = response.get_json()
        assert grant["kind"] == "assessor" and grant["status"] == "active"
        assert grant["granting_organisation"] == {"id": w.council.id, "name": "Downshire Council"}
        assert grant["grantee"] == {"id": w.trust_consultant.id, "display_name": "Dr Ana Consultant"}
        assert grant["grantee_organisation"]["name"] == "Valley NHS Trust"
        assert (grant["starts_on"], grant["ends_on"], grant["level_codes"]) == ("2026-11-20", "2027-11-19",
                                                                                ["consultant"])
        events = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.subject_id == str(grant["id"]),
                                                                       AuditEvent.action.like("grant.%"))).all()
        assert events == ["grant.created"]
        assert db.session.scalar(sa.select(Notification.title).where(Notification.user_id == w.trust_consultant.id)) \
            == "Downshire Council named you: assessor from another organisation"

    def test_the_grantee_and_the_lead_see_it_and_a_lead_elsewhere_does_not(self, w, api):
        made = api(w.council_lead, "POST", "/api/v1/grants", grant_body(w)).get_json()
        held = api(w.trust_consultant, "GET", "/api/v1/grants?held=true").get_json()
        assert [g["id"] for g in held["items"]] == [made["id"]] and held["total"] == 1
        assert api(w.council_lead, "GET", f"/api/v1/grants?organisation_id={w.council.id}").get_json()["total"] == 1
        assert api(w.trust_consultant, "GET", f"/api/v1/grants/{made['id']}").status_code == 200
        outsider = make_person("lead", w.elsewhere)
        assert api(outsider, "GET", "/api/v1/grants").get_json()["total"] == 0
        problem_of(api(outsider, "GET", f"/api/v1/grants/{made['id']}"), 404)
        problem_of(api(w.council_ot, "GET", f"/api/v1/grants/{made['id']}"), 404)

    def test_a_regional_grant_is_seen_by_the_leads_of_the_region(self, w, api):
        grant = ics_grant(w)
        db.session.flush()
        listed = api(w.council_lead, "GET", "/api/v1/grants").get_json()
        assert [g["id"] for g in listed["items"]] == [grant.id] and listed["items"][0]["is_regional"] is True
        assert api(w.trust_lead, "GET", f"/api/v1/grants/{grant.id}").status_code == 200

    def test_an_unknown_address_gets_the_same_answer_as_someone_at_another_organisation(self, w, api):
        unknown = problem_of(api(w.council_lead, "POST", "/api/v1/grants",
                                 grant_body(w, email="nobody@nowhere.example")), 422)
        elsewhere = problem_of(api(w.council_lead, "POST", "/api/v1/grants",
                                   grant_body(w, email=w.outsider.email)), 422)
        assert unknown["detail"] == elsewhere["detail"] == \
            "No active account with that e-mail address belongs to Valley NHS Trust."
        assert unknown["rule"] == elsewhere["rule"] == "grantee_organisation"
        assert unknown["field"] == "email"

    @pytest.mark.parametrize(("overrides", "rule", "field"), [
        ({"starts_on": "2026-11-19"}, "grant_not_backdated", "starts_on"),
        ({"ends_on": "2030-01-01"}, "grant_too_long", "ends_on"),
        ({"reason": "  "}, "grant_reason", "reason"),
        ({"capability_codes": ["XX-NOPE-01"]}, "grant_scope", "capability_codes"),
        ({"grantee_organisation_id": 999999}, "grantee_organisation", "grantee_organisation_id"),
        ({"grantee_organisation_id": None}, "grantee_organisation", "grantee_organisation_id"),
    ])
    def test_each_rule_broken_is_named(self, w, api, overrides, rule, field):
        problem = problem_of(api(w.council_lead, "POST", "/api/v1/grants", grant_body(w, **overrides)), 422)
        assert (problem["rule"], problem["field"]) == (rule, field)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Grant)) == 0

    def test_a_trained_assessor_needs_their_training_named(self, w, api):
        body = grant_body(w, kind="trained_assessor", email=w.senior_support.email,
                          grantee_organisation_id=w.council.id, level_codes=["support"])
        assert problem_of(api(w.council_lead, "POST", "/api/v1/grants", body), 422)["rule"] == \
            "trained_assessor_training"
        body.update(training_course="Care Certificate assessor training", training_completed_on="2026-06-01")
        response = api(w.council_lead, "POST", "/api/v1/grants", body)
        assert response.status_code == 201 and response.get_json()["training_course"] == \
            "Care Certificate assessor training"

    def test_bad_input_is_a_422_listing_the_fields(self, w, api):
        problem = problem_of(api(w.council_lead, "POST", "/api/v1/grants",
                                 grant_body(w, starts_on="20 November", surprise=True)), 422)
        assert {e["field"] for e in problem["errors"]} == {"starts_on", "surprise"}

    def test_who_may_not_grant(self, w, api):
        assert problem_of(api(w.council_ot, "POST", "/api/v1/grants", grant_body(w)), 403)["title"] == "Forbidden"
        problem_of(api(w.trust_lead, "POST", "/api/v1/grants", grant_body(w, organisation_id=w.council.id)), 404)
        problem_of(api(w.council_ot, "POST", "/api/v1/grants", grant_body(w, organisation_id=w.council.id)), 404)

    def test_a_lead_of_two_organisations_says_which(self, w, api):
        from competency.accounts.models import Membership, Role

        db.session.add(Membership(user=w.council_lead, organisation=w.university, role=Role.lead))
        db.session.flush()
        assert problem_of(api(w.council_lead, "POST", "/api/v1/grants", grant_body(w)), 422)["rule"] == \
            "organisation_needed"
        assert api(w.council_lead, "POST", "/api/v1/grants",
                   grant_body(w, organisation_id=w.council.id)).status_code == 201

    def test_revoking_ends_it_once_audited_and_only_by_the_granting_organisation(self, w, api):
        made = api(w.council_lead, "POST", "/api/v1/grants", grant_body(w)).get_json()
        url = f"/api/v1/grants/{made['id']}/revoke"
        assert problem_of(api(w.trust_consultant, "POST", url, {"reason": "Mine"}), 403)["rule"] == \
            "not_allowed_to_revoke"
        assert problem_of(api(w.council_lead, "POST", url, {"reason": ""}), 422)["rule"] == "grant_revoke_reason"
        response = api(w.council_admin, "POST", url, {"reason": "Vacancy filled."})
        assert response.status_code == 200, response.get_json()
        assert (response.get_json()["status"], response.get_json()["revocation_reason"]) == ("revoked",
                                                                                             "Vacancy filled.")
        assert problem_of(api(w.council_lead, "POST", url, {"reason": "Again"}), 409)["rule"] == "grant_revoked"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "grant.revoked")) == 1

    def test_no_token_no_grants(self, w, client):
        assert problem_of(client.get("/api/v1/grants"), 401)["title"] == "Unauthorised"


class TestPlacements:
    def test_the_host_sets_up_a_placement_and_the_learner_and_supervisor_see_it(self, w, api):
        response = api(w.council_lead, "POST", "/api/v1/placements", placement_body(w))
        assert response.status_code == 201, response.get_json()
        placement = response.get_json()
        assert placement["status"] == "not started" and placement["learner_kind"] == "student"
        assert placement["host_organisation"]["name"] == "Downshire Council"
        assert placement["home_organisation"]["name"] == "University of the Downs"
        assert placement["supervisor"]["display_name"] == "Tom Council"
        for person in (w.student, w.council_preceptor, w.university_lead):
            assert api(person, "GET", f"/api/v1/placements/{placement['id']}").status_code == 200
            assert [p["id"] for p in api(person, "GET", "/api/v1/placements").get_json()["items"]] == [placement["id"]]
        problem_of(api(w.trust_lead, "GET", f"/api/v1/placements/{placement['id']}"), 404)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "placement.created")) == 1

    @pytest.mark.parametrize(("overrides", "status", "rule"), [
        ({"supervisor_id": 999999}, 422, "placement_supervisor"),
        ({"home_organisation_id": None, "home_organisation_slug": "no-such-place"}, 422, "placement_home"),
        ({"email": "nobody@nowhere.example"}, 422, "placement_learner"),
        ({"ends_on": "2028-12-31"}, 422, "placement_too_long"),
        ({"starts_on": "2026-11-01", "ends_on": "2026-11-10"}, 422, "placement_in_past"),
    ])
    def test_each_rule_broken_is_named(self, w, api, overrides, status, rule):
        assert problem_of(api(w.council_lead, "POST", "/api/v1/placements", placement_body(w, **overrides)),
                          status)["rule"] == rule

    def test_a_regional_body_is_never_a_home_organisation(self, w, api):
        problem = problem_of(api(w.council_lead, "POST", "/api/v1/placements",
                                 placement_body(w, home_organisation_id=w.ics.id)), 422)
        assert (problem["rule"], problem["field"]) == ("placement_home", "home_organisation_id")

    def test_a_second_overlapping_placement_is_a_conflict(self, w, api):
        assert api(w.council_lead, "POST", "/api/v1/placements", placement_body(w)).status_code == 201
        problem = problem_of(api(w.council_lead, "POST", "/api/v1/placements",
                                 placement_body(w, home_organisation_slug=w.university.slug,
                                                home_organisation_id=None)), 409)
        assert problem["rule"] == "placement_overlap"

    def test_ending_early_by_the_home_organisation_once(self, w, api):
        made = api(w.council_lead, "POST", "/api/v1/placements", placement_body(w)).get_json()
        url = f"/api/v1/placements/{made['id']}/end"
        assert problem_of(api(w.council_preceptor, "POST", url, {"reason": "x"}), 403)["rule"] == "not_allowed_to_end"
        response = api(w.university_lead, "POST", url, {"reason": "The student withdrew from the course."})
        assert response.status_code == 200 and response.get_json()["status"] == "ended early"
        assert problem_of(api(w.council_lead, "POST", url, {"reason": "Again"}), 409)["rule"] == "placement_ended"


def test_the_routes_are_in_the_openapi_document_which_stays_valid(client, db):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/grants"]) and {"get", "post"} <= set(paths["/placements"])
    assert "post" in paths["/grants/{grant_id}/revoke"] and "post" in paths["/placements/{placement_id}/end"]
    query = {p["name"] for p in paths["/grants"]["get"]["parameters"] if p["in"] == "query"}
    assert query == {"page", "organisation_id", "held"}
    assert paths["/grants"]["post"]["security"] == [{"bearerAuth": []}]
    assert set(paths["/grants"]["post"]["responses"]) >= {"201", "401", "403", "404", "422"}
