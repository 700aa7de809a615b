"""Thin task shims: take ids or ISO dates, call domain services, commit at the task boundary.

Every task is safe to run twice or concurrently: planning inserts under a unique
key, turning planned reminders into notifications claims each row, and the
outbox sender claims each e-mail.
"""
from __future__ import annotations

from datetime import date

from celery import shared_task

from competency.extensions import db
from competency.reminders import delivery, digest, notices, planning


@shared_task(name="worker.tasks.send_outbox")
def send_outbox(limit: int = 200) -> int:
    """Make notifications for anything planned but not yet delivered, then send due e-mails."""
    notices.deliver_planned()
    db.session.commit()
    return delivery.send_due(limit=limit)


@shared_task(name="worker.tasks.plan_reminders")
def plan_reminders(on: str | None = None) -> int:
    """Plan what is due on ``on`` (ISO date; default today in Europe/London) and deliver it."""
    result = planning.plan(date.fromisoformat(on) if on else None)
    db.session.commit()
    notices.deliver_planned()
    db.session.commit()
    delivery.send_due()
    return result.total


@shared_task(name="worker.tasks.send_digests")
def send_digests(on: str | None = None) -> int:
    """Queue one weekly digest e-mail per person who chose the digest, then send."""
    queued = digest.queue_digests(date.fromisoformat(on) if on else None)
    db.session.commit()
    delivery.send_due()
    return queued


@shared_task(name="worker.tasks.issue_passport_credentials")
def issue_passport_credentials(limit: int = 500) -> int:
    """Sign the passport credentials owed for new sign-offs and completions (idempotent)."""
    from competency.passport import issuing

    issued = issuing.issue_pending(limit=limit)
    db.session.commit()
    return issued
