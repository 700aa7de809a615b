"""Turning unique-constraint races into clear answers, without reading expired ORM state.

Two people doing the same thing at the same instant both pass the "is there one already?"
check; the database's unique index is what decides. The loser's INSERT fails with a
unique violation, and two things must then hold:

* the failure is confined to a SAVEPOINT, so the rest of the transaction (and the session)
  stays usable. ``Session.begin_nested()`` flushes whatever is pending *before* it emits
  SAVEPOINT, so the new rows must be added inside the block, and earlier pending work is
  flushed first, outside it, where its own errors surface as what they are;
* the message is built before the race, from values already in hand: after the failed
  flush the objects touched inside the savepoint are expired, and reading one of them
  can raise ``PendingRollbackError`` instead of the answer the person needs.

Views and the API never see an ``IntegrityError`` from these blocks; one that escapes from
anywhere else (a commit, a service without this guard) is answered 409 by the app-wide
handler in :mod:`competency.blueprints.errors`.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError

from competency.extensions import db

# SQLSTATE 23505 on PostgreSQL; SQLite words it in the message.
_PG_UNIQUE = "23505"
_SQLITE_UNIQUE = ("UNIQUE constraint failed", "PRIMARY KEY must be unique")


class UniqueViolation(Exception):
    """A row inserted inside :func:`unique_savepoint` collided with one already committed."""

    def __init__(self, constraint: str | None = None):
        super().__init__(constraint or "unique constraint")
        self.constraint = constraint


def is_unique_violation(error: IntegrityError) -> bool:
    original = getattr(error, "orig", None)
    if getattr(original, "sqlstate", None) == _PG_UNIQUE:
        return True
    return any(text in str(original) for text in _SQLITE_UNIQUE)


def constraint_name(error: IntegrityError) -> str | None:
    diag = getattr(getattr(error, "orig", None), "diag", None)
    return getattr(diag, "constraint_name", None)


@contextmanager
def unique_savepoint() -> Iterator[None]:
    """Add the new rows inside this block; a unique violation raises :class:`UniqueViolation`.

    Work pending before the block is flushed first, outside the SAVEPOINT. Any other
    integrity error (a foreign key, a NOT NULL) is not a race and propagates unchanged.
    """
    db.session.flush()
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError as error:
        if not is_unique_violation(error):
            raise
        raise UniqueViolation(constraint_name(error)) from None


@contextmanager
def unique_or_conflict(conflict: Exception) -> Iterator[None]:
    """Like :func:`unique_savepoint`, raising ``conflict`` (built by the caller beforehand) instead."""
    try:
        with unique_savepoint():
            yield
    except UniqueViolation:
        raise conflict from None
