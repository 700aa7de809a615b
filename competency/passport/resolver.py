"""Fetching issuers' DID documents, status lists and shared bundles over HTTP, safely.

- **Deadlines, not timeouts.** ``PASSPORT_FETCH_TIMEOUT_SECONDS`` is the total
  time one fetch may take (name lookup, connect, headers and body together): a
  watchdog shuts the socket when it passes, so an issuer that drips a byte a
  second cannot hold a request by answering just often enough.  A whole
  verification request has ``PASSPORT_VERIFY_DEADLINE_SECONDS`` and at most
  ``PASSPORT_FETCHES_PER_REQUEST`` fetches from other installations
  (:func:`request_budget`); past either, what is left answers "Could not check".
  Replies are capped at 2 MiB, no redirects are followed, JSON only.
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
  are answered from the database without HTTP, through the stamped
  per-process cache of :mod:`competency.passport.freshness`; our own lists
  come back as :class:`~competency.passport.statuslist.LocalStatusList` (read
  from the database, so there is no list proof to check).

Every failure raises :class:`~competency.passport.verification.FetchError`,
which verification reports as "Could not check", never as valid.
"""
from __future__ import annotations

import contextlib
import contextvars
import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app

from competency import bounded_json
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
    from competency.passport import freshness

    _documents.clear()
    status_proof_cache.clear()
    freshness.clear()


def _setting(name: str, default: Any) -> Any:
    return current_app.config.get(name, default)


@dataclass
class RequestBudget:
    """What one verification request may still spend on other installations: time and fetches."""

    deadline: float
    fetches_left: int

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def take_fetch(self) -> None:
        """:raises FetchError: no time or no fetches left in this request."""
        if self.remaining() <= 0:
            raise FetchError("the time allowed for this check ran out")
        if self.fetches_left <= 0:
            raise FetchError("this check already contacted as many issuers as one request may")
        self.fetches_left -= 1


_budget: contextvars.ContextVar[RequestBudget | None] = contextvars.ContextVar("passport_fetch_budget", default=None)


@contextlib.contextmanager
def request_budget(seconds: float | None = None, fetches: int | None = None) -> Iterator[RequestBudget]:
    """Bound every fetch made inside the block by one deadline and one count (nested blocks share the outer)."""
    current = _budget.get()
    if current is not None:
        yield current
        return
    seconds = float(_setting("PASSPORT_VERIFY_DEADLINE_SECONDS", 5.0)) if seconds is None else seconds
    fetches = int(_setting("PASSPORT_FETCHES_PER_REQUEST", 8)) if fetches is None else fetches
    budget = RequestBudget(time.monotonic() + seconds, fetches)
    token = _budget.set(budget)
    try:
        yield budget
    finally:
        _budget.reset(token)


def current_budget() -> RequestBudget | None:
    return _budget.get()


# Name lookups cannot be given a timeout, so they run here and are waited for up to the deadline.
_lookups = ThreadPoolExecutor(max_workers=4, thread_name_prefix="passport-dns")


def _checked_address(url: str, deadline: float | None = None) -> tuple[str, str, int, str]:
    """(scheme, host, port, address to connect to) after the SSRF checks.

    :raises FetchError: not http(s), http to a public host, a refused address,
        or no answer from the name lookup before ``deadline``.
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
    lookup = _lookups.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = lookup.result(timeout=None if deadline is None else max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        raise FetchError(f"{host} timed out") from None
    except (socket.gaierror, UnicodeError, OSError):
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


class _Watchdog:
    """Shuts a connection's socket when its deadline passes, whatever call is blocked on it."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self.fired = False
        self._connection = connection
        self._timer = threading.Timer(max(0.0, seconds), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        sock = self._connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


def get_json(url: str, *, accept: str = "application/json") -> tuple[Any, int | None]:
    """GET ``url`` and parse JSON; returns the document and the reply's max-age (if any).

    The whole fetch (lookup, connect, headers, body) ends by one deadline: the
    fetch timeout, or what is left of the request's budget if that is sooner.

    :raises FetchError: refused address, deadline passed, non-200 reply, too large, not JSON.
    """
    budget = current_budget()
    if budget is not None:
        budget.take_fetch()
    seconds = float(_setting("PASSPORT_FETCH_TIMEOUT_SECONDS", 3.0))
    if budget is not None:
        seconds = min(seconds, budget.remaining())
    deadline = time.monotonic() + seconds
    scheme, host, port, address = _checked_address(url, deadline)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    remaining = max(0.05, deadline - time.monotonic())
    connection = connection_class(host, port, address, remaining)
    watchdog = _Watchdog(connection, remaining)
    try:
        connection.request("GET", path, headers={"Accept": accept, "User-Agent": USER_AGENT})
        response = connection.getresponse()
        if response.status != 200:
            raise FetchError(f"{host} answered {response.status}")
        chunks, size = [], 0
        while size <= MAX_BYTES:
            if time.monotonic() > deadline:
                raise TimeoutError
            chunk = response.read1(65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        body = b"".join(chunks)
        cache_control = response.getheader("Cache-Control") or ""
        if watchdog.fired or time.monotonic() > deadline:
            raise TimeoutError
    except FetchError:
        raise
    except (OSError, http.client.HTTPException, ValueError) as error:
        timed_out = watchdog.fired or isinstance(error, TimeoutError | socket.timeout) or time.monotonic() > deadline
        raise FetchError(f"{host} {'timed out' if timed_out else 'could not be reached'}") from None
    finally:
        watchdog.cancel()
        connection.close()
    if len(body) > MAX_BYTES:
        raise FetchError(f"the reply from {host} is too large")
    try:
        document = bounded_json.loads(body, max_bytes=MAX_BYTES, what="The reply")
    except ValueError:
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


def _elsewhere() -> None:
    """A check that reads another installation's documents is not kept under our stamps."""
    from competency.passport import freshness

    freshness.note(freshness.ELSEWHERE)


def resolve_did(did: str) -> dict:
    """The DID document of ``did`` (did:web only).

    :raises FetchError: unsupported DID, unreachable, refused or malformed.
    """
    slug = _own_slug(did) if isinstance(did, str) else None
    if slug is not None:
        from competency.passport import freshness

        issuer = freshness.own_issuer(slug)
        if issuer is None:
            raise FetchError("this installation has no such issuer")
        # An organisation whose keys are all withdrawn lists none: what they signed is not valid.
        return freshness.did_document(issuer) or {"id": did, "verificationMethod": [], "assertionMethod": []}
    _elsewhere()
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
        local = own_status_list(url)
        if local is None:
            raise FetchError("this installation has no such status list")
        return local
    _elsewhere()
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


def own_status_list(url: str):
    """One of this installation's lists, decoded from the database (cached under its organisation's stamp)."""
    from competency.passport import freshness

    public_id = url[len(f"{_own_base()}/status/"):]
    issuer = freshness.own_issuer_of_list(public_id)
    if issuer is None:
        return None
    return freshness.status_list(issuer, public_id, url, did_web_for(_own_base(), "orgs", issuer.slug))


def fetch_shared_bundle(url: str) -> Any:
    """The JSON bundle behind a share link on another installation (never cached).

    :raises FetchError: see :func:`get_json`; a revoked or expired link answers 404.
    """
    document, _ = get_json(url, accept="application/json")
    return document
