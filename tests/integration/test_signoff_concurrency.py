"""Two assessors deciding one request at the same moment on PostgreSQL: exactly one decision is recorded.

Each assessor works in their own thread, app context, session and database
connection, against a database of its own (made from PG_URL_BASE), so both
transactions are real and concurrent.
"""
from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from competency import create_app
from competency.errors import Conflict
from competency.extensions import db
from config import TestingConfig

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def pg_app(tmp_path):
    base = os.environ.get("PG_URL_BASE") or TestingConfig.SQLALCHEMY_DATABASE_URI.rsplit("/", 1)[0]
    name = f"competency_race_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"{base}/{name}"
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 5}
        INSTANCE_DIR = tmp_path
        MAIL_FILE_DIR = tmp_path / "mail"
        UPLOAD_STORAGE = tmp_path / "uploads"

    app = create_app(Config)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def seed(app, requests: int = 1) -> dict:
    from competency.signoff import services
    from tests.evidence_support import capability, log_evidence, signoff_world

    with app.app_context():
        world = signoff_world(per_cell=max(1, requests))
        ids = []
        for n in range(1, requests + 1):
            cap = capability(world.version, "registered", n=n)
            evidence = log_evidence(world.practitioner, [cap], title=f"Evidence {n}")
            ids.append(services.request_signoff(world.practitioner, cap, [evidence], world.preceptor).id)
        db.session.commit()
        return {"requests": ids, "preceptor": world.preceptor.id, "lead": world.lead.id}


def decide_in_thread(app, request_id: int, user_id: int, outcome_name: str, results: dict, *,
                     start: threading.Barrier | None = None, hold: threading.Event | None = None) -> None:
    from competency.accounts.models import User
    from competency.signoff import services
    from competency.signoff.models import Outcome, SignOffRequest

    with app.app_context():
        try:
            request = db.session.get(SignOffRequest, request_id)
            actor = db.session.get(User, user_id)
            request.evidence  # load before the race, as a page would have
            if start is not None:
                start.wait(timeout=10)
            services.decide(request, actor, Outcome.sign if outcome_name == "sign" else Outcome.return_,
                            "Looks right" if outcome_name == "sign" else "Please add an observation")
            if hold is not None:
                hold.wait(timeout=10)  # keep the transaction (and the row lock) open
            db.session.commit()
            results[user_id] = "won"
        except Conflict as error:
            db.session.rollback()
            results[user_id] = error
        finally:
            db.session.remove()


def recorded(app, request_id: int) -> tuple[int, int, str]:
    from competency.signoff.models import SignOff, SignOffDecision, SignOffRequest

    with app.app_context():
        decisions = db.session.scalar(sa.select(sa.func.count()).select_from(SignOffDecision)
                                      .where(SignOffDecision.request_id == request_id))
        signoffs = db.session.scalar(sa.select(sa.func.count()).select_from(SignOff)
                                     .where(SignOff.request_id == request_id))
        state = db.session.get(SignOffRequest, request_id).state.value
        db.session.remove()
        return decisions, signoffs, state


def test_two_assessors_at_the_same_moment_exactly_one_wins(pg_app):
    ids = seed(pg_app, requests=5)
    for request_id in ids["requests"]:
        results: dict = {}
        start = threading.Barrier(2)
        threads = [
            threading.Thread(target=decide_in_thread,
                             args=(pg_app, request_id, ids["preceptor"], "sign", results), kwargs={"start": start}),
            threading.Thread(target=decide_in_thread,
                             args=(pg_app, request_id, ids["lead"], "return", results), kwargs={"start": start}),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        winners = [user for user, result in results.items() if result == "won"]
        losers = [result for result in results.values() if isinstance(result, Conflict)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert losers[0].rule == "already_decided"
        assert "Your decision was not recorded" in losers[0].message
        decisions, signoffs, state = recorded(pg_app, request_id)
        assert decisions == 1
        assert (state, signoffs) == (("signed", 1) if winners[0] == ids["preceptor"] else ("returned", 0))


def test_the_second_update_waits_for_the_first_and_then_loses(pg_app):
    """Deterministic interleaving: the first decision holds its row lock; the second blocks, then is refused."""
    ids = seed(pg_app)
    request_id = ids["requests"][0]
    results: dict = {}
    hold = threading.Event()
    first = threading.Thread(target=decide_in_thread, args=(pg_app, request_id, ids["preceptor"], "sign", results),
                             kwargs={"hold": hold})
    first.start()
    deadline = time.time() + 10
    while time.time() < deadline and not _request_is_locked(pg_app):
        time.sleep(0.05)
    second = threading.Thread(target=decide_in_thread, args=(pg_app, request_id, ids["lead"], "return", results))
    second.start()
    time.sleep(0.5)
    assert ids["lead"] not in results, "the second decision should be waiting on the row lock"
    hold.set()
    first.join(timeout=30)
    second.join(timeout=30)
    assert results[ids["preceptor"]] == "won"
    loser = results[ids["lead"]]
    assert isinstance(loser, Conflict) and "already been signed off by Tom Preceptor" in loser.message
    assert recorded(pg_app, request_id) == (1, 1, "signed")


def _request_is_locked(app) -> bool:
    """True once another transaction has updated the request row and not yet committed."""
    with app.app_context():
        try:
            db.session.execute(sa.text("SET LOCAL lock_timeout = '50ms'"))
            db.session.execute(sa.text("SELECT id FROM signoff_request FOR UPDATE"))
            return False
        except sa.exc.OperationalError:
            return True
        finally:
            db.session.rollback()
            db.session.remove()
