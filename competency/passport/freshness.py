"""What this installation knows about its own issuers, cached per process and never stale.

Checking one of our own credentials used to cost five SELECTs, two gunzips of
16 KiB bitstrings and two JSON digests per request.  Here each organisation
has an :class:`~competency.passport.models.IssuerState` row holding a random
stamp that every change verifiers depend on renews **in the same transaction**:
generating, rotating or withdrawing a key, and setting or clearing a status
bit.  A process caches the organisation's DID document and decoded status
lists under that stamp, and every check reads the stamp (one indexed SELECT)
before using them, so the first check after a revocation commits sees the
new stamp and reloads: a cache never answers a security question from data
older than the last commit, in this process or any other.

The stamp is read before the data it guards: in READ COMMITTED (PostgreSQL)
and in SQLite's snapshot alike, data read after the stamp is at least as new
as the stamp, so at worst a cache holds newer data under an older stamp and
is reloaded once more.  An organisation with no stamp yet is never cached.

The stamp is read with the credential's digest in one SELECT on a connection
of its own (:func:`competency.db.read_row`: no transaction, so on SQLite no
write lock), unless the request's session is already in a transaction, which
then reads it (it may have written a newer stamp itself).  A whole check of one
of our own credentials is a function of its exact JSON, the organisation's row
and stamp and the clock against its validity dates, so its answer is kept
under those (:func:`remembered_check`) when :func:`consulting` shows that the
check read nothing else: no other organisation, no missing row, nothing from
another installation.
"""
from __future__ import annotations

import contextlib
import contextvars
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from competency.db import read_row, utcnow
from competency.extensions import db
from competency.passport.dataintegrity import LRUMemo
from competency.passport.models import IssuerState, StatusList
from competency.passport.statuslist import Bitstring, LocalStatusList


def renew_stamp(organisation_id: int) -> None:
    """Give the organisation a new stamp (call in the transaction that changes its keys or bits)."""
    stamp = secrets.token_hex(16)
    values = {"organisation_id": organisation_id, "stamp": stamp, "changed_at": utcnow()}
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(IssuerState).values(**values)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[IssuerState.organisation_id], set_={"stamp": stamp, "changed_at": values["changed_at"]}))


@dataclass
class _Snapshot:
    stamp: str
    did_document: dict | None = None
    has_did_document: bool = False
    lists: dict[str, LocalStatusList] = field(default_factory=dict)


class _Cache:
    def __init__(self, size: int = 256) -> None:
        self._items: dict[tuple, _Snapshot] = {}
        self._size = size
        self._lock = threading.Lock()

    def snapshot(self, key: tuple, stamp: str | None) -> _Snapshot | None:
        """The snapshot for ``key`` if it was taken under ``stamp`` (a fresh one otherwise); None without a stamp."""
        if stamp is None:
            return None
        with self._lock:
            found = self._items.get(key)
            if found is None or found.stamp != stamp:
                if len(self._items) >= self._size:
                    self._items.clear()
                found = self._items[key] = _Snapshot(stamp)
            return found

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_cache = _Cache()


def clear() -> None:
    _cache.clear()
    _list_owners.clear()
    _checks.clear()


def _key(organisation_id: int) -> tuple:
    return str(db.engine.url), organisation_id


@dataclass(frozen=True)
class OwnIssuer:
    """One of our organisations as a verification needs it (read with its stamp in one SELECT)."""

    organisation_id: int
    slug: str
    name: str
    sector: Any
    stamp: str | None


@cache
def _own_issuer_query():
    from competency.accounts.models import Organisation

    return (sa.select(Organisation.id, Organisation.slug, Organisation.name, Organisation.sector, IssuerState.stamp)
            .outerjoin(IssuerState, IssuerState.organisation_id == Organisation.id))


@cache
def _by_slug():
    from competency.accounts.models import Organisation

    return _own_issuer_query().where(Organisation.slug == sa.bindparam("slug"))


@cache
def _by_digest():
    """Built once: this runs on every verification of one of our credentials."""
    from competency.accounts.models import Organisation
    from competency.passport.models import CredentialOrigin, PassportCredential

    return (_own_issuer_query().add_columns(PassportCredential.id)
            .join(PassportCredential, PassportCredential.issuer_organisation_id == Organisation.id)
            .where(PassportCredential.document_digest == sa.bindparam("digest"),
                   PassportCredential.origin == CredentialOrigin.issued).limit(1))


_request_issuers: contextvars.ContextVar[dict | None] = contextvars.ContextVar("passport_own_issuers", default=None)


@contextlib.contextmanager
def one_reading() -> Iterator[None]:
    """Within the block, each organisation (and its stamp) is read once: one verification request."""
    if _request_issuers.get() is not None:
        yield
        return
    token = _request_issuers.set({})
    try:
        yield
    finally:
        _request_issuers.reset(token)


def remember(issuer: OwnIssuer) -> None:
    """Keep an organisation read elsewhere (e.g. with a credential's digest) for the rest of the request."""
    memo = _request_issuers.get()
    if memo is not None:
        memo[issuer.slug] = issuer


