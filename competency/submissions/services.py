"""Idempotent create actions: claim the form's one-time token in the same transaction as the item.

A double click (or a browser retry) sends the same token twice, often at the same instant.
The first request inserts ``(user, token)``; the second's INSERT meets the unique constraint:
on PostgreSQL it waits for the first transaction and then fails (or succeeds, if the first
rolled back), on SQLite ``BEGIN IMMEDIATE`` makes it wait before it starts. Either way it
then finds the committed row and answers with the item the first one made. A submission
that a rule refused is rolled back with its token, so the person can correct the form and
send it again.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from competency.accounts.models import User
from competency.db import utcnow
from competency.extensions import db
from competency.submissions.models import FormSubmission
from competency.uniqueness import UniqueViolation, unique_savepoint

# Tokens are kept this long: far longer than any double click or browser retry.
KEEP_FOR = timedelta(days=2)


class AlreadySubmitted(Exception):
    """This form was handled before; ``object_id`` is what it made (None if that was since deleted)."""

    def __init__(self, kind: str, object_id: int | None):
        super().__init__(f"{kind} form already submitted")
        self.kind = kind
        self.object_id = object_id


def _existing(user_id: int, token: str) -> FormSubmission | None:
    return db.session.scalar(sa.select(FormSubmission).where(FormSubmission.user_id == user_id,
                                                             FormSubmission.token == token))


def claim(user: User, token: str | None, kind: str) -> FormSubmission | None:
    """Take ``token`` for this create action, or raise :class:`AlreadySubmitted`.

    No token (an API client, a page from before this mechanism) means no deduplication.
    """
    if not token:
        return None
    found = _existing(user.id, token)
    if found is not None:
        raise AlreadySubmitted(found.kind, found.object_id)
    try:
        with unique_savepoint():
            submission = FormSubmission(user_id=user.id, token=token, kind=kind, created_at=utcnow())
            db.session.add(submission)
    except UniqueViolation:
        found = _existing(user.id, token)  # committed by the request that won
        raise AlreadySubmitted(found.kind if found else kind, found.object_id if found else None) from None
    db.session.execute(sa.delete(FormSubmission).where(FormSubmission.user_id == user.id,
                                                       FormSubmission.created_at < utcnow() - KEEP_FOR))
    return submission


def complete(submission: FormSubmission | None, object_id: int) -> None:
    """Name the item this submission made (in the same transaction as the item itself)."""
    if submission is not None:
        submission.object_id = object_id
        db.session.flush()
