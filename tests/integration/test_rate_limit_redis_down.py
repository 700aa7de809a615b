"""Redis stopped under a running app: sign-in and public verification keep working, still rate limited.

The rate limiter counts in a real Redis until the test stops it; from then on it counts in
the web process's memory (and says so in the log) instead of answering 500.
"""
from __future__ import annotations

import logging

import pytest

from competency.extensions import db, limiter
from tests.conftest import backend_name, csrf_token_from
from tests.fixtures.servers import build_live_app, free_port
from tests.integration.reminders_services import RedisProcess

# The app under test is on a SQLite file whatever the run's database: once, in the SQLite pass.
pytestmark = [pytest.mark.services,
              pytest.mark.skipif(backend_name() == "postgresql", reason="runs in the SQLite pass")]

EMAIL = "sam.okafor@example.org"


@pytest.fixture
def redis_app(tmp_path):
    redis = RedisProcess(tmp_path).start()
    (tmp_path / "site").mkdir()
    app = build_live_app(tmp_path / "site", free_port(), RATELIMIT_STORAGE_URI=redis.url)
    yield app, redis
    redis.stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    # The limiter is one object for every app in the process: give it back its in-memory storage.
    from competency import create_app
    from config import TestingConfig

    create_app(TestingConfig)


def _seed(app) -> str:
    from competency.passport.issuing import issue_signoff_credential
    from competency.signoff.models import SignOff
    from tests.passport_support import seed_issuer

    with app.app_context():
        seed_issuer(app)
        credential = issue_signoff_credential(db.session.scalar(db.select(SignOff)))
        db.session.commit()
        public_id = credential.public_id
        db.session.remove()
    return public_id


def _sign_in(client, password: str):
    page = client.get("/login")
    return client.post("/login", data={"csrf_token": csrf_token_from(page.get_data(as_text=True)),
                                       "email": EMAIL, "password": password})


def _redis_keys(url: str) -> int:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        return len(client.keys("*"))
    finally:
        client.close()


def test_sign_in_and_verify_keep_working_when_redis_stops(redis_app, caplog):
    from tests.factories import PASSWORD

    app, redis = redis_app
    public_id = _seed(app)
    assert _sign_in(app.test_client(), PASSWORD).status_code == 302
    assert app.test_client().get(f"/verify/c/{public_id}").status_code == 200
    assert _redis_keys(redis.url) > 0  # the limiter really counted in Redis

    redis.stop()
    with caplog.at_level(logging.WARNING):
        client = app.test_client()
        response = _sign_in(client, PASSWORD)
        assert response.status_code == 302
        assert client.get("/").status_code == 200
        verified = app.test_client().get(f"/verify/c/{public_id}")
        assert verified.status_code == 200
        assert "Valid" in verified.get_data(as_text=True) or "valid" in verified.get_data(as_text=True)
    assert any("falling back to in-memory storage" in record.getMessage() for record in caplog.records)

    # Still limited, in memory: five wrong passwords for one account, then the lock-out message.
    guesser = app.test_client()
    answers = [_sign_in(guesser, "not-the-password").status_code for _ in range(6)]
    assert answers[:5] == [400] * 5
    assert answers[5] == 429
