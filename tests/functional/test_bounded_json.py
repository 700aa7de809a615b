"""Malformed or oversized JSON gets a clear 4xx on every endpoint that reads JSON, never a 500.

Before the bounded parser, a body nested 1,000 deep raised RecursionError (500) on
/api/v1/verify, /api/v1/evidence, the /verify upload and /passport/import, and a lone
surrogate inside a genuine credential failed later while hashing (500).
"""
from __future__ import annotations

import io
import json
import time

import pytest

from competency import bounded_json
from competency.accounts.services import create_api_token
from competency.passport import resolver
from tests.evidence_support import signoff_world
from tests.passport_support import signed_off

DEEP = ("[" * 1000 + "]" * 1000).encode()
DEEP_OBJECT = ('{"credential":' + '{"a":' * 1000 + "1" + "}" * 1000 + "}").encode()


@pytest.fixture
def world(db):
    resolver.clear_caches()
    world = signoff_world()
    signed_off(world)
    _, world.token = create_api_token(world.practitioner, "tests")
    return world


def _credential_text_with_lone_surrogate(client, world) -> bytes:
    bundle = client.get("/api/v1/me/passport", headers={"Authorization": f"Bearer {world.token}"}).get_json()
    credential = bundle["verifiableCredential"][0]
    text = json.dumps(credential)
    name = json.dumps(credential["name"])
    return text.replace(name, '"\\ud800 ' + credential["name"] + '"', 1).encode()


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"].startswith("application/problem+json")
    return response.get_json()


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_verify_api_refuses_a_body_nested_1000_deep_with_422(client, db, body):
    started = time.perf_counter()
    response = client.post("/api/v1/verify", data=body, content_type="application/json")
    problem = _problem(response, 422)
    assert "nested more than 64 levels" in problem["detail"]
    assert time.perf_counter() - started < 2


def test_evidence_api_refuses_a_body_nested_1000_deep_with_422(client, world):
    response = client.post("/api/v1/evidence", data=DEEP, content_type="application/json",
                           headers={"Authorization": f"Bearer {world.token}"})
    assert "nested more than" in _problem(response, 422)["detail"]


def test_verify_api_refuses_a_lone_surrogate_in_a_genuine_credential(client, world):
    body = b'{"credential": ' + _credential_text_with_lone_surrogate(client, world) + b"}"
    response = client.post("/api/v1/verify", data=body, content_type="application/json")
    assert "not valid Unicode" in _problem(response, 422)["detail"]


def test_verify_api_refuses_a_body_over_the_size_limit_with_413(app, client, db):
    limit = app.config["JSON_MAX_BYTES"]
    body = json.dumps({"credential": {"name": "x" * limit}}).encode()
    response = client.post("/api/v1/verify", data=body, content_type="application/json")
    assert "larger than" in _problem(response, 413)["detail"]


@pytest.mark.parametrize("raw", [DEEP, None], ids=["deep", "lone-surrogate"])
def test_the_verify_page_shows_an_inline_error_for_a_deep_or_broken_file(client, world, browser, raw):
    raw = raw or _credential_text_with_lone_surrogate(client, world)
    response = browser.submit("/verify", {"file": (io.BytesIO(raw), "passport.json")}, post_url="/verify",
                              content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "nested more than" in html or "not valid Unicode" in html
    assert "There is a problem" in html


@pytest.mark.parametrize("raw", [DEEP, None], ids=["deep", "lone-surrogate"])
def test_the_import_page_shows_an_inline_error_for_a_deep_or_broken_file(client, world, login, browser, raw):
    raw = raw or _credential_text_with_lone_surrogate(client, world)
    login(world.practitioner)
    response = browser.submit("/passport/import", {"organisation_id": str(world.org.id),
                                                   "file": (io.BytesIO(raw), "passport.json")},
                              post_url="/passport/import", content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "nested more than" in html or "not valid Unicode" in html


def test_the_parser_counts_values_without_recursing():
    wide = json.dumps([[0] * 1000] * 300)
    with pytest.raises(bounded_json.JSONLimitError) as raised:
        bounded_json.loads(wide, max_nodes=100_000)
    assert "more than 100,000 values" in raised.value.message
    assert bounded_json.loads('{"a": ["\\ud83d\\ude00"]}') == {"a": ["\U0001F600"]}  # a proper pair is fine


def test_evidence_api_refuses_a_lone_surrogate_with_422(client, world):
    body = b'{"kind": "reflection", "title": "Bad \\ud800 text", "occurred_on": "2026-11-01"}'
    response = client.post("/api/v1/evidence", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {world.token}"})
    assert "not valid Unicode" in _problem(response, 422)["detail"]
