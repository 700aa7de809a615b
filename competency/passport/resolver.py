"""Fetching issuers' DID documents, status lists and shared bundles over HTTP, safely.

- **Short timeouts** (``PASSPORT_FETCH_TIMEOUT_SECONDS`` per connect and read),
  replies capped at 2 MiB, no redirects followed, JSON only.
- **SSRF guard.** The URLs come from whoever made the credential, so the host
  is resolved first and refused when any address is private, loopback,
  link-local or otherwise not globally routable, unless the host is in
  ``PASSPORT_FETCH_ALLOWED_HOSTS`` or ``PASSPORT_FETCH_ALLOW_PRIVATE`` is on
  (Development and Testing, so two installations on loopback can talk).  The
  connection then goes to the address that was checked, so a second DNS
  answer cannot point it elsewhere.  Plain http is accepted only for loopback
  hosts (as :func:`competency.passport.did.did_web_to_url` maps them).
- **Caching.** DID documents are kept for the reply's ``Cache-Control:
  max-age`` (default ``PASSPORT_FETCH_CACHE_SECONDS``), status lists for their
  ``ttl`` (milliseconds) or max-age; both capped at
  ``PASSPORT_FETCH_CACHE_MAX_SECONDS``.  An issuer stating 0 is fetched every
  time.  The cache is per process; failures are never cached.
- **Our own issuers** (DIDs and lists under this installation's ``BASE_URL``)
  are answered from the database without HTTP.

Every failure raises :class:`~competency.passport.verification.FetchError`,
which verification reports as "Could not check", never as valid.
"""
from __future__ import annotations

import http.client
import ipaddress
import json
import re
import socket
import ssl
import threading
import time
from collections import OrderedDict
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app

from competency.passport.did import DidError, did_web_for, did_web_to_url, is_loopback_host
from competency.passport.verification import FetchError

MAX_BYTES = 2 * 1024 * 1024
USER_AGENT = "competency-passport-verifier/1"
_MAX_AGE = re.compile(r"max-age=(\d+)")


class _TimedCache:
    """A small thread-safe cache with per-entry expiry (oldest entries dropped past ``size``)."""

    def __init__(self, size: int = 1024) -> None:
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, key: str) -> Any | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            if found[0] <= time.monotonic():
                del self._items[key]
                return None
            return found[1]

    def put(self, key: str, value: Any, seconds: float) -> None:
        if seconds <= 0:
            return
        with self._lock:
            self._items[key] = (time.monotonic() + seconds, value)
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_documents = _TimedCache()
_proof_lock = threading.Lock()


class BoundedProofCache(dict):
    """Status list proofs already verified (``verify_credential(status_proof_cache=...)``);
    emptied when it grows past a few thousand lists."""

    def __setitem__(self, key, value) -> None:
        with _proof_lock:
            if len(self) > 4096:
                self.clear()
            super().__setitem__(key, value)


status_proof_cache = BoundedProofCache()


def clear_caches() -> None:
    _documents.clear()
    status_proof_cache.clear()


def _setting(name: str, default: Any) -> Any:
    return current_app.config.get(name, default)


