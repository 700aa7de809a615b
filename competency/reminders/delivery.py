"""Sending outbox e-mails: by SMTP when configured, else as files in ``MAIL_FILE_DIR``.

How a row moves, and exactly when an e-mail can go out twice
------------------------------------------------------------
1. *Claim*: one conditional UPDATE turns ``queued`` (and due) into ``sending``,
   stamps ``claimed_at`` and counts the attempt, then commits. Two senders never
   hold the same row.
2. *Send*: the message goes to the SMTP server with its fixed Message-ID, which is
   the idempotence key: every attempt carries the same one.
3. *Mark*: once the server answers 250 the sender *knows* the message left, and
   keeps that fact in memory until the ``sent`` mark is committed: if the database
   is unreachable (crashed, restarting, failing over) it retries the mark with
   backoff, for up to ``OUTBOX_CLAIM_TIMEOUT_SECONDS - 2 x SMTP_TIMEOUT`` after the
   claim. Nothing else takes the row meanwhile, because a row is only taken back
   once its claim is ``OUTBOX_CLAIM_TIMEOUT_SECONDS`` old.

So a database crash during the SMTP exchange, or after it, no longer sends anything
twice. A second copy (with the same Message-ID, which receiving systems use to drop
duplicates) goes out only if, after the server's 250,

* the sending process itself dies (SIGKILL, power cut) before the mark commits:
  normally the time of one UPDATE and COMMIT, a millisecond or so; while the database
  is down it is as long as the outage, bounded as below; or
* the database stays unreachable for longer than that bound (580 s with the defaults
  of 600 s and 10 s): the sender gives up, and after the claim timeout another sender
  takes the row and sends it again.

SMTP has no two-phase commit, so the sending side alone cannot close the window
completely; this keeps it to the death of the sender in that interval.
"""
from __future__ import annotations

import logging
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

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
# Waits between tries of the "sent" mark while the database is away.
MARK_RETRY_FIRST_SECONDS = 0.5
MARK_RETRY_MAX_SECONDS = 5.0


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
    claimed = time.monotonic()
    email = db.session.get(OutboxEmail, email_id, populate_existing=True)
    message = build_message(email)
    db.session.commit()  # hold no transaction (on SQLite: no write lock) through the network exchange
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
    mark_sent(email_id, deadline=claimed + mark_window())
    return True


def mark_window() -> float:
    """How long after its claim a sender may still commit "sent": the claim must not expire first."""
    config = current_app.config
    return max(config["OUTBOX_CLAIM_TIMEOUT_SECONDS"] - 2 * config["SMTP_TIMEOUT"], 0)


def _database_unreachable(exc: Exception) -> bool:
    if isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)):
        return True
    return isinstance(exc, sa.exc.DBAPIError) and bool(exc.connection_invalidated)


def mark_sent(email_id: int, *, deadline: float) -> None:
    """Commit that the server accepted ``email_id``, retrying while the database is unreachable.

    ``deadline`` is a ``time.monotonic()`` value; past it the error propagates and the row
    is sent again once its claim expires (the duplicate window in the module docstring).
    """
    wait = MARK_RETRY_FIRST_SECONDS
    while True:
        try:
            db.session.execute(
                sa.update(OutboxEmail)
                .where(OutboxEmail.id == email_id, OutboxEmail.status == OutboxStatus.sending)
                .values(status=OutboxStatus.sent, sent_at=utcnow(), claimed_at=None, last_error=None)
                .execution_options(synchronize_session=False))
            db.session.commit()
            return
        except sa.exc.SQLAlchemyError as exc:
            try:
                db.session.rollback()
            except sa.exc.SQLAlchemyError:
                pass
            if not _database_unreachable(exc) or time.monotonic() + wait > deadline:
                log.error("E-mail %s was accepted by the SMTP server but could not be marked sent: %s",
                          email_id, exc)
                raise
            log.warning("E-mail %s was accepted by the SMTP server; the database is unreachable, "
                        "marking it sent again in %.1f s: %s", email_id, wait, exc)
            time.sleep(wait)
            wait = min(wait * 2, MARK_RETRY_MAX_SECONDS)


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
