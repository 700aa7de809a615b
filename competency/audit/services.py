"""Writing and verifying the audit chain.

Each event's hash is an HMAC, under an audit key kept outside the database, of
its own fields and the previous event's hash in the same chain, so editing or
deleting any row breaks every later link, and nobody without the key can
re-hash the rest to hide it.  Anchors (:mod:`competency.audit.anchors`) record
the chain heads outside the database, so deleting the last events shows too.
An event takes its place in its chain when the transaction commits
(:mod:`competency.audit.sealing`).
"""
from __future__ import annotations

from competency.accounts.models import Organisation, User
from competency.audit.models import AuditEvent
from competency.audit.sealing import GENESIS, chain_for, note_pending
from competency.audit.verify import ChainBreak, verify
from competency.db import utcnow
from competency.extensions import db

__all__ = ["GENESIS", "ChainBreak", "record_event", "verify_chains"]


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

    The row is inserted now; its place in the chain (``seq``, ``prev_hash``,
    ``hash``) is filled in when the transaction commits, under the chain's
    lock, so concurrent writers of one chain queue for a moment at commit
    instead of forking the chain or deadlocking.  A rolled-back transaction
    (or savepoint) leaves no event and no gap.
    """
    org_id = organisation.id if isinstance(organisation, Organisation) else organisation
    if subject is not None:
        subject_type = subject_type or getattr(subject, "__tablename__", type(subject).__name__)
        subject_id = subject_id if subject_id is not None else getattr(subject, "id", None)
    event = AuditEvent(
        chain=chain_for(org_id),
        organisation_id=org_id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id) if subject_id is not None else None,
        data=data or {},
        created_at=utcnow(),
    )
    session = db.session()
    session.add(event)
    session.flush()
    note_pending(session, event.id)
    return event


def verify_chains(batch_size: int = 5000) -> list[ChainBreak]:
    """Return the first break in every chain, checked against the latest anchor (empty when intact)."""
    return verify(batch_size=batch_size).breaks
