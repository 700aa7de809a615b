"""A grant revoked at the same instant as a sign-off that relies on it, on the embedded default (a SQLite
file, threads): one goes first and the other sees it, so no sign-off commits after the revocation.

The PostgreSQL version (test_grant_revocation_race.py) relies on the sign-off share-locking the
grant row. SQLite has no row locks (``FOR SHARE`` is not rendered); what serialises the two here
is that every transaction begins ``IMMEDIATE`` (competency.db.configure_engine), taking the
database's write lock before its first read, so the second waits for the first to commit and
then reads what it committed. Each side runs as a request would: its own thread, app context,
session and connection, loading the request or grant and acting in one transaction.
"""
from __future__ import annotations

import threading
import time

import pytest

from competency.errors import DomainError
from competency.extensions import db
from tests.conftest import backend_name
from tests.integration.fault_support import app_on, dispose
from tests.integration.test_grant_revocation_race import REFUSALS, outcome, seed

# Always its own SQLite file: once, in the SQLite pass of the suite.
pytestmark = pytest.mark.skipif(backend_name() == "postgresql", reason="embedded default: runs in the SQLite pass")


@pytest.fixture
def sqlite_app(tmp_path):
    app = app_on(f"sqlite:///{tmp_path / 'race.sqlite'}", tmp_path)
    yield app
    dispose(app)


def _run(app, side: str, work, results: dict, *, start=None, entered=None, hold=None) -> None:
    """Do ``work(session objects)`` as one request would, recording how and when it ended."""
    with app.app_context():
        try:
            if start is not None:
                start.wait(timeout=10)
            if entered is not None:
                entered.set()
            work()
            if hold is not None:
                hold.wait(timeout=10)
            db.session.commit()
            results[side] = ("committed", time.monotonic(), None)
        except DomainError as error:
            db.session.rollback()
            results[side] = ("refused", time.monotonic(), error)
        except Exception as error:  # e.g. "database is locked": the race not handled at all
            db.session.rollback()
            results[side] = ("failed", time.monotonic(), error)
        finally:
            db.session.remove()


def sign(app, ids: dict, results: dict, **kwargs) -> None:
    from competency.accounts.models import User
    from competency.signoff import services
    from competency.signoff.models import Outcome, SignOffRequest

    def work():
        request = db.session.get(SignOffRequest, ids["request"])  # the first read: BEGIN IMMEDIATE
        services.decide(request, db.session.get(User, ids["consultant"]), Outcome.sign,
                        "Consultant-level practice shown.")

    _run(app, "sign", work, results, **kwargs)


def revoke(app, ids: dict, results: dict, **kwargs) -> None:
    from competency.accounts.models import User
    from competency.grants import services
    from competency.grants.models import Grant

    def work():
        grant = db.session.get(Grant, ids["grant"])
        services.revoke_grant(grant, reason="The trust needs her back.", by=db.session.get(User, ids["ics_lead"]))

    _run(app, "revoke", work, results, **kwargs)


def first_holds_second_waits(app, ids: dict, first, second) -> tuple[dict, float]:
    """``first`` acts and holds its transaction; ``second`` starts meanwhile; then ``first`` commits.

    Returns the results and the moment ``first`` was let go.
    """
    results: dict = {}
    hold, entered, started = threading.Event(), threading.Event(), threading.Event()

    def first_then_signal():
        first(app, ids, results, entered=started, hold=hold)

    one = threading.Thread(target=first_then_signal)
    one.start()
    assert started.wait(timeout=10)
    time.sleep(0.3)  # let the first side do its work and reach its hold
    two = threading.Thread(target=second, args=(app, ids, results), kwargs={"entered": entered})
    two.start()
    assert entered.wait(timeout=10)
    time.sleep(0.5)  # the second side is now at its first statement, waiting for the write lock
    assert not results, results  # neither has finished: the first holds, the second waits
    released_at = time.monotonic()
    hold.set()
    one.join(timeout=60)
    two.join(timeout=60)
    return results, released_at


def test_a_sign_off_under_way_makes_the_revocation_wait_and_stands(sqlite_app):
    ids = seed(sqlite_app)
    results, released_at = first_holds_second_waits(sqlite_app, ids, sign, revoke)
    (signed, signed_at, _), (revoked, revoked_at, error) = results["sign"], results["revoke"]
    assert (signed, revoked) == ("committed", "committed"), error
    assert revoked_at > released_at, "the revocation should wait for the sign-off relying on the grant"
    assert signed_at < revoked_at, "the sign-off committed after the revocation"
    assert outcome(sqlite_app, ids) == (1, True, "signed")


def test_a_revocation_under_way_makes_the_sign_off_wait_and_refuses_it(sqlite_app):
    ids = seed(sqlite_app)
    results, released_at = first_holds_second_waits(sqlite_app, ids, revoke, sign)
    assert results["revoke"][0] == "committed"
    verdict, finished_at, error = results["sign"]
    assert verdict == "refused", error
    assert finished_at > released_at, "the sign-off should wait for the revocation of its grant"
    assert error.rule in REFUSALS
    assert outcome(sqlite_app, ids) == (0, True, "pending")


def test_at_the_same_instant_either_wins_or_loses_cleanly(sqlite_app):
    ids = None
    for _ in range(5):
        ids = seed(sqlite_app, world_ids=ids)
        results: dict = {}
        start = threading.Barrier(2)
        threads = [threading.Thread(target=sign, args=(sqlite_app, ids, results), kwargs={"start": start}),
                   threading.Thread(target=revoke, args=(sqlite_app, ids, results), kwargs={"start": start})]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert results["revoke"][0] == "committed", results["revoke"]
        signoffs, revoked, state = outcome(sqlite_app, ids)
        assert revoked
        verdict, signed_at, error = results["sign"]
        if verdict == "committed":
            assert signed_at < results["revoke"][1] and (signoffs, state) == (1, "signed")
        else:
            assert verdict == "refused", error  # never "database is locked"
            assert error.rule in REFUSALS and (signoffs, state) == (0, "pending")
