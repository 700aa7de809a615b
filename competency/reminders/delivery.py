"""Sending outbox e-mails: by SMTP when configured, else as files in ``MAIL_FILE_DIR``."""
from __future__ import annotations

import smtplib
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
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message["Date"] = format_datetime(email.created_at)
    message.set_content(email.body_text)
    if email.body_html:
        message.add_alternative(email.body_html, subtype="html")
    return message


def _write_file(message: EmailMessage, email: OutboxEmail, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{email.created_at:%Y%m%dT%H%M%S}-{email.id:08d}.eml"
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(bytes(message))
    tmp.replace(path)


def _send_smtp(message: EmailMessage) -> None:
    cfg = current_app.config
    with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=cfg["SMTP_TIMEOUT"]) as smtp:
        if cfg["SMTP_STARTTLS"]:
            smtp.starttls()
        if cfg["SMTP_USERNAME"]:
            smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"] or "")
        smtp.send_message(message)


def backoff(attempts: int) -> timedelta:
    """Exponential backoff: 1, 2, 4 ... minutes, capped at six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def deliver(email: OutboxEmail, now: datetime | None = None) -> bool:
    """Try to send one e-mail; record the attempt. Returns True when sent."""
    now = now or utcnow()
    message = build_message(email)
    email.attempts += 1
    try:
        if current_app.config.get("SMTP_HOST"):
            _send_smtp(message)
        else:
            _write_file(message, email, Path(current_app.config["MAIL_FILE_DIR"]))
    except (OSError, smtplib.SMTPException) as exc:
        email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if email.attempts >= MAX_ATTEMPTS:
            email.status = OutboxStatus.failed
        else:
            email.status = OutboxStatus.queued
            email.next_attempt_at = now + backoff(email.attempts)
        return False
    email.status = OutboxStatus.sent
    email.sent_at = now
    email.last_error = None
    return True


def due_ids(now: datetime | None = None, limit: int = 100) -> list[int]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(OutboxEmail.id)
            .where(OutboxEmail.status == OutboxStatus.queued, OutboxEmail.next_attempt_at <= now)
            .order_by(OutboxEmail.id)
            .limit(limit)
        )
    )


def claim_and_deliver(email_id: int, now: datetime | None = None) -> bool:
    """Claim one queued e-mail atomically, send it and commit the result.

    The conditional UPDATE means two workers never send the same row.
    """
    now = now or utcnow()
    claimed = db.session.execute(
        sa.update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.status == OutboxStatus.queued)
        .values(status=OutboxStatus.sending)
    ).rowcount
    db.session.commit()
    if not claimed:
        return False
    email = db.session.get(OutboxEmail, email_id)
    sent = deliver(email, now)
    db.session.commit()
    return sent
