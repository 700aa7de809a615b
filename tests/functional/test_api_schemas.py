"""The OpenAPI document's request schemas refuse what the server refuses.

For each named case the body is checked twice: against the schema the document publishes
(as a client, or Schemathesis, would) and against the server, which must answer 422. A
schema that accepted a body the server then refused would send every generated client
into a rule it could have known about.
"""
from __future__ import annotations

from datetime import date, timedelta

import jsonschema
import pytest
import sqlalchemy as sa

from competency.accounts.services import create_api_token
from competency.extensions import db
from competency.routing import MAX_PAGE
from tests.access.cases_programmes import PILLARS
from tests.functional.test_access_matrix import world  # noqa: F401  (the matrix's world, built once)

TOO_BIG = 99999999999999999999


def today() -> date:
    from competency.reminders.planning import local_today

    return local_today()


def _revoke(w):
    return f"/api/v1/signoffs/{w.signoff.id}/revoke"


def _decide(w):
    return f"/api/v1/signoff-requests/{w.pending_request.id}/decision"


def _enrolment(w, tail):
    return f"/api/v1/enrolments/{w.enrolment.id}{tail}"


def _request_body(w, **changes):
    return {"capability_id": w.spare_cap.uuid, "evidence_ids": [w.spare_evidence.id], "assessor_id": w.preceptor.id,
            **changes}


def _evidence_body(w, **changes):
    return {"kind": "cpd_record", "title": "Falls course", "occurred_on": "2026-09-01", "text": "One-day course.",
            **changes}


def _otj_body(w, **changes):
    return {"occurred_on": today().isoformat(), "hours": 3, "activity": "Placement study day", **changes}


# (case id, path template, method, who sends it, URL, body)
CASES = [
    ("revoke-empty-reason", "/signoffs/{signoff_id}/revoke", "preceptor", _revoke, lambda w: {"reason": ""}),
    ("revoke-blank-reason", "/signoffs/{signoff_id}/revoke", "preceptor", _revoke, lambda w: {"reason": "   \n"}),
    ("return-without-feedback", "/signoff-requests/{request_id}/decision", "preceptor", _decide,
     lambda w: {"decision": "return"}),
    ("return-with-blank-feedback", "/signoff-requests/{request_id}/decision", "preceptor", _decide,
     lambda w: {"decision": "return", "comment": "  "}),
    ("request-without-evidence", "/signoff-requests", "practitioner", lambda w: "/api/v1/signoff-requests",
     lambda w: _request_body(w, evidence_ids=[])),
    ("request-capability-not-a-uuid", "/signoff-requests", "practitioner", lambda w: "/api/v1/signoff-requests",
     lambda w: _request_body(w, capability_id="PP-REG-01")),
    ("request-assessor-id-too-large", "/signoff-requests", "practitioner", lambda w: "/api/v1/signoff-requests",
     lambda w: _request_body(w, assessor_id=TOO_BIG)),
    ("request-evidence-id-too-large", "/signoff-requests", "practitioner", lambda w: "/api/v1/signoff-requests",
     lambda w: _request_body(w, evidence_ids=[TOO_BIG])),
    ("evidence-blank-title", "/evidence", "practitioner", lambda w: "/api/v1/evidence",
     lambda w: _evidence_body(w, title="   ")),
    ("evidence-capability-not-a-uuid", "/evidence", "practitioner", lambda w: "/api/v1/evidence",
     lambda w: _evidence_body(w, capability_ids=["not-a-capability"])),
    ("evidence-text-too-long", "/evidence", "practitioner", lambda w: "/api/v1/evidence",
     lambda w: _evidence_body(w, text="x" * 20_001)),
    ("feedback-without-source", "/evidence", "practitioner", lambda w: "/api/v1/evidence",
     lambda w: _evidence_body(w, kind="feedback")),
    ("source-on-other-evidence", "/evidence", "practitioner", lambda w: "/api/v1/evidence",
     lambda w: _evidence_body(w, feedback_source="carer")),
    ("checkin-rating-too-high", "/enrolments/{enrolment_id}/checkins", "practitioner",
     lambda w: _enrolment(w, "/checkins"),
     lambda w: {"wellbeing": 3, "ratings": {**dict.fromkeys(PILLARS, 3), PILLARS[0]: 6}}),
    ("checkin-rating-not-a-number", "/enrolments/{enrolment_id}/checkins", "practitioner",
     lambda w: _enrolment(w, "/checkins"),
     lambda w: {"wellbeing": 3, "ratings": {**dict.fromkeys(PILLARS, 3), PILLARS[0]: "3"}}),
    ("supervision-too-long", "/enrolments/{enrolment_id}/supervisions", "preceptor",
     lambda w: _enrolment(w, "/supervisions"), lambda w: {"held_on": "2026-11-09", "minutes": 481}),
    ("enrolment-practitioner-id-too-large", "/enrolments", "lead", lambda w: "/api/v1/enrolments",
     lambda w: {"practitioner_id": TOO_BIG, "template": "ahp-preceptorship", "preceptor_id": w.preceptor.id,
                "lead_id": w.lead.id, "start_on": "2026-11-02"}),
    ("enrolment-blank-template", "/enrolments", "lead", lambda w: "/api/v1/enrolments",
     lambda w: {"practitioner_id": w.peer.id, "template": " ", "preceptor_id": w.preceptor.id,
                "lead_id": w.lead.id, "start_on": "2026-11-02"}),
    ("otj-not-a-quarter-hour", "/apprenticeships/{apprenticeship_id}/otj", "practitioner",
     lambda w: f"/api/v1/apprenticeships/{w.apprenticeship.id}/otj", lambda w: _otj_body(w, hours=1.3)),
    ("otj-blank-activity", "/apprenticeships/{apprenticeship_id}/otj", "practitioner",
     lambda w: f"/api/v1/apprenticeships/{w.apprenticeship.id}/otj", lambda w: _otj_body(w, activity="  ")),
    ("otj-evidence-id-too-large", "/apprenticeships/{apprenticeship_id}/otj", "practitioner",
     lambda w: f"/api/v1/apprenticeships/{w.apprenticeship.id}/otj", lambda w: _otj_body(w, evidence_id=TOO_BIG)),
]


