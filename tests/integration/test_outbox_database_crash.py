"""PostgreSQL crashing during an SMTP exchange sends the e-mail once, not twice.

A real SMTP server (aiosmtpd) crashes the sender's database while it receives the message,
then accepts it (250); the database comes back two seconds later. The sender knows the
message left, keeps that fact until it can mark the row sent, and a later run (even past
the claim timeout) finds nothing to send again.
"""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from competency.db import utcnow
from tests.integration.fault_support import PrivatePostgres, app_on, dispose
from tests.unit.reminders_helpers import Inbox

pytestmark = [pytest.mark.postgres_only, pytest.mark.services]


class CrashingInbox(Inbox):
    """Crashes the database while the first message's data arrives, restarts it ``down_for`` seconds later."""

    def __init__(self, server: PrivatePostgres, down_for: float):
        super().__init__()
        self.server = server
        self.down_for = down_for
        self.crashed = threading.Event()
        self.restarted = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        if not self.crashed.is_set():
            self.server.crash()
            self.crashed.set()
            timer = threading.Timer(self.down_for, self._restart)
            timer.start()
        return await super().handle_DATA(server, session, envelope)

    def _restart(self):
        self.server.start()
        self.restarted.set()


@pytest.fixture
def world(tmp_path):
    server = PrivatePostgres().init()
    inbox = CrashingInbox(server, down_for=2.0)
    inbox.start()
    app = app_on(server.url, tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=inbox.port, SMTP_TIMEOUT=5,
                 OUTBOX_CLAIM_TIMEOUT_SECONDS=60)
    yield server, inbox, app
    inbox.stop()
    dispose(app)
    server.remove()


def test_a_database_crash_during_the_smtp_exchange_does_not_send_the_email_twice(world):
    from competency.extensions import db
    from competency.reminders.delivery import send_due
    from competency.reminders.models import OutboxEmail, OutboxStatus

    server, inbox, app = world
    with app.app_context():
        db.session.add(OutboxEmail(dedupe_key="crash-test", to_address="ada@example.org", subject="Your review is due",
                                   body_text="Your six-month review is due on 3 December.",
                                   message_id="<crash-test@competency.invalid>"))
        db.session.commit()

        assert send_due() == 1  # the 250 arrived while the database was down; the mark waited for it
        assert inbox.crashed.is_set() and inbox.restarted.is_set()
        row = db.session.scalar(db.select(OutboxEmail))
        assert row.status == OutboxStatus.sent and row.sent_at is not None and row.attempts == 1

        # Long after any claim would have expired, nothing is due to be sent again.
        assert send_due(now=utcnow() + timedelta(hours=1)) == 0
        db.session.remove()
    assert inbox.message_ids() == ["<crash-test@competency.invalid>"]
