"""Placing events in their chains when the transaction commits, under one lock per chain.

:func:`competency.audit.services.record_event` inserts the event at once (so a
bad reference fails at the call, and the row's foreign-key locks are taken
early, like any other row's) but leaves its place empty: ``seq``,
``prev_hash`` and ``hash`` are NULL.  Just before the transaction commits,
:func:`seal_pending` takes the lock of every chain the transaction wrote to, in
one global order, reads each chain's head and fills the places in.

Why this cannot deadlock: a chain lock is taken only here, at the very end of
a transaction, after every other statement of it has run (pending ORM changes
are flushed first); while holding chain locks a transaction only reads chain
heads and updates its own uncommitted rows, so it waits for nothing but other
chain locks, and those it takes in ascending order.  A cycle of waits would
need a strictly increasing sequence of locks that returns to its start.  The
lock is ``pg_advisory_xact_lock``, released by the commit itself, so the next
holder reads a head that includes the previous holder's events (READ
COMMITTED, the default; the ``(chain, seq)`` unique constraint stays as the
backstop).  SQLite needs no lock: the pending INSERT already gave the
transaction the database's single write lock.

The hook is registered on each session *instance* that records an event:
SQLAlchemy runs instance listeners after every class-level ``before_commit``
listener, so work other areas do at commit time (the passport's revocation
hook records events and updates status lists) happens before the chain locks
are taken, never while they are held.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import zlib

import sqlalchemy as sa
from sqlalchemy.orm import Session

from competency.audit import keys
from competency.audit.models import AuditEvent

GENESIS = "0" * 64
PENDING = "competency.audit.pending"
_HOOKED = "competency.audit.hooked"
# pg_advisory_xact_lock(namespace, key): "audt" for chains, so other advisory locks cannot collide.
LOCK_NAMESPACE = 0x61756474
_OTHER_NAMESPACE = 0x61756475
EVENT_DOMAIN = b"competency-audit-event-v2\n"


def chain_for(organisation_id: int | None) -> str:
    return f"org:{organisation_id}" if organisation_id is not None else "system"


def organisation_of(chain: str) -> int | None:
    return int(chain[4:]) if chain.startswith("org:") else None


def lock_key(chain: str) -> tuple[int, int]:
    """The advisory lock naming a chain; the sort order of these pairs is the global lock order."""
    if chain == "system":
        return LOCK_NAMESPACE, 0
    if chain.startswith("org:") and chain[4:].isdigit() and int(chain[4:]) < 2**31:
        return LOCK_NAMESPACE, int(chain[4:])
    return _OTHER_NAMESPACE, zlib.crc32(chain.encode()) & 0x7FFFFFFF


def _payload(event: AuditEvent, *, keyed: bool) -> bytes:
    payload = {
        "chain": event.chain,
        "seq": event.seq,
        "organisation_id": event.organisation_id,
        "actor_id": event.actor_id,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "data": event.data or {},
        "created_at": event.created_at.isoformat(timespec="microseconds"),
        "prev_hash": event.prev_hash,
    }
    if keyed:
        payload["key_id"] = event.key_id
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def legacy_digest(event: AuditEvent) -> str:
    """Unkeyed SHA-256, as events were sealed before the chain was keyed (anyone can recompute it)."""
    return hashlib.sha256(_payload(event, keyed=False)).hexdigest()


def keyed_digest(event: AuditEvent, secret: bytes) -> str:
    """HMAC-SHA256 under the audit key: only a holder of the key can make or re-make it."""
    return hmac.new(secret, EVENT_DOMAIN + _payload(event, keyed=True), hashlib.sha256).hexdigest()


def note_pending(session: Session, event_id: int) -> None:
    """Remember an unplaced event of this transaction and make sure the commit will place it."""
    session.info.setdefault(PENDING, []).append(event_id)
    if not session.info.get(_HOOKED):
        session.info[_HOOKED] = True
        sa.event.listen(session, "before_commit", _before_commit)
        sa.event.listen(session, "after_transaction_end", _after_transaction_end)


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT is released, not the transaction: seal at the real commit
    seal_pending(session)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING, None)  # rolled back (or already sealed): nothing left to place


def _has_keyed_events(session: Session):
    return lambda: session.scalar(sa.select(AuditEvent.id).where(AuditEvent.key_id.is_not(None)).limit(1)) \
        is not None


def _chunks(ids: list[int], size: int = 500):
    """Bounded IN lists (SQLite limits bound parameters; a demo seed commits thousands of events)."""
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def seal_pending(session: Session) -> int:
    """Give this transaction's events their places and keyed hashes; returns how many."""
    if not session.info.get(PENDING):
        return 0
    session.flush()  # every other change first: from here on only chain locks are waited for
    ids = session.info.pop(PENDING, [])
    pending = [row for chunk in _chunks(ids) for row in session.execute(
        sa.select(AuditEvent.id, AuditEvent.chain)
        .where(AuditEvent.id.in_(chunk), AuditEvent.seq.is_(None)))]  # rolled-back savepoints drop out
    if not pending:
        return 0
    key_id, secret = keys.current_key(database_has_keyed_events=_has_keyed_events(session))
    by_chain: dict[str, list[int]] = {}
    for event_id, chain in pending:
        by_chain.setdefault(chain, []).append(event_id)
    if session.get_bind().dialect.name == "postgresql":
        for namespace, key in sorted({lock_key(chain) for chain in by_chain}):
            session.execute(sa.text("SELECT pg_advisory_xact_lock(CAST(:namespace AS integer), CAST(:key AS integer))"),
                            {"namespace": namespace, "key": key})
    for chain in sorted(by_chain, key=lambda name: (lock_key(name), name)):
        head = session.execute(
            sa.select(AuditEvent.seq, AuditEvent.hash)
            .where(AuditEvent.chain == chain, AuditEvent.seq.is_not(None))
            .order_by(AuditEvent.seq.desc()).limit(1)).first()
        seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
        events = [event for chunk in _chunks(sorted(by_chain[chain])) for event in session.scalars(
            sa.select(AuditEvent).where(AuditEvent.id.in_(chunk)).order_by(AuditEvent.id)
            .execution_options(populate_existing=True))]  # hash what is stored, byte for byte
        for event in events:
            seq += 1
            event.seq, event.prev_hash, event.key_id = seq, prev, key_id
            event.hash = prev = keyed_digest(event, secret)
    session.flush()
    return len(pending)
