"""Rows the reminder tests plan over, made directly so the tests do not depend on other areas' services."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from competency.db import utcnow
from competency.extensions import db


def framework_version():
    from competency.frameworks.models import Framework, FrameworkVersion, VersionStatus

    framework = Framework(uuid=str(uuid.uuid4()), slug=f"fw-{uuid.uuid4().hex[:8]}", title="Test framework")
    version = FrameworkVersion(uuid=str(uuid.uuid4()), framework=framework, version="1.0", title="Test 1.0",
                               status=VersionStatus.published, changed_at=utcnow(), published_at=utcnow())
    db.session.add_all([framework, version])
    db.session.flush()
    return version


def signoff_request(practitioner, assessor, organisation, *, made_at: datetime, version=None):
    from competency.signoff.models import SignOffRequest

    version = version or framework_version()
    request = SignOffRequest(practitioner_id=practitioner.id, assessor_id=assessor.id,
                             organisation_id=organisation.id, capability_uuid=str(uuid.uuid4()),
                             framework_version_id=version.id, message="Please review",
                             created_at=made_at, updated_at=made_at)
    db.session.add(request)
    db.session.flush()
    return request


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.utc)


class Inbox:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it accepts.

    ``hold_recipient=n`` makes the server stall on the n-th recipient, before that message is
    transferred, until ``release()`` (a window to crash a sender in while the server has not
    accepted the message); ``reject`` answers every recipient with that SMTP reply.
    """

    def __init__(self, *, hold_recipient: int | None = None, reject: str | None = None):
        import threading

        from aiosmtpd.controller import Controller

        from tests.fixtures.servers import free_port

        self.messages: list = []
        self.hold_recipient = hold_recipient
        self.recipients_started = 0
        self.reject = reject
        self._lock = threading.Lock()
        self._released = threading.Event()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        import asyncio

        with self._lock:
            self.recipients_started += 1
            number = self.recipients_started
        if number == self.hold_recipient:
            while not self._released.is_set():
                await asyncio.sleep(0.02)
        if self.reject:
            return self.reject
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def release(self) -> None:
        self._released.set()

    def start(self) -> Inbox:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.release()
        self.controller.stop()

    def message_ids(self) -> list[str]:
        with self._lock:
            return [m["Message-ID"] for m in self.messages]

    def to(self, address: str, subject_contains: str = "") -> list:
        with self._lock:
            return [m for m in self.messages if m["To"] == address and subject_contains in m["Subject"]]

    def count(self) -> int:
        with self._lock:
            return len(self.messages)
