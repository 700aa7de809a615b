"""Writing and verifying the audit chain.

Each event's hash covers its own fields and the previous event's hash in the
same chain, so editing or deleting any row breaks every later link.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa

from competency.accounts.models import Organisation, User
from competency.audit.models import AuditEvent
from competency.db import utcnow
from competency.extensions import db

GENESIS = "0" * 64


def _chain_for(organisation_id: int | None) -> str:
    return f"org:{organisation_id}" if organisation_id is not None else "system"


def _digest(event: AuditEvent) -> str:
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
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def record_event(
    action: str,
    *,
    actor: User | None,
    organisation: Organisation | int | None = None,
    subject: object | None = None,
    subject_type: str | None = None,
    subject_id: object | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """Append an event in the caller's transaction (flushes, never commits).

    On PostgreSQL the chain's organisation row is locked so concurrent writers
    queue instead of forking the chain; the (chain, seq) unique constraint is
    the backstop everywhere.
    """
    org_id = organisation.id if isinstance(organisation, Organisation) else organisation
    if subject is not None:
        subject_type = subject_type or getattr(subject, "__tablename__", type(subject).__name__)
        subject_id = subject_id if subject_id is not None else getattr(subject, "id", None)
    chain = _chain_for(org_id)
    session = db.session
    if org_id is not None and session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(Organisation.id).where(Organisation.id == org_id).with_for_update())
    last = session.execute(
        sa.select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    event = AuditEvent(
        chain=chain,
        seq=(last.seq + 1) if last else 1,
        organisation_id=org_id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id) if subject_id is not None else None,
        data=data or {},
        created_at=utcnow(),
        prev_hash=last.hash if last else GENESIS,
    )
    event.hash = _digest(event)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainBreak:
    chain: str
    seq: int
    event_id: int | None
    problem: str


def verify_chains(batch_size: int = 5000) -> list[ChainBreak]:
    """Return the first break in every chain (empty when every chain is intact)."""
    breaks: list[ChainBreak] = []
    chains = db.session.scalars(sa.select(AuditEvent.chain).distinct().order_by(AuditEvent.chain)).all()
    for chain in chains:
        expected_prev, expected_seq = GENESIS, 1
        stream = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq)
            .execution_options(yield_per=batch_size)
        )
        for event in stream:
            problem = None
            if event.seq != expected_seq:
                problem = f"event {expected_seq} is missing (next is {event.seq})"
            elif event.prev_hash != expected_prev:
                problem = "its link to the previous event does not match"
            elif _digest(event) != event.hash:
                problem = "its contents were changed after it was written"
            if problem:
                breaks.append(ChainBreak(chain, event.seq, event.id, problem))
                break
            expected_prev, expected_seq = event.hash, event.seq + 1
    return breaks