@pytest.fixture(scope="module")
def document(app):
    return app.test_client().get("/api/v1/openapi.json").get_json()


def request_schema(document: dict, path: str, method: str = "post") -> dict:
    body = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return {**body, "components": document["components"]}


def schema_accepts(document: dict, path: str, body: dict) -> bool:
    validator = jsonschema.Draft202012Validator(request_schema(document, path),
                                                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    return validator.is_valid(body)


def bearer(user) -> dict:
    _, secret = create_api_token(user, "schema test")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(("path", "who", "url", "body"), [pytest.param(*case[1:], id=case[0]) for case in CASES])
def test_the_schema_refuses_what_the_server_refuses(document, world, client, db, path, who, url, body):  # noqa: F811
    payload = body(world)

    response = client.post(url(world), json=payload, headers=bearer(getattr(world, who)))

    assert response.status_code == 422, response.get_data(as_text=True)[:400]
    assert response.headers["Content-Type"] == "application/problem+json"
    assert not schema_accepts(document, path, payload), f"the schema accepts {payload!r}, the server refuses it"


@pytest.mark.parametrize(("path", "who", "url", "body", "status"), [
    ("/signoffs/{signoff_id}/revoke", "preceptor", _revoke, lambda w: {"reason": "Signed in error"}, 201),
    ("/signoff-requests/{request_id}/decision", "preceptor", _decide,
     lambda w: {"decision": "return", "comment": "Add a reflection"}, 200),
    ("/signoff-requests", "practitioner", lambda w: "/api/v1/signoff-requests", _request_body, 201),
    ("/evidence", "practitioner", lambda w: "/api/v1/evidence",
     lambda w: _evidence_body(w, kind="feedback", feedback_source="carer", capability_ids=[w.spare_cap.uuid.upper()])
     , 201),
    ("/enrolments/{enrolment_id}/checkins", "practitioner", lambda w: _enrolment(w, "/checkins"),
     lambda w: {"wellbeing": 3, "ratings": dict.fromkeys(PILLARS, 5)}, 201),
    ("/apprenticeships/{apprenticeship_id}/otj", "practitioner",
     lambda w: f"/api/v1/apprenticeships/{w.apprenticeship.id}/otj", lambda w: _otj_body(w, hours=1.25), 201),
], ids=["revoke", "return", "request", "feedback", "checkin", "otj"])
def test_what_the_schema_accepts_the_server_accepts(document, world, client, db, path, who, url, body,  # noqa: F811
                                                     status):
    payload = body(world)

    assert schema_accepts(document, path, payload)
    response = client.post(url(world), json=payload, headers=bearer(getattr(world, who)))
    assert response.status_code == status, response.get_data(as_text=True)[:400]


def test_rules_keep_their_names_when_the_schema_states_them(world, client, db):  # noqa: F811
    """Stating a rule in the schema does not change the answer clients already read."""
    response = client.post(_revoke(world), json={"reason": " "}, headers=bearer(world.preceptor))
    assert response.get_json()["rule"] == "reason_required"
    response = client.post(_decide(world), json={"decision": "return"}, headers=bearer(world.preceptor))
    assert response.get_json()["rule"] == "feedback_required"


class TestDocument:
    def test_every_operation_with_a_json_body_documents_the_400(self, document):
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                if "application/json" in operation.get("requestBody", {}).get("content", {}):
                    assert "400" in operation["responses"], f"{method.upper()} {path}"
                    assert "JSON object" in operation["responses"]["400"]["description"]

    def test_id_parameters_say_how_large_an_id_can_be(self, document):
        for path, operations in document["paths"].items():
            for operation in operations.values():
                for parameter in operation.get("parameters", []):
                    if parameter["schema"]["type"] != "integer":
                        continue
                    if parameter["in"] == "path":
                        assert parameter["schema"]["maximum"] == 2**31 - 1, path
                        assert "404" in operation["responses"], path
                    else:
                        expected = MAX_PAGE if parameter["name"] == "page" else 2**31 - 1
                        assert parameter["schema"]["maximum"] == expected, (path, parameter["name"])

    def test_the_document_is_still_valid_openapi(self, document):
        from openapi_spec_validator import validate

        validate(document)


@pytest.mark.parametrize(("method", "url"), [
    ("GET", "/api/v1/enrolments/99999999999999999999"),
    ("POST", "/api/v1/enrolments/99999999999999999999/pauses"),
    ("POST", "/api/v1/enrolments/99999999999999999999/supervisions"),
    ("POST", "/api/v1/enrolments/99999999999999999999/checkins"),
    ("POST", "/api/v1/enrolments/99999999999999999999/milestones/review_3m/signatures"),
    ("GET", "/api/v1/evidence/9223372036854775808"),
    ("POST", "/api/v1/signoffs/99999999999999999999/revoke"),
    ("POST", "/api/v1/signoff-requests/2147483648/withdraw"),
    ("GET", "/api/v1/people/99999999999999999999/progression"),
    ("DELETE", "/api/v1/me/passport/shares/99999999999999999999"),
    ("GET", "/api/v1/me/signoffs?page=99999999999999999999"),
])
def test_ids_too_large_for_the_database_answer_404_on_the_api(world, client, db, method, url):  # noqa: F811
    response = client.open(url, method=method, json={}, headers=bearer(world.lead))

    expected = 200 if "page=" in url else 404
    assert response.status_code == expected, response.get_data(as_text=True)[:300]
    assert response.is_json


def test_an_organisation_filter_too_large_for_the_database_is_refused_plainly(world, client, db):  # noqa: F811
    response = client.get("/api/v1/grants?organisation_id=99999999999999999999", headers=bearer(world.lead))

    assert response.status_code == 400
    assert "organisation_id" in response.get_json()["detail"]


@pytest.mark.parametrize("url", [
    "/evidence/99999999999999999999", "/programmes/enrolments/99999999999999999999",
    "/admin/organisations/99999999999999999999", "/reports/organisation?organisation=99999999999999999999",
    "/progression/people?person=99999999999999999999", "/evidence/?page=99999999999999999999",
    "/programmes/enrol?practitioner_id=99999999999999999999&organisation_id=99999999999999999999",
    "/review/requests/99999999999999999999",
])
def test_ids_too_large_for_the_database_never_reach_it_on_web_pages(world, client, db, login, url):  # noqa: F811
    login(world.lead)

    response = client.get(url)

    assert response.status_code in (200, 302, 403, 404), f"{url}: {response.status_code}"


@pytest.mark.parametrize(("method", "url", "allowed"), [
    ("POST", "/api/v1/me", "GET, HEAD, OPTIONS"),
    ("DELETE", "/api/v1/evidence", "OPTIONS, POST"),
    ("PATCH", "/api/v1/frameworks/x/versions/1.0.0", "GET, HEAD, OPTIONS, PUT"),
])
def test_a_405_on_the_api_names_the_allowed_methods_as_a_problem(client, db, method, url, allowed):
    response = client.open(url, method=method)

    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.get_json()["status"] == 405


def test_a_405_on_a_web_page_names_the_allowed_methods(client, db):
    response = client.get("/logout")

    assert response.status_code == 405
    assert response.headers["Allow"] == "OPTIONS, POST"
    assert "not available here" in response.get_data(as_text=True)


def test_future_dates_are_described(document):
    described = document["components"]["schemas"]["EvidenceIn"]["properties"]["occurred_on"]
    assert "future" in described["description"]
    assert (today() + timedelta(days=1)).isoformat()  # the server's rule (date_in_future) checks the real day


@pytest.mark.parametrize(("who", "url", "body"), [
    ("practitioner", "/api/v1/me/passport/shares", {"credential_ids": [TOO_BIG]}),
    ("lead", "/api/v1/enrolments", None),
])
def test_out_of_range_input_the_schema_misses_is_a_problem_not_a_500(world, client, db, who, url, body):  # noqa: F811
    """The safety net: a value too large to store or compute with answers 422 naming no rule."""
    payload = body or {"practitioner_id": world.peer.id, "template": "ahp-preceptorship",
                       "preceptor_id": world.preceptor.id, "lead_id": world.lead.id, "start_on": "9999-12-30"}

    response = client.post(url, json=payload, headers=bearer(getattr(world, who)))

    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"] == "application/problem+json"


def test_a_token_in_steady_use_is_written_down_once_a_minute(world, client, db):  # noqa: F811
    import time_machine

    from competency.accounts.models import ApiToken

    headers = bearer(world.practitioner)
    with time_machine.travel("2026-11-30 09:00:00+00:00", tick=False):
        client.get("/api/v1/me", headers=headers)
        first = db.session.scalar(sa.select(ApiToken.last_used_at).order_by(ApiToken.id.desc()).limit(1))
    with time_machine.travel("2026-11-30 09:00:40+00:00", tick=False):
        client.get("/api/v1/me", headers=headers)
        assert db.session.scalar(sa.select(ApiToken.last_used_at).order_by(ApiToken.id.desc()).limit(1)) == first
    with time_machine.travel("2026-11-30 09:01:30+00:00", tick=False):
        client.get("/api/v1/me", headers=headers)
        later = db.session.scalar(sa.select(ApiToken.last_used_at).order_by(ApiToken.id.desc()).limit(1))
    assert (later - first).total_seconds() == 90


def test_models_of_the_same_name_are_never_merged_in_the_document(document):
    """Frameworks' CapabilityOut and progression's missing capabilities were both "CapabilityOut":
    the document kept one shape for both, so the readiness answer was documented wrongly."""
    schemas = document["components"]["schemas"]
    assert {"id", "pillar", "level"} <= set(schemas["CapabilityOut"]["properties"])
    missing = schemas["MissingCapabilityOut"]["properties"]
    assert set(missing) == {"code", "uuid", "statement"}


def test_a_second_model_with_a_taken_name_stops_the_build():
    from apispec import APISpec
    from pydantic import BaseModel

    from competency.blueprints.api.openapi import _schema_ref

    spec = APISpec(title="t", version="1", openapi_version="3.1.0")
    first = type("Thing", (BaseModel,), {"__annotations__": {"a": int}})
    second = type("Thing", (BaseModel,), {"__annotations__": {"b": str}})
    _schema_ref(spec, first)
    _schema_ref(spec, first)  # the same model again is fine
    with pytest.raises(ValueError, match="Two API models are both called 'Thing'"):
        _schema_ref(spec, second)
