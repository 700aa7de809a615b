"""Sending the outbox over real SMTP on loopback: retries, backoff, permanent failures, crash recovery."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from competency.db import utcnow
from competency.reminders import delivery
from competency.reminders.models import OutboxEmail, OutboxStatus
from competency.reminders.outbox import queue_email
from tests.factories import make_person
from tests.fixtures.servers import free_port
from tests.unit.reminders_helpers import Inbox


@pytest.fixture
def inbox(app, monkeypatch):
    server = Inbox().start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", server.port)
    yield server
    server.stop()


def queue(db, key: str = "test:1") -> OutboxEmail:
    user = make_person("practitioner")
    email = queue_email(to=user.email, user=user, template="reminder", subject="Your review is due",
                        context={"text": _Text(), "kind_tag": "Milestone", "url": "http://x/y",
                                 "preferences_url": "http://x/p"},
                        dedupe_key=key)
    db.session.commit()
    return email


class _Text:
    title = "Your review is due"
    body = "Your 3-month review is due on 2 March 2027."
    link = "/programmes/1"


def test_a_queued_email_is_sent_once_with_its_message_id(db, inbox):
    email = queue(db)

    assert delivery.send_due() == 1
    assert delivery.send_due() == 0

    assert inbox.message_ids() == [email.message_id]
    (received,) = inbox.messages
    assert received["Subject"] == "Your review is due"
    assert received.get_body(("plain",)).get_content().count("3-month review") == 1
    assert received.get_body(("html",)) is not None
    db.session.refresh(email)
    assert (email.status, email.attempts, email.last_error) == (OutboxStatus.sent, 1, None)
    assert email.sent_at is not None


def test_an_unreachable_server_is_retried_with_exponential_backoff(db, app, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nothing listens there
    email = queue(db)
    now = utcnow()

    assert delivery.send_due(now=now) == 0
    db.session.refresh(email)
    assert email.status == OutboxStatus.queued and email.attempts == 1
    assert "ConnectionRefused" in email.last_error
    assert email.next_attempt_at == now + timedelta(minutes=1)

    assert delivery.send_due(now=now) == 0, "not due again before its backoff"
    later = now + timedelta(minutes=1)
    delivery.send_due(now=later)
    db.session.refresh(email)
    assert email.attempts == 2 and email.next_attempt_at == later + timedelta(minutes=2)

    for _ in range(delivery.MAX_ATTEMPTS):
        later += timedelta(hours=7)
        delivery.send_due(now=later)
    db.session.refresh(email)
    assert email.status == OutboxStatus.failed and email.attempts == delivery.MAX_ATTEMPTS


def test_a_permanent_refusal_fails_at_once(db, app, monkeypatch):
    server = Inbox(reject="550 5.1.1 No such mailbox").start()
    try:
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", server.port)
        email = queue(db)
        delivery.send_due()
    finally:
        server.stop()
    db.session.refresh(email)
    assert email.status == OutboxStatus.failed and email.attempts == 1
    assert "No such mailbox" in email.last_error


def test_a_row_abandoned_in_sending_is_sent_again_with_the_same_message_id(db, app, inbox):
    email = queue(db)
    # A sender claimed it longer ago than the claim timeout, then died.
    email.status, email.attempts = OutboxStatus.sending, 1
    email.claimed_at = utcnow() - timedelta(seconds=app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"] + 1)
    db.session.commit()

    assert delivery.send_due() == 1

    assert inbox.message_ids() == [email.message_id]
    db.session.refresh(email)
    assert email.status == OutboxStatus.sent and email.attempts == 2


def test_a_row_another_sender_is_sending_now_is_left_alone(db, inbox):
    email = queue(db)
    assert delivery.claim(email.id, utcnow())

    assert delivery.send_due() == 0
    assert inbox.messages == []


def test_without_smtp_the_email_is_written_to_the_mail_folder(db, app):
    email = queue(db)

    delivery.send_due()

    written = [path for path in app.config["MAIL_FILE_DIR"].glob("*.eml") if email.message_id in path.read_text()]
    assert len(written) == 1


def test_two_senders_never_both_claim_a_row(db):
    email = queue(db)
    now = utcnow()
    assert delivery.claim(email.id, now) is True
    assert delivery.claim(email.id, now) is False
    assert db.session.scalar(sa.select(OutboxEmail.attempts).filter_by(id=email.id)) == 1


def test_the_sender_works_through_every_batch(db, inbox):
    for number in range(5):
        queue(db, key=f"batch:{number}")

    assert delivery.send_due(limit=2) == 5
    assert len(inbox.messages) == 5


def test_the_sender_stops_when_its_time_is_up(db, inbox):
    for number in range(3):
        queue(db, key=f"budget:{number}")

    assert delivery.send_due(budget_seconds=0) == 0
    assert delivery.send_due() == 3
