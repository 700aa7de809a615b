"""Bounded cost: nothing a stranger posts to /verify holds a worker for more than a few seconds.

Before issue 12: a 9-node blank-node clique (1.6 KB) ran for minutes in RDF
canonicalisation, a 20,000-node document for 180 s, and the 3 s fetch timeout
applied per socket read, so a DID document dripped one byte a second held a
request for a minute (and a bundle of such issuers multiplied it).
"""
from __future__ import annotations

import copy
import io
import json
import socket
import threading
import time

import pytest

from competency.passport import issuing, resolver
from tests.evidence_support import signoff_world
from tests.passport_support import signed_off


@pytest.fixture
def world(db):
    resolver.clear_caches()
    world = signoff_world()
    world.credential = issuing.issue_signoff_credential(signed_off(world)).document
    return world


def _clique(credential: dict, size: int = 9) -> dict:
    """A credential-shaped document whose subject is one of ``size`` blank nodes that all know each other."""
    nodes = [f"_:n{number}" for number in range(size)]
    document = {key: credential[key] for key in ("@context", "type", "issuer", "validFrom", "proof")}
    document["credentialSubject"] = {"@id": nodes[0], "https://e.x/k": [{"@id": n} for n in nodes[1:]]}
    document["@included"] = [{"@id": node, "https://e.x/k": [{"@id": n} for n in nodes if n != node]} for node in nodes[1:]]
    return document


def _wide(credential: dict, values: int = 20_000) -> dict:
    document = copy.deepcopy(credential)
    document["credentialSubject"]["achievement"]["tag"] = [f"tag {number}" for number in range(values)]
    return document


@pytest.mark.parametrize(("make", "detail"), [(_clique, "look-alike blank nodes"), (_wide, "more than 5,000 values")],
                         ids=["blank-node clique", "20,000 values"])
def test_costly_documents_get_a_422_in_under_two_seconds(world, client, make, detail):
    document = make(world.credential)
    if make is _clique:  # the clique itself is about 1.6 KB (the rest is a genuine credential's header and proof)
        assert len(json.dumps([document["credentialSubject"], document["@included"]])) < 1700
    started = time.perf_counter()
    response = client.post("/api/v1/verify", json={"credential": document})
    elapsed = time.perf_counter() - started
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert detail in response.get_json()["detail"]
    assert elapsed < 2, elapsed


def test_the_upload_page_refuses_a_clique_with_an_inline_error(world, browser):
    raw = json.dumps(_clique(world.credential)).encode()
    started = time.perf_counter()
    response = browser.submit("/verify", {"file": (io.BytesIO(raw), "c.json")}, post_url="/verify",
                              content_type="multipart/form-data")
    assert response.status_code == 400 and "cannot be checked" in response.get_data(as_text=True)
    assert time.perf_counter() - started < 2


class _SlowIssuer:
    """A real loopback server that answers one byte every ``interval`` seconds (``drip``) or never (hang)."""

    def __init__(self, *, drip: bool, interval: float = 0.2) -> None:
        self.drip, self.interval = drip, interval
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        reply = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n" + b" " * 100000
        with connection:
            try:
                connection.recv(65536)
                for byte in reply:
                    if self.stopped.wait(self.interval):
                        return
                    if self.drip:
                        connection.sendall(bytes([byte]))
            except OSError:
                return

    def close(self) -> None:
        self.stopped.set()
        self.sock.close()


def _naming(credential: dict, port: int, slug: str = "slow") -> dict:
    document = copy.deepcopy(credential)
    did = f"did:web:127.0.0.1%3A{port}:orgs:{slug}"
    document["issuer"]["id"] = did
    document["proof"][0]["verificationMethod"] = did + "#" + document["proof"][0]["verificationMethod"].split("#")[1]
    return document


@pytest.mark.parametrize("drip", [True, False], ids=["dripping", "hanging"])
def test_a_slow_issuer_could_not_be_checked_within_the_fetch_deadline(world, app, client, drip):
    issuer = _SlowIssuer(drip=drip)
    try:
        deadline = app.config["PASSPORT_FETCH_TIMEOUT_SECONDS"]
        started = time.perf_counter()
        response = client.post("/api/v1/verify", json={"credential": _naming(world.credential, issuer.port)})
        elapsed = time.perf_counter() - started
    finally:
        issuer.close()
    (result,) = response.get_json()["results"]
    assert result["outcome"] == "could_not_check"
    assert any("timed out" in reason for reason in result["reasons"]), result["reasons"]
    assert deadline - 0.2 <= elapsed < deadline + 1.0, elapsed


def test_a_bundle_of_slow_issuers_stops_at_the_request_deadline(world, app, client):
    issuers = [_SlowIssuer(drip=True) for _ in range(4)]
    app.config["PASSPORT_VERIFY_DEADLINE_SECONDS"] = 3.0
    try:
        bundle = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                  "verifiableCredential": [_naming(world.credential, issuer.port) for issuer in issuers]}
        started = time.perf_counter()
        response = client.post("/api/v1/verify", json={"bundle": bundle})
        elapsed = time.perf_counter() - started
    finally:
        app.config["PASSPORT_VERIFY_DEADLINE_SECONDS"] = 5.0
        for issuer in issuers:
            issuer.close()
    results = response.get_json()["results"]
    assert [r["outcome"] for r in results] == ["could_not_check"] * 4
    assert any("time allowed for this check ran out" in reason for reason in results[-1]["reasons"])
    assert elapsed < 3.0 + 1.0, elapsed


def test_one_request_contacts_a_bounded_number_of_issuers(world, app, client):
    app.config["PASSPORT_FETCHES_PER_REQUEST"] = 2
    try:
        bundle = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                  "verifiableCredential": [_naming(world.credential, port, f"org{port}")
                                           for port in (1, 2, 3)]}
        results = client.post("/api/v1/verify", json={"bundle": bundle}).get_json()["results"]
    finally:
        app.config["PASSPORT_FETCHES_PER_REQUEST"] = 8
    assert [r["outcome"] for r in results] == ["could_not_check"] * 3
    assert any("as many issuers as one request may" in reason for reason in results[2]["reasons"])
