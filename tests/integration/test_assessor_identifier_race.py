"""Two workers naming the same unregistered assessor at the same instant give them one identifier.

Each worker issues a credential for a different sign-off by the same trained assessor; both
find no identifier and insert one. The unique key on the person decides: on PostgreSQL the
second INSERT waits for the first to commit and fails, and that worker reads the winner's; on
the embedded SQLite file the second transaction waits for the write lock. Either way both
credentials name the assessor by the same identifier, and no worker fails.
"""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from competency.extensions import db
from tests.conftest import backend_name
from tests.integration.fault_support import FreshDatabase, app_on, dispose

ROUNDS = 4


@pytest.fixture(params=["postgresql", "sqlite"])
def race_app(request, tmp_path):
    if request.param == "postgresql":
        if backend_name() != "postgresql":
            pytest.skip("needs PostgreSQL (the PostgreSQL pass of the suite)")
        database = FreshDatabase()
        app = app_on(database.url, tmp_path)
        yield app
        dispose(app)
        database.drop()
    else:
        if backend_name() == "postgresql":
            pytest.skip("embedded default: runs in the SQLite pass")
        app = app_on(f"sqlite:///{tmp_path / 'race.sqlite'}", tmp_path)
        yield app
        dispose(app)


def _seed(app) -> list[int]:
    """User ids of ``ROUNDS`` unregistered assessors, none with an identifier yet."""
    from tests.factories import OrganisationFactory, make_person

    with app.app_context():
        org = OrganisationFactory(name="Reablement team")
        people = [make_person("practitioner", org, registered=False) for _ in range(ROUNDS)]
        db.session.commit()
        ids = [person.id for person in people]
        db.session.remove()
        return ids


def _allocate(app, user_id: int, start: threading.Barrier, results: list, index: int) -> None:
    from competency.passport.assessors import assessor_identifier

    with app.app_context():
        try:
            start.wait(timeout=10)
            results[index] = assessor_identifier(user_id)
            db.session.commit()
        except Exception as error:  # any failure is the race handled badly
            db.session.rollback()
            results[index] = error
        finally:
            db.session.remove()


def test_two_workers_at_once_give_one_assessor_one_identifier(race_app):
    from competency.passport.models import AssessorIdentifier

    for user_id in _seed(race_app):
        results: list = [None, None]
        start = threading.Barrier(2)
        threads = [threading.Thread(target=_allocate, args=(race_app, user_id, start, results, i)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert all(isinstance(result, str) for result in results), results
        assert results[0] == results[1]
        with race_app.app_context():
            stored = db.session.scalars(sa.select(AssessorIdentifier.identifier)
                                        .where(AssessorIdentifier.user_id == user_id)).all()
            db.session.remove()
        assert [f"urn:uuid:{value}" for value in stored] == [results[0]]
