"""The shared guard for unique races: a clear conflict, and the transaction still usable afterwards."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from competency.errors import Conflict
from competency.reminders.models import Notification
from competency.uniqueness import UniqueViolation, unique_or_conflict, unique_savepoint
from tests.factories import make_person


def _notification(user, key: str) -> Notification:
    return Notification(user_id=user.id, kind="test", title="A title", dedupe_key=key)


def test_a_unique_collision_raises_the_prepared_conflict_and_keeps_the_earlier_work(db):
    user = make_person("practitioner")
    db.session.add(_notification(user, "first"))
    db.session.flush()
    earlier = _notification(user, "earlier work in the same transaction")
    db.session.add(earlier)

    with pytest.raises(Conflict, match="Someone else got there first"):
        with unique_or_conflict(Conflict("Someone else got there first.", rule="taken")):
            db.session.add(_notification(user, "first"))

    keys = set(db.session.scalars(sa.select(Notification.dedupe_key).where(Notification.user_id == user.id)))
    assert keys == {"first", "earlier work in the same transaction"}
    db.session.add(_notification(user, "after the conflict"))
    db.session.flush()  # the session is not left needing a rollback


def test_other_integrity_errors_are_not_mistaken_for_a_race(db):
    with pytest.raises(sa.exc.IntegrityError):
        with unique_savepoint():
            db.session.add(Notification(user_id=987654, kind="test", title="No such person", dedupe_key="x"))
    db.session.rollback()


def test_unique_savepoint_names_the_collision(db):
    user = make_person("practitioner")
    db.session.add(_notification(user, "once"))
    db.session.flush()
    with pytest.raises(UniqueViolation):
        with unique_savepoint():
            db.session.add(_notification(user, "once"))
