"""Fetching issuers' documents: SSRF guard, short timeouts, no redirects, caching for the stated time."""
from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from competency.passport import resolver
from competency.passport.verification import FetchError


class Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.end_headers()
            return
        if self.path == "/huge":
            body = b'"' + b"x" * (resolver.MAX_BYTES + 10) + b'"'
        elif self.path.startswith("/status-ttl-0"):
            body = json.dumps({"id": "list", "credentialSubject": {"ttl": 0}}).encode()
        else:
            body = json.dumps({"id": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "max-age=60")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    Handler.hits = {}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def production_like(app):
    """The guard as in production: private addresses refused unless allow-listed."""
    resolver.clear_caches()
    saved = {key: app.config[key] for key in ("PASSPORT_FETCH_ALLOW_PRIVATE", "PASSPORT_FETCH_ALLOWED_HOSTS")}
    app.config.update(PASSPORT_FETCH_ALLOW_PRIVATE=False, PASSPORT_FETCH_ALLOWED_HOSTS=[])
    with app.app_context():
        yield app
    app.config.update(saved)


def test_loopback_and_private_addresses_are_refused_in_production(production_like, server):
    with pytest.raises(FetchError, match="private or local network"):
        resolver.get_json(f"{server}/orgs/x/did.json")
    with pytest.raises(FetchError, match="private or local network"):
        resolver.resolve_did("did:web:localhost%3A9:orgs:x")
    for address in ("https://10.1.2.3/x", "https://192.168.0.4/x", "https://169.254.169.254/latest/meta-data",
                    "https://[::1]/x", "https://0.0.0.0/x"):
        with pytest.raises(FetchError):
            resolver.get_json(address)
    assert Handler.hits == {}


def test_plain_http_is_only_for_loopback_and_urls_must_be_web_addresses(production_like):
    for address, message in (("http://issuer.example.org/did.json", "https"),
                             ("file:///etc/passwd", "not a web address"),
                             ("https://user:pw@issuer.example.org/x", "user name")):
        with pytest.raises(FetchError, match=message):
            resolver.get_json(address)


def test_an_allow_listed_host_may_be_private(production_like, server):
    production_like.config["PASSPORT_FETCH_ALLOWED_HOSTS"] = ["127.0.0.1"]
    document, max_age = resolver.get_json(f"{server}/ok")
    assert document == {"id": "/ok"} and max_age == 60


def test_redirects_are_not_followed_and_large_replies_refused(app, server):
    with app.app_context():
        with pytest.raises(FetchError, match="answered 302"):
            resolver.get_json(f"{server}/redirect")
        with pytest.raises(FetchError, match="too large"):
            resolver.get_json(f"{server}/huge")


def test_a_silent_server_times_out_quickly(app):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    saved = app.config["PASSPORT_FETCH_TIMEOUT_SECONDS"]
    app.config["PASSPORT_FETCH_TIMEOUT_SECONDS"] = 0.5
    try:
        with app.app_context():
            started = time.monotonic()
            with pytest.raises(FetchError, match="timed out"):
                resolver.get_json(f"http://127.0.0.1:{port}/slow")
            assert time.monotonic() - started < 2
    finally:
        app.config["PASSPORT_FETCH_TIMEOUT_SECONDS"] = saved
        listener.close()


def test_documents_are_cached_for_the_stated_time_and_ttl_zero_is_fetched_every_time(app, server):
    resolver.clear_caches()
    with app.app_context():
        port = server.rsplit(":", 1)[1]
        did = f"did:web:127.0.0.1%3A{port}:orgs:cached"
        assert resolver.resolve_did(did) == {"id": "/orgs/cached/did.json"}
        resolver.resolve_did(did)
        assert Handler.hits["/orgs/cached/did.json"] == 1  # max-age=60: kept
        resolver.fetch_status_list(f"{server}/status-ttl-0")
        resolver.fetch_status_list(f"{server}/status-ttl-0")
        assert Handler.hits["/status-ttl-0"] == 2  # the list says ttl 0: never kept
