"""The evidence and sign-off API: the same rules, with problem+json naming the rule that failed."""
from __future__ import annotations

import io

import pytest

from competency.accounts.services import create_api_token
from competency.extensions import db
from tests.evidence_support import log_evidence, signoff_world
from tests.unit.evidence.test_uploads import EXE_BYTES, PDF_BYTES


@pytest.fixture
def world(db):
    world = signoff_world()
    for name in ("practitioner", "preceptor", "lead", "peer", "foreign_preceptor"):
        _, secret = create_api_token(getattr(world, name), "test")
        setattr(world, f"{name}_auth", {"Authorization": f"Bearer {secret}"})
    db.session.commit()
    return world


def problem(response, status: int, rule: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.get_json()
    if rule:
        assert body["rule"] == rule, body
    return body


def new_evidence(client, world, **extra) -> dict:
    response = client.post("/api/v1/evidence", headers=world.practitioner_auth, json={
        "kind": "direct_observation", "title": "Observed transfer", "occurred_on": "2026-10-20",
        "text": "<p>Observed by my preceptor.</p><script>x</script>",
        "capability_ids": [world.registered_cap.uuid], **extra})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_the_whole_journey_over_the_api(client, world):
    evidence = new_evidence(client, world)
    assert evidence["text"] == "<p>Observed by my preceptor.</p>"
    upload = client.post(f"/api/v1/evidence/{evidence['id']}/files", headers=world.practitioner_auth,
                         data={"file": (io.BytesIO(PDF_BYTES), "observation.pdf")})
    assert upload.status_code == 201 and upload.get_json()["media_type"] == "application/pdf"

    response = client.post("/api/v1/signoff-requests", headers=world.practitioner_auth, json={
        "capability_id": world.registered_cap.uuid, "evidence_ids": [evidence["id"]],
        "assessor_id": world.preceptor.id})
    assert response.status_code == 201, response.get_data(as_text=True)
    request = response.get_json()
    assert request["state"] == "pending" and request["evidence_ids"] == [evidence["id"]]

    # The assessor can read the cited evidence; a peer cannot.
    assert client.get(f"/api/v1/evidence/{evidence['id']}", headers=world.preceptor_auth).status_code == 200
    problem(client.get(f"/api/v1/evidence/{evidence['id']}", headers=world.peer_auth), 404)

    decided = client.post(f"/api/v1/signoff-requests/{request['id']}/decision", headers=world.preceptor_auth,
                          json={"decision": "sign", "comment": "Safe transfer observed."})
    assert decided.status_code == 200
    assert decided.get_json()["state"] == "signed" and decided.get_json()["signoff_id"]

    again = client.post(f"/api/v1/signoff-requests/{request['id']}/decision", headers=world.lead_auth,
                        json={"decision": "return", "comment": "too late"})
    assert "already been signed off" in problem(again, 409, "already_decided")["detail"]

    mine = client.get("/api/v1/me/signoffs", headers=world.practitioner_auth).get_json()
    assert mine["total"] == 1
    signoff = mine["items"][0]
    assert signoff["capability_id"] == world.registered_cap.uuid and signoff["assessor_name"] == "Tom Preceptor"
    assert signoff["evidence_hashes"][0]["content_hash"]

    frozen = client.get(f"/api/v1/evidence/{evidence['id']}", headers=world.practitioner_auth).get_json()
    assert frozen["is_frozen"] is True
    problem(client.post(f"/api/v1/evidence/{evidence['id']}/files", headers=world.practitioner_auth,
                        data={"file": (io.BytesIO(b"more"), "more.txt")}), 409, "evidence_frozen")

    problem(client.post(f"/api/v1/signoffs/{signoff['id']}/revoke", headers=world.peer_auth,
                        json={"reason": "x"}), 404)
    problem(client.post(f"/api/v1/signoffs/{signoff['id']}/revoke", headers=world.lead_auth,
                        json={"reason": "  "}), 422, "reason_required")
    revoked = client.post(f"/api/v1/signoffs/{signoff['id']}/revoke", headers=world.lead_auth,
                          json={"reason": "Wrong capability."})
    assert revoked.status_code == 201 and revoked.get_json()["revocation"]["reason"] == "Wrong capability."


@pytest.mark.parametrize(("who", "rule"), [
    ("practitioner", "no_self_signoff"),
    ("foreign_preceptor", "assessor_not_eligible"),
    ("peer", "assessor_not_eligible"),
])
def test_request_rules_are_named(client, world, who, rule):
    evidence = new_evidence(client, world)
    body = problem(client.post("/api/v1/signoff-requests", headers=world.practitioner_auth, json={
        "capability_id": world.registered_cap.uuid, "evidence_ids": [evidence["id"]],
        "assessor_id": getattr(world, who).id}), 422, rule)
    assert world.foreign_preceptor.display_name not in body["detail"]


def test_evidence_rules_are_named(client, world):
    unlinked = new_evidence(client, world, capability_ids=[world.support_cap.uuid])
    problem(client.post("/api/v1/signoff-requests", headers=world.practitioner_auth, json={
        "capability_id": world.registered_cap.uuid, "evidence_ids": [unlinked["id"]],
        "assessor_id": world.preceptor.id}), 422, "evidence_not_linked")
    problem(client.post("/api/v1/signoff-requests", headers=world.practitioner_auth, json={
        "capability_id": world.registered_cap.uuid, "evidence_ids": [],
        "assessor_id": world.preceptor.id}), 422, "evidence_required")
    theirs = log_evidence(world.peer, [world.registered_cap])
    db.session.commit()
    problem(client.post("/api/v1/signoff-requests", headers=world.practitioner_auth, json={
        "capability_id": world.registered_cap.uuid, "evidence_ids": [theirs.id],
        "assessor_id": world.preceptor.id}), 422, "evidence_not_owned")


def test_withdraw_and_feedback_rules(client, world):
    evidence = new_evidence(client, world)
    request = client.post("/api/v1/signoff-requests", headers=world.practitioner_auth, json={
        "capability_id": world.registered_cap.uuid, "evidence_ids": [evidence["id"]],
        "assessor_id": world.preceptor.id}).get_json()
    problem(client.post(f"/api/v1/signoff-requests/{request['id']}/decision", headers=world.preceptor_auth,
                        json={"decision": "return"}), 422, "feedback_required")
    problem(client.post(f"/api/v1/signoff-requests/{request['id']}/withdraw", headers=world.foreign_preceptor_auth),
            404)
    problem(client.post(f"/api/v1/signoff-requests/{request['id']}/withdraw", headers=world.preceptor_auth),
            403, "not_owner")
    withdrawn = client.post(f"/api/v1/signoff-requests/{request['id']}/withdraw", headers=world.practitioner_auth)
    assert withdrawn.get_json()["state"] == "withdrawn"
    problem(client.post(f"/api/v1/signoff-requests/{request['id']}/decision", headers=world.preceptor_auth,
                        json={"decision": "sign"}), 409, "already_withdrawn")


def test_a_renamed_executable_is_refused_over_the_api(client, world):
    evidence = new_evidence(client, world)
    body = problem(client.post(f"/api/v1/evidence/{evidence['id']}/files", headers=world.practitioner_auth,
                               data={"file": (io.BytesIO(EXE_BYTES), "report.pdf")}), 422, "upload_executable")
    assert "is a program" in body["detail"]


def test_the_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, method in [("/evidence", "post"), ("/evidence/{evidence_id}", "get"),
                         ("/evidence/{evidence_id}/files", "post"), ("/signoff-requests", "post"),
                         ("/signoff-requests/{request_id}/decision", "post"),
                         ("/signoff-requests/{request_id}/withdraw", "post"), ("/me/signoffs", "get"),
                         ("/signoffs/{signoff_id}/revoke", "post")]:
        assert method in paths[path], path
    assert "multipart/form-data" in paths["/evidence/{evidence_id}/files"]["post"]["requestBody"]["content"]
