"""The passport API: my bundle, share links, and POST /api/v1/verify."""
from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from competency.accounts.services import create_api_token
from competency.extensions import db
from competency.passport import resolver
from competency.passport.models import PassportCredential
from tests.evidence_support import signoff_world
from tests.passport_support import signed_off

BASE = "http://127.0.0.1:5000"


@pytest.fixture
def world(db):
    resolver.clear_caches()
    world = signoff_world()
    signed_off(world)
    _, world.token = create_api_token(world.practitioner, "tests")
    return world


def auth(world) -> dict:
    return {"Authorization": f"Bearer {world.token}"}


def test_my_passport_is_a_presentation_of_signed_credentials(world, client):
    response = client.get("/api/v1/me/passport", headers=auth(world))
    assert response.status_code == 200
    bundle = response.get_json()
    assert bundle["type"] == ["VerifiablePresentation"]
    (credential,) = bundle["verifiableCredential"]
    assert credential["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    (entry,) = bundle["competency:credentialIndex"]
    assert entry["credential_id"] == credential["id"] and entry["origin"] == "issued"


def test_my_passport_expands_as_json_ld(world, client):
    # Before issue 12 the index entries' numeric "id" made pyld refuse the bundle ("@id" value must a string).
    from pyld import jsonld

    from competency.passport.contexts import document_loader

    bundle = client.get("/api/v1/me/passport", headers=auth(world)).get_json()
    (expanded,) = jsonld.expand(bundle, {"documentLoader": document_loader})
    (index,) = expanded["urn:competency:passport#credentialIndex"]
    assert index["@type"] == "@json" and index["@value"] == bundle["competency:credentialIndex"]
    assert expanded["https://www.w3.org/2018/credentials#verifiableCredential"]


def test_a_share_made_through_the_api_opens_and_its_deletion_closes_it(world, client):
    ids = [e["id"] for e in client.get("/api/v1/me/passport", headers=auth(world)).get_json()
           ["competency:credentialIndex"]]
    created = client.post("/api/v1/me/passport/shares", headers=auth(world),
                          json={"credential_ids": ids, "note": "For the agency"})
    assert created.status_code == 201
    share = created.get_json()
    assert share["url"].startswith(f"{BASE}/share/") and share["note"] == "For the agency"
    path = share["url"].removeprefix(BASE)
    assert client.get(path).status_code == 200
    results = client.post("/api/v1/verify", json={"share_url": share["url"]}).get_json()["results"]
    assert [r["outcome"] for r in results] == ["valid"]
    assert client.delete(f"/api/v1/me/passport/shares/{share['id']}", headers=auth(world)).status_code == 204
    assert client.get(path).status_code == 404
    gone = client.post("/api/v1/verify", json={"share_url": share["url"]})
    assert gone.status_code == 422 and "expired or was withdrawn" in gone.get_json()["detail"]


def test_sharing_needs_at_least_one_of_my_credentials(world, client):
    empty = client.post("/api/v1/me/passport/shares", headers=auth(world), json={"credential_ids": []})
    assert empty.status_code == 422
    foreign = client.post("/api/v1/me/passport/shares", headers=auth(world), json={"credential_ids": [999999]})
    assert foreign.status_code == 422 and "not in your passport" in foreign.get_json()["detail"]
    too_large = client.post("/api/v1/me/passport/shares", headers=auth(world),
                            json={"credential_ids": [99999999999999999999]})
    assert too_large.status_code == 422 and "credential_ids" in too_large.get_data(as_text=True)


def test_verify_accepts_a_credential_a_bundle_or_the_document_itself(world, client):
    bundle = client.get("/api/v1/me/passport", headers=auth(world)).get_json()
    credential = bundle["verifiableCredential"][0]
    for body in ({"credential": credential}, {"bundle": bundle}, credential):
        (result,) = client.post("/api/v1/verify", json=body).get_json()["results"]
        assert result["outcome"] == "valid" and result["label"] == "Valid"
        assert result["issuer"]["is_known"] is True and result["summary"]["assessor"] == "Tom Preceptor"
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["achievement"]["humanCode"] = "XX-9-99"
    (result,) = client.post("/api/v1/verify", json={"credential": tampered}).get_json()["results"]
    assert result["outcome"] == "not_valid" and result["reasons"]
    nothing = client.post("/api/v1/verify", json={"hello": "world"})
    assert nothing.status_code == 422


def test_the_passport_routes_are_in_the_openapi_document(client, db):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/me/passport", "/me/passport/shares", "/me/passport/shares/{share_id}", "/verify"} <= set(paths)
    assert "security" not in paths["/verify"]["post"]


def test_a_scanned_qr_link_can_be_pasted_for_verification(world, client):
    client.get("/api/v1/me/passport", headers=auth(world))
    credential = db.session.scalar(sa.select(PassportCredential))
    url = f"{BASE}/verify/c/{credential.public_id}"
    (result,) = client.post("/api/v1/verify", json={"share_url": url}).get_json()["results"]
    assert result["outcome"] == "valid" and result["credential_id"] == credential.credential_uri


def test_re_checking_one_of_our_own_credentials_costs_one_select(world, client, count_queries):
    # A byte-identical copy of a credential issued here is recognised by its digest: no RDF work,
    # the DID document and status list come from the stamped cache, the stamp with that one SELECT.
    credential = client.get("/api/v1/me/passport", headers=auth(world)).get_json()["verifiableCredential"][0]
    assert client.post("/api/v1/verify", json={"credential": credential}).status_code == 200  # warms the caches
    with count_queries() as statements:
        (result,) = client.post("/api/v1/verify", json={"credential": credential}).get_json()["results"]
    assert result["outcome"] == "valid" and result["issuer"]["known_from"] == "this installation"
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1, statements


def test_revoking_shows_on_the_very_next_check_even_with_warm_caches(world, client):
    from competency.passport import issuing

    credential = client.get("/api/v1/me/passport", headers=auth(world)).get_json()["verifiableCredential"][0]
    for _ in range(2):
        assert client.post("/api/v1/verify", json={"credential": credential}).get_json()["results"][0][
            "outcome"] == "valid"
    row = db.session.scalar(sa.select(PassportCredential).filter_by(credential_uri=credential["id"]))
    issuing.revoke_credential(row, "Signed off in error", by=world.lead)
    db.session.commit()
    (result,) = client.post("/api/v1/verify", json={"credential": credential}).get_json()["results"]
    assert result["outcome"] == "not_valid" and any(r.startswith("Revoked by the issuer") for r in result["reasons"])