def own_issuer(slug: str) -> OwnIssuer | None:
    memo = _request_issuers.get()
    if memo is not None and slug in memo:
        return memo[slug]
    row = db.session.execute(_by_slug(), {"slug": slug}).first()
    issuer = OwnIssuer(*row) if row is not None else None
    if memo is not None and issuer is not None:
        memo[slug] = issuer
    if issuer is None:
        note(MISSING)
    return issuer


_list_owners: dict[tuple, str] = {}


def own_issuer_of_list(public_id: str) -> OwnIssuer | None:
    """The organisation publishing list ``public_id``, with its stamp (a list never changes organisation)."""
    from competency.accounts.models import Organisation

    key = (str(db.engine.url), public_id)
    slug = _list_owners.get(key)
    if slug is not None:
        issuer = own_issuer(slug)
        if issuer is not None:
            return issuer
    row = db.session.execute(_own_issuer_query().join(StatusList, StatusList.organisation_id == Organisation.id)
                             .where(StatusList.public_id == public_id)).first()
    if row is None:
        note(MISSING)
        return None
    issuer = OwnIssuer(*row)
    if len(_list_owners) > 10_000:
        _list_owners.clear()
    _list_owners[key] = issuer.slug
    remember(issuer)
    return issuer


def did_document(issuer: OwnIssuer) -> dict | None:
    """The organisation's DID document (None when it lists no key), cached under its stamp."""
    from competency.accounts.models import Organisation
    from competency.passport.keys import did_document as build

    note(issuer)
    snapshot = _cache.snapshot(_key(issuer.organisation_id), issuer.stamp)
    if snapshot is not None and snapshot.has_did_document:
        return snapshot.did_document
    document = build(db.session.get(Organisation, issuer.organisation_id))
    if snapshot is not None:
        snapshot.did_document, snapshot.has_did_document = document, True
    return document


def status_list(issuer: OwnIssuer, public_id: str, url: str, did: str) -> LocalStatusList | None:
    """One of the organisation's lists, decoded, cached under its stamp."""
    note(issuer)
    snapshot = _cache.snapshot(_key(issuer.organisation_id), issuer.stamp)
    if snapshot is not None and public_id in snapshot.lists:
        return snapshot.lists[public_id]
    row = db.session.execute(
        sa.select(StatusList.purpose, StatusList.status_size, StatusList.bits, StatusList.changed_at)
        .where(StatusList.public_id == public_id, StatusList.organisation_id == issuer.organisation_id)).first()
    if row is None:
        note(MISSING)
        return None
    purpose, status_size, bits, changed_at = row
    local = LocalStatusList(url, did, purpose, status_size, Bitstring(data=bits), changed_at)
    if snapshot is not None:
        snapshot.lists[public_id] = local
    return local


@dataclass(frozen=True)
class IssuedHere:
    """A byte-identical copy of a credential this installation issued (found by its digest)."""

    credential_id: int
    issuer: OwnIssuer


def issued_here(digest_hex: str) -> IssuedHere | None:
    """The credential we issued whose stored document has this digest, with its issuer (one SELECT).

    Read without opening the request's transaction when it has none (see the module's notes).
    """
    session = db.session()
    if session.in_transaction() or isinstance(session.get_bind(), sa.engine.Connection):
        row = db.session.execute(_by_digest(), {"digest": digest_hex}).first()
    else:
        row = read_row(db.engine, _by_digest(), {"digest": digest_hex})
    if row is None:
        return None
    return IssuedHere(row[5], OwnIssuer(*row[:5]))


# -- whole checks of our own credentials, under the stamps they read ---------------------------

#: What :func:`consulting` records besides the organisations read: a row looked for and not found,
#: or a document from another installation (neither is covered by a stamp).
MISSING = "missing"
ELSEWHERE = "elsewhere"

_consulted: contextvars.ContextVar[set | None] = contextvars.ContextVar("passport_consulted", default=None)


def note(source: Any) -> None:
    """Record what a check read (an :class:`OwnIssuer`, :data:`MISSING` or :data:`ELSEWHERE`)."""
    consulted = _consulted.get()
    if consulted is not None:
        consulted.add(source)


@contextlib.contextmanager
def consulting() -> Iterator[set]:
    """Collect, in the set yielded, everything the block read that decides a check."""
    consulted: set = set()
    token = _consulted.set(consulted)
    try:
        yield consulted
    finally:
        _consulted.reset(token)


# Answers of whole checks by (database, base URL, exact JSON, issuer row with its stamp), most recent
# kept (each holds its credential's JSON, a few tens of kilobytes).
_checks = LRUMemo(512)


def check_key(digest_hex: str, issuer: OwnIssuer, base_url: str) -> tuple | None:
    """The key a check of our own credential is kept under; None when the organisation has no stamp yet."""
    if issuer.stamp is None:
        return None
    return str(db.engine.url), base_url, digest_hex, issuer


def remembered_check(key: tuple) -> Any:
    return _checks.get(key)


def remember_check(key: tuple, answer: Any) -> None:
    _checks.put(key, answer)