def _checked_address(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, address to connect to) after the SSRF checks.

    :raises FetchError: not http(s), http to a public host, or a refused address.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("the address is not a web address")
    if parts.username or parts.password:
        raise FetchError("the address carries a user name or password")
    host = parts.hostname.lower()
    if parts.scheme == "http" and not is_loopback_host(host):
        raise FetchError("the address does not use https")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchError("the address has an invalid port") from None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError(f"the host {host} could not be found") from None
    addresses = [info[4][0] for info in infos]
    may_be_private = bool(_setting("PASSPORT_FETCH_ALLOW_PRIVATE", False)) or \
        host in _setting("PASSPORT_FETCH_ALLOWED_HOSTS", [])
    if not may_be_private:
        for address in addresses:
            if not ipaddress.ip_address(address.split("%", 1)[0]).is_global:
                raise FetchError(f"the host {host} is on a private or local network, which this server does not "
                                 f"contact")
    return parts.scheme, host, port, addresses[0]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def get_json(url: str, *, accept: str = "application/json") -> tuple[Any, int | None]:
    """GET ``url`` and parse JSON; returns the document and the reply's max-age (if any).

    :raises FetchError: refused address, timeout, non-200 reply, too large, not JSON.
    """
    scheme, host, port, address = _checked_address(url)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timeout = float(_setting("PASSPORT_FETCH_TIMEOUT_SECONDS", 3.0))
    connection_class = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    connection = connection_class(host, port, address, timeout)
    try:
        connection.request("GET", path, headers={"Accept": accept, "User-Agent": USER_AGENT})
        response = connection.getresponse()
        if response.status != 200:
            raise FetchError(f"{host} answered {response.status}")
        body = response.read(MAX_BYTES + 1)
        cache_control = response.getheader("Cache-Control") or ""
    except FetchError:
        raise
    except (OSError, http.client.HTTPException) as error:
        detail = "timed out" if isinstance(error, TimeoutError | socket.timeout) else "could not be reached"
        raise FetchError(f"{host} {detail}") from None
    finally:
        connection.close()
    if len(body) > MAX_BYTES:
        raise FetchError(f"the reply from {host} is too large")
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise FetchError(f"the reply from {host} is not JSON") from None
    match = _MAX_AGE.search(cache_control)
    max_age = 0 if "no-store" in cache_control or "no-cache" in cache_control else (
        int(match.group(1)) if match else None)
    return document, max_age


def _cache_seconds(stated: int | None) -> int:
    default = int(_setting("PASSPORT_FETCH_CACHE_SECONDS", 300))
    ceiling = int(_setting("PASSPORT_FETCH_CACHE_MAX_SECONDS", 3600))
    return max(0, min(default if stated is None else stated, ceiling))


def _own_base() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def _own_slug(did: str) -> str | None:
    prefix = did_web_for(_own_base(), "orgs") + ":"
    rest = did[len(prefix):] if did.startswith(prefix) else None
    return unquote(rest) if rest and ":" not in rest else None


def resolve_did(did: str) -> dict:
    """The DID document of ``did`` (did:web only).

    :raises FetchError: unsupported DID, unreachable, refused or malformed.
    """
    slug = _own_slug(did) if isinstance(did, str) else None
    if slug is not None:
        from competency.passport import queries
        from competency.passport.keys import did_document

        organisation = queries.organisation_by_slug(slug)
        document = did_document(organisation) if organisation is not None else None
        if document is None:
            raise FetchError("this installation has no such issuer")
        return document
    cached = _documents.get(f"did:{did}")
    if cached is not None:
        return cached
    try:
        url = did_web_to_url(did)
    except DidError:
        raise FetchError("only did:web issuers can be checked") from None
    document, max_age = get_json(url, accept="application/did+json, application/json")
    if not isinstance(document, dict):
        raise FetchError("the issuer's DID document is not a JSON object")
    _documents.put(f"did:{did}", document, _cache_seconds(max_age))
    return document


def fetch_status_list(url: str) -> dict:
    """The status list credential at ``url`` (cached for its ``ttl``)."""
    own = f"{_own_base()}/status/"
    if isinstance(url, str) and url.startswith(own):
        from competency.passport.status import find_list, signed_list

        status_list = find_list(url[len(own):])
        if status_list is None:
            raise FetchError("this installation has no such status list")
        return signed_list(status_list)
    cached = _documents.get(f"status:{url}")
    if cached is not None:
        return cached
    document, max_age = get_json(url, accept="application/vc+ld+json, application/json")
    if not isinstance(document, dict):
        raise FetchError("the status list is not a JSON object")
    ttl = document.get("credentialSubject", {}).get("ttl") if isinstance(document.get("credentialSubject"), dict) \
        else None
    stated = int(ttl) // 1000 if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl >= 0 else max_age
    _documents.put(f"status:{url}", document, _cache_seconds(stated))
    return document


def fetch_shared_bundle(url: str) -> Any:
    """The JSON bundle behind a share link on another installation (never cached).

    :raises FetchError: see :func:`get_json`; a revoked or expired link answers 404.
    """
    document, _ = get_json(url, accept="application/json")
    return document
