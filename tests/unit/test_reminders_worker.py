"""The Celery app: schedule in UK time, tasks in the app context with their own commit, enqueueing that never hangs."""
from __future__ import annotations

import time
import pytest
import sqlalchemy as sa

from competency import create_app
from competency.extensions import db as _db
from competency.reminders.models import OutboxEmail, OutboxStatus
from competency.reminders.outbox import queue_email
from config import TestingConfig
from tests.factories import make_person
from tests.fixtures.servers import free_port


def test_beat_plans_every_morning_sends_every_minute_and_digests_on_mondays(app):
    from worker.celery_app import get_celery

    with app.app_context():
        celery = get_celery()
    schedule = celery.conf.beat_schedule
    assert celery.conf.timezone == "Europe/London"
    plan = schedule["plan-reminders"]["schedule"]
    assert (plan.hour, plan.minute) == ({6}, {30})
    digest = schedule["weekly-digest"]["schedule"]
    assert (digest.day_of_week, digest.hour, digest.minute) == ({1}, {7}, {0})
    assert schedule["send-outbox"]["schedule"] == app.config["REMINDER_SEND_INTERVAL_SECONDS"] == 60
    assert schedule["send-outbox"]["options"]["expires"] == 60  # a backlog of sender runs is dropped


def test_the_send_task_runs_in_the_app_context_and_commits_its_work(db, app):
    from worker.celery_app import get_celery

    user = make_person("practitioner")
    queue_email(to=user.email, user=user, template="password_reset", subject="Reset",
                context={"token": "t", "expires_minutes": 60}, dedupe_key="worker-test:1")
    db.session.commit()

    get_celery().tasks["worker.tasks.send_outbox"].delay()

    db.session.expire_all()
    assert db.session.scalar(sa.select(OutboxEmail.status).filter_by(dedupe_key="worker-test:1")) \
        == OutboxStatus.sent


def test_a_failing_task_rolls_back_what_it_did(db, app):
    from worker.celery_app import get_celery

    celery = get_celery()

    @celery.task(name="tests.reminders.fails_after_writing", shared=False)
    def fails_after_writing(user_id: int):
        _db.session.execute(sa.text("UPDATE user_account SET display_name = 'changed' WHERE id = :id"),
                            {"id": user_id})
        raise RuntimeError("boom")

    user = make_person("practitioner", display_name="Unchanged")
    db.session.commit()
    with pytest.raises(RuntimeError):
        fails_after_writing.delay(user.id)
    db.session.expire_all()
    assert db.session.scalar(sa.text("SELECT display_name FROM user_account WHERE id = :id"),
                             {"id": user.id}) == "Unchanged"


def test_enqueueing_with_the_broker_down_returns_at_once(tmp_path):
    from competency.reminders.dispatch import dispatch_outbox

    class BrokerDown(TestingConfig):
        INSTANCE_DIR = tmp_path
        CELERY_TASK_ALWAYS_EAGER = False
        CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
        CELERY_RESULT_BACKEND = CELERY_BROKER_URL

    app = create_app(BrokerDown)
    with app.app_context():
        dispatch_outbox()  # the first call imports the broker client; time the next ones
        started = time.monotonic()
        assert dispatch_outbox() is False
        assert dispatch_outbox() is False
        assert time.monotonic() - started < 2
