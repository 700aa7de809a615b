"""Who the assessor is, as a credential names them: one stable identifier per person.

A registered assessor's profile id is a UUIDv5 of the registration the credential
states, so it reveals nothing the credential does not already say and is the same in
every credential (and at every installation) naming that registration.

An unregistered assessor (a trained assessor named for support-level work) has no such
public fact. Deriving an id from something else we hold (user id, e-mail address) would
let anyone who knows it recompute the id, and a shared placeholder made every such
assessor one and the same Profile. So each gets a random UUID (122 random bits),
stored the first time a credential names them and reused after: distinct, stable, and
not computable from any other data.
"""
from __future__ import annotations

import uuid

import sqlalchemy as sa

from competency.extensions import db
from competency.passport.models import AssessorIdentifier
from competency.uniqueness import UniqueViolation, unique_savepoint


def assessor_identifier(user_id: int) -> str:
    """The ``urn:uuid:`` identifier of an unregistered assessor, made once (flushes, never commits).

    Two workers naming the same assessor at once both try to insert; the unique key on
    the person lets one win and the other reads the winner's identifier.
    """
    existing = _stored(user_id)
    if existing is None:
        try:
            with unique_savepoint():
                db.session.add(AssessorIdentifier(user_id=user_id, identifier=str(uuid.uuid4())))
        except UniqueViolation:
            pass
        existing = _stored(user_id)
    return f"urn:uuid:{existing}"


def _stored(user_id: int) -> str | None:
    return db.session.scalar(sa.select(AssessorIdentifier.identifier).where(AssessorIdentifier.user_id == user_id))
