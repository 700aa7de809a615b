"""The sign-off conversation over the API: the same rules, problem+json errors, documented in OpenAPI."""
from __future__ import annotations

from competency.extensions import db
from competency.signoff import services
from competency.signoff.models import Outcome
from tests.evidence_support import capability, log_evidence
from tests.functional.test_signoff_api import problem, world  # noqa: F401  (fixture)


def returned(world):
    evidence = log_evidence(world.practitioner, [world.registered_cap], title="Case discussion")
    request = services.request_signoff(world.practitioner, world.registered_cap, [evidence], world.preceptor)
    services.decide(request, world.preceptor, Outcome.return_, "Name the guidance you used.")
    db.session.commit()
    return request, evidence


def test_return_reply_and_send_again_over_the_api(client, world):
    request, evidence = returned(world)
    body = {"capability_id": world.registered_cap.uuid, "evidence_ids": [evidence.id], "assessor_id": world.preceptor.id}
    problem(client.post("/api/v1/signoff-requests", headers=world.practitioner_auth, json=body), 422,
            "unchanged_resend")

    reply = client.post(f"/api/v1/signoff-requests/{request.id}/messages", headers=world.practitioner_auth,
                        json={"body": "I used the NICE falls guideline."})
    assert reply.status_code == 201 and reply.get_json()["is_practitioner"] is True
    resent = client.post("/api/v1/signoff-requests", headers=world.practitioner_auth, json=body)
    assert resent.status_code == 201, resent.get_data(as_text=True)
    assert resent.get_json()["resubmits_id"] == request.id

    detail = client.get(f"/api/v1/signoff-requests/{resent.get_json()['id']}", headers=world.preceptor_auth)
    assert detail.status_code == 200
    earlier = detail.get_json()["earlier"]
    assert [r["id"] for r in earlier] == [request.id]
    assert earlier[0]["decision"]["comment"] == "Name the guidance you used."
    assert earlier[0]["messages"][0]["body"] == "I used the NICE falls guideline."


def test_outsiders_neither_read_nor_write(client, world):
    request, _ = returned(world)
    for auth in (world.peer_auth, world.foreign_preceptor_auth):
        problem(client.get(f"/api/v1/signoff-requests/{request.id}", headers=auth), 404)
        problem(client.post(f"/api/v1/signoff-requests/{request.id}/messages", headers=auth,
                            json={"body": "Hello"}), 404)


def test_message_rules_are_problem_documents(client, world):
    request, _ = returned(world)
    problem(client.post(f"/api/v1/signoff-requests/{request.id}/messages", headers=world.practitioner_auth,
                        json={"body": "  "}), 422, "message_required")
    problem(client.post(f"/api/v1/signoff-requests/{request.id}/messages", headers=world.practitioner_auth,
                        json={"body": "x" * 5001}), 422)


def test_several_at_once_all_or_nothing(client, world):
    second = capability(world.version, "registered", "leadership")
    log_evidence(world.practitioner, [world.registered_cap, second, world.advanced_cap])
    db.session.commit()
    refused = client.post("/api/v1/signoff-requests/batch", headers=world.practitioner_auth, json={
        "items": [{"capability_id": world.registered_cap.uuid}, {"capability_id": world.advanced_cap.uuid}],
        "assessor_id": world.preceptor.id})
    body = problem(refused, 422, "assessor_not_eligible")
    assert "PP-7-01" in body["detail"]
    made = client.post("/api/v1/signoff-requests/batch", headers=world.practitioner_auth, json={
        "items": [{"capability_id": world.registered_cap.uuid}, {"capability_id": second.uuid}],
        "assessor_id": world.preceptor.id, "message": "Both, please"})
    assert made.status_code == 201, made.get_data(as_text=True)
    items = made.get_json()["items"]
    assert {i["capability_id"] for i in items} == {world.registered_cap.uuid, second.uuid}
    assert all(i["state"] == "pending" and i["evidence_ids"] for i in items)


def test_the_conversation_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert "get" in paths["/signoff-requests/{request_id}"]
    assert "post" in paths["/signoff-requests/{request_id}/messages"]
    assert "post" in paths["/signoff-requests/batch"]
    assert "422" in paths["/signoff-requests/{request_id}/messages"]["post"]["responses"]
