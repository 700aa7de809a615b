"""Sending outbox e-mails: by SMTP when configured, else as files in ``MAIL_FILE_DIR``.

How a row moves, and why nothing is lost or sent twice
------------------------------------------------------
1. *Claim*: one conditional UPDATE turns ``queued`` (and due) into ``sending``,
   stamps ``claimed_at`` and counts the attempt, then commits. Two senders never
   hold the same row.
2. *Send*: the message goes to the SMTP server with its fixed Message-ID.
3. *Mark*: as soon as the server answers 250 the row becomes ``sent`` and is
   committed, before the next message is touched.

A sender that dies (SIGKILL, power cut) leaves at most the row it was sending
in ``sending``. After ``OUTBOX_CLAIM_TIMEOUT_SECONDS`` another sender takes it
again and resends it with the *same* Message-ID. If the death came before the
server's 250, the server never accepted it and the resend is the only copy. If
it came in the few milliseconds between the 250 and the commit of step 3, the
recipient's server receives the message twice with one Message-ID, which mail
systems use to drop duplicates. That window cannot be closed from the sending
side alone (SMTP has no two-phase commit); it is kept as small as one UPDATE.
"""
from __future__ import annotations

import smtplib
import time
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from competency.db import utcnow
from competency.extensions import db
from competency.reminders.models import OutboxEmail, OutboxStatus

MAX_ATTEMPTS = 8


def build_message(email: OutboxEmail) -> EmailMessage:
    """The same bytes on every attempt: Message-ID and Date come from the row."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message["Date"] = format_datetime(email.created_at)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.body_text)
    if email.body_html:
        message.add_alternative(email.body_html, subtype="html")
    return message


def _write_file(message: EmailMessage, email: OutboxEmail, directory: Path) -> None:
    """The embedded default: one .eml file per e-mail, written atomically (same name on a resend)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{email.created_at:%Y%m%dT%H%M%S}-{email.id:08d}.eml"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(bytes(message))
    tmp.replace(path)


class Mailer:
    """One SMTP session reused for a batch; reconnects after an error."""

    def __init__(self, config) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        smtp = smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=cfg["SMTP_TIMEOUT"])
        try:
            if cfg["SMTP_STARTTLS"]:
                smtp.starttls()
            if cfg["SMTP_USERNAME"]:
                smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"] or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except (OSError, smtplib.SMTPException):
            self.close()
            raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def backoff(attempts: int) -> timedelta:
    """Exponential backoff: 1, 2, 4 ... minutes, capped at six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def is_permanent(exc: Exception) -> bool:
    """A 5xx answer (address refused, message rejected) will not get better by retrying."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500 and not isinstance(exc, smtplib.SMTPServerDisconnected)
    return False


def claim_timeout() -> timedelta:
    return timedelta(seconds=current_app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"])


def _claimable(now: datetime):
    return sa.or_(
        sa.and_(OutboxEmail.status == OutboxStatus.queued, OutboxEmail.next_attempt_at <= now),
        sa.and_(OutboxEmail.status == OutboxStatus.sending, OutboxEmail.claimed_at < now - claim_timeout()),
    )


def due_ids(now: datetime | None = None, limit: int = 100) -> list[int]:
    """Queued e-mails that are due, plus ones abandoned in ``sending`` by a crashed sender."""
    now = now or utcnow()
    return list(db.session.scalars(
        sa.select(OutboxEmail.id).where(_claimable(now)).order_by(OutboxEmail.id).limit(limit)
    ))


def claim(email_id: int, now: datetime) -> bool:
    """Take one row for sending and commit, so no other sender can take it meanwhile."""
    claimed = db.session.execute(
        sa.update(OutboxEmail)
        .where(OutboxEmail.id == email_id, _claimable(now))
        .values(status=OutboxStatus.sending, claimed_at=now, attempts=OutboxEmail.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def _record_failure(email: OutboxEmail, exc: Exception, now: datetime) -> None:
    email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    email.claimed_at = None
    if email.attempts >= MAX_ATTEMPTS or is_permanent(exc):
        email.status = OutboxStatus.failed
    else:
        email.status = OutboxStatus.queued
        email.next_attempt_at = now + backoff(email.attempts)


def claim_and_deliver(email_id: int, now: datetime | None = None, mailer: Mailer | None = None) -> bool:
    """Claim one e-mail, send it and commit the outcome at once. Returns True when sent.

    Attempts are counted at the claim, so a message that crashes its sender every
    time still reaches ``failed`` after ``MAX_ATTEMPTS`` claims.
    """
    now = now or utcnow()
    if not claim(email_id, now):
        return False
    email = db.session.get(OutboxEmail, email_id, populate_existing=True)
    message = build_message(email)
    try:
        if current_app.config.get("SMTP_HOST"):
            if mailer is None:
                with Mailer(current_app.config) as own:
                    own.send(message)
            else:
                mailer.send(message)
        else:
            _write_file(message, email, Path(current_app.config["MAIL_FILE_DIR"]))
    except (OSError, smtplib.SMTPException) as exc:
        _record_failure(email, exc, now)
        db.session.commit()
        return False
    email.status = OutboxStatus.sent
    email.sent_at = utcnow()
    email.claimed_at = None
    email.last_error = None
    db.session.commit()
    return True


def send_due(limit: int = 200, now: datetime | None = None, budget_seconds: float | None = None) -> int:
    """Send what is due, one committed row at a time over one SMTP session. Returns how many were sent.

    Works through batches of ``limit`` until nothing is due, or until ``budget_seconds``
    have passed (the periodic sender stops before its next run is due).
    """
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    sent = 0
    with Mailer(current_app.config) as mailer:
        while True:
            ids = due_ids(now, limit=limit)
            for email_id in ids:
                if deadline is not None and time.monotonic() > deadline:
                    return sent
                if claim_and_deliver(email_id, now, mailer=mailer):
                    sent += 1
            if len(ids) < limit:
                return sent
