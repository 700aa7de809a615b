"""Session hooks of the passport: revoking a sign-off revokes its credential, and every change a
passport PDF shows owes that PDF a render, both in the same transaction as the change.

The sign-off area records a revocation as a new ``SignOffRevocation`` row. This
session hook notes every such row as it is flushed and, just before the
transaction commits, sets the credential's bit in its issuer's revocation
list (:func:`competency.passport.issuing.revoke_for_signoff`). Work cannot be
done inside the flush itself (the audit entry needs its own flush), hence the
two steps. A rollback forgets what was noted.

The PDF hooks note, at each flush, whose PDF what was written changes (a credential added, revoked,
suspended or reinstated; the holder's name or registration; employment; an organisation's name);
before the commit they raise those holders' change counts, and after it queue the renders
(:mod:`competency.passport.pdf_store`). They are registered after the revocation hook, so the
credential it revokes before the commit is noted too.
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


def _is_app_session(session: Session) -> bool:
    """The app's own session (not, say, the Celery broker's SQLAlchemy transport)."""
    from flask import has_app_context

    from competency.extensions import db

    return has_app_context() and session is db.session()


@sa.event.listens_for(Session, "after_flush")
def _note_pdf_changes(session: Session, flush_context) -> None:
    if _is_app_session(session):
        from competency.passport import pdf_store

        pdf_store.note_flush(session)


@sa.event.listens_for(Session, "before_commit")
def _owe_pdf_renders(session: Session) -> None:
    if not _is_app_session(session):
        return
    from competency.passport import pdf_store

    if session.new or session.dirty or session.deleted:
        session.flush()  # what is still pending (the credential revoked just above) is noted too
    pdf_store.owe_noted(session)


@sa.event.listens_for(Session, "after_commit")
def _queue_pdf_renders(session: Session) -> None:
    from competency.passport import pdf_store

    owed = session.info.pop(pdf_store.TO_QUEUE, None)
    if owed:
        pdf_store.queue_renders(owed)


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    if not session.in_transaction():
        from competency.passport import pdf_store

        session.info.pop(PENDING, None)
        pdf_store.forget(session)
