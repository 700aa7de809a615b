"""Reminders end to end: a real Redis, a real Celery worker process and a real SMTP server on loopback.

Rule 8: a reminder is sent at most once per (item, due date, stage); a crash or a
broker outage delays reminders but never loses them.
"""
from __future__ import annotations

import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from competency.extensions import db as _db
from competency.reminders.models import OutboxEmail, OutboxStatus
from tests.conftest import backend_name, csrf_token_from
from tests.factories import make_person
from tests.integration.reminders_services import (RedisProcess, Worker, flush_redis, services_app, wait_for,
                                                  worker_env)
from tests.programmes_support import START, enrol_on, make_team, shipped_templates
from tests.unit.reminders_helpers import Inbox

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(backend_name() == "postgresql",
                       reason="uses its own SQLite file database; runs once, in the SQLite round"),
]

LEARNING_AGREEMENT = "Learning agreement"  # ahp-preceptorship: due on day 14


@pytest.fixture
def make_site(tmp_path):
    """An installation: web app in this process, worker in another, sharing a database file and broker."""
    sites = []

    def _make(broker_url: str, inbox: Inbox, claim_timeout: int = 3) -> SimpleNamespace:
        app, database_url = services_app(tmp_path, broker_url, inbox.port)
        context = app.app_context()
        context.push()
        env = worker_env(tmp_path, database_url, broker_url, inbox.port, app.config["BASE_URL"], claim_timeout)
        site = SimpleNamespace(app=app, inbox=inbox, worker=Worker(tmp_path, env), context=context)
        sites.append(site)
        return site

    yield _make
    for site in sites:
        site.worker.stop()
        site.inbox.stop()
        _db.session.remove()
        _db.engine.dispose()
        site.context.pop()


@pytest.fixture
def broker(redis_server):
    """A Redis database of its own on the shared test Redis, emptied first."""
    url = redis_server.rsplit("/", 1)[0] + "/11"
    flush_redis(url)
    return url


def run_task(name: str, **kwargs):
    """Enqueue through Redis for the worker process and wait for it to finish."""
    from worker.celery_app import get_celery

    return get_celery().tasks[name].apply_async(kwargs=kwargs, ignore_result=False).get(timeout=90)


def enrolled_team(**kwargs):
    team = make_team(shipped_templates(), **kwargs)
    enrol_on(team)
    _db.session.commit()
    return team


def outbox_statuses() -> list[OutboxStatus]:
    _db.session.rollback()  # a fresh read of what the worker committed
    statuses = list(_db.session.scalars(sa.select(OutboxEmail.status).order_by(OutboxEmail.id)))
    _db.session.rollback()
    return statuses


def test_a_milestone_due_in_3_days_yields_exactly_one_email_however_often_it_runs(make_site, broker):
    site = make_site(broker, Inbox().start())
    team = enrolled_team()
    site.worker.start()
    three_days_before = (START + timedelta(days=11)).isoformat()

    run_task("worker.tasks.plan_reminders", on=three_days_before)
    wait_for(lambda: site.inbox.to(team.preceptor.email, LEARNING_AGREEMENT), 30, "the preceptor's e-mail")

    run_task("worker.tasks.plan_reminders", on=three_days_before)
    run_task("worker.tasks.send_outbox")
    run_task("worker.tasks.plan_reminders", on=three_days_before)
    time.sleep(1.5)  # beat's sender runs every second: give it the chance to send something twice

    (mine,) = site.inbox.to(team.practitioner.email, LEARNING_AGREEMENT)
    (theirs,) = site.inbox.to(team.preceptor.email, LEARNING_AGREEMENT)
    assert mine["Subject"] == "Your Learning agreement is due in 3 days"
    assert theirs["Subject"] == "Sam Preceptee's Learning agreement is due in 3 days"
    text = mine.get_body(("plain",)).get_content()
    assert "/programmes/enrolments/" in text and "/milestones/learning_agreement" in text
    assert mine.get_body(("html",)) is not None
    assert len(set(site.inbox.message_ids())) == site.inbox.count(), "no message was sent twice"


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(make_site, broker):
    # The server stalls on the third message's recipient, before the message itself is sent:
    # the worker is killed while the server holds it.
    site = make_site(broker, Inbox(hold_recipient=3).start(), claim_timeout=2)
    teams = [enrolled_team(display_name=f"Preceptee {n}") for n in range(3)]
    site.worker.start()
    from worker.celery_app import get_celery

    get_celery().tasks["worker.tasks.plan_reminders"].apply_async(kwargs={"on": START.isoformat()})
    wait_for(lambda: site.inbox.count() >= 2 and site.inbox.recipients_started >= 3, 60,
             "two e-mails accepted and a third in progress")
    site.worker.kill()
    site.inbox.release()

    statuses = outbox_statuses()
    assert len(statuses) == 6 and statuses.count(OutboxStatus.sending) == 1, statuses
    accepted_before_restart = site.inbox.count()
    assert accepted_before_restart == 2

    site.worker.start()
    wait_for(lambda: outbox_statuses() == [OutboxStatus.sent] * 6, 60, "every e-mail to be sent after restart")

    received = site.inbox.message_ids()
    assert len(received) == 6 and len(set(received)) == 6, site.worker.log()
    for team in teams:
        assert len(site.inbox.to(team.practitioner.email, LEARNING_AGREEMENT)) == 1
        assert len(site.inbox.to(team.preceptor.email, LEARNING_AGREEMENT)) == 1


def test_with_redis_down_a_request_succeeds_and_its_email_arrives_when_redis_returns(make_site, tmp_path):
    redis = RedisProcess(tmp_path).start()
    try:
        site = make_site(redis.url, Inbox().start())
        person = make_person("practitioner")
        _db.session.commit()
        email = person.email
        _db.session.commit()  # hold no transaction (the SQLite write lock) while the app serves the request
        site.worker.start()
        run_task("worker.tasks.send_outbox")  # the worker is up and consuming

        redis.stop()
        client = site.app.test_client()
        token = csrf_token_from(client.get("/forgot-password").get_data(as_text=True))
        started = time.monotonic()
        response = client.post("/forgot-password", data={"csrf_token": token, "email": email})
        elapsed = time.monotonic() - started

        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert elapsed < 3, f"the request waited {elapsed:.1f}s on a broker that is down"
        assert outbox_statuses() == [OutboxStatus.queued]
        time.sleep(1)
        assert site.inbox.count() == 0

        redis.start()
        wait_for(lambda: site.inbox.to(email), 60, "the reset e-mail after Redis returned")
        time.sleep(1.5)
        assert len(site.inbox.to(email)) == 1
        assert outbox_statuses() == [OutboxStatus.sent]
    finally:
        redis.stop()
