"""Revoking a sign-off revokes its credential, in the same transaction.

The sign-off area records a revocation as a new ``SignOffRevocation`` row. This
session hook notes every such row as it is flushed and, just before the
transaction commits, sets the credential's bit in its issuer's revocation
list (:func:`competency.passport.issuing.revoke_for_signoff`). Work cannot be
done inside the flush itself (the audit entry needs its own flush), hence the
two steps. A rollback forgets what was noted.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

PENDING = "passport_revoked_signoffs"


@sa.event.listens_for(Session, "after_flush")
def _note_revocations(session: Session, flush_context) -> None:
    from competency.signoff.models import SignOffRevocation

    for obj in session.new:
        if isinstance(obj, SignOffRevocation):
            session.info.setdefault(PENDING, []).append((obj.signoff_id, obj.reason, obj.revoked_by_id))


@sa.event.listens_for(Session, "before_commit")
def _revoke_credentials(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    from competency.extensions import db
    from competency.passport.issuing import revoke_for_signoff
    from competency.signoff.models import SignOffRevocation

    if session is not db.session():
        return
    for signoff_id in {signoff_id for signoff_id, _, _ in pending}:
        # Re-read: a revocation flushed inside a savepoint that was rolled back does not count.
        revocation = session.scalar(sa.select(SignOffRevocation).where(SignOffRevocation.signoff_id == signoff_id))
        if revocation is not None:
            revoke_for_signoff(signoff_id, revocation.reason, by=revocation.revoked_by)


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(PENDING, None)
