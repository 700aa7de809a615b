"""Thin task shims: take ids or ISO dates, call domain services, commit at the task boundary.

Every task is safe to run twice or concurrently: planning inserts under a unique
key, turning planned reminders into notifications claims each row, and the
outbox sender claims each e-mail.
"""
from __future__ import annotations

from datetime import date

from celery import shared_task
from flask import current_app

from competency.extensions import db
from competency.reminders import delivery, digest, notices, planning


def _deliver_all_planned() -> int:
    """Notifications and e-mails for every planned reminder, committed batch by batch."""
    handled = 0
    while batch := notices.deliver_planned():
        db.session.commit()
        handled += batch
    return handled


@shared_task(name="worker.tasks.send_outbox")
def send_outbox(limit: int = 200) -> int:
    """Make notifications for anything planned but not yet delivered, then send due e-mails."""
    _deliver_all_planned()
    # Stop a little before the next run is due; what is left is sent by that run.
    budget = max(current_app.config["REMINDER_SEND_INTERVAL_SECONDS"] - 5, 5)
    return delivery.send_due(limit=limit, budget_seconds=budget)


@shared_task(name="worker.tasks.plan_reminders")
def plan_reminders(on: str | None = None) -> int:
    """Plan what is due on ``on`` (ISO date; default today in Europe/London) and deliver it."""
    result = planning.plan(date.fromisoformat(on) if on else None)
    db.session.commit()
    _deliver_all_planned()
    delivery.send_due()
    return result.total


@shared_task(name="worker.tasks.check_unenrolled_starters")
def check_unenrolled_starters(on: str | None = None) -> int:
    """The daily 60-day check: list newly registered starters with no preceptorship to their leads."""
    from competency.reminders.models import ReminderKind

    result = planning.plan(date.fromisoformat(on) if on else None, kinds={ReminderKind.not_enrolled})
    db.session.commit()
    _deliver_all_planned()
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


@shared_task(name="worker.tasks.anchor_audit_chains")
def anchor_audit_chains() -> int:
    """Seal chains still hashed without the audit key, then anchor every chain's head (idempotent)."""
    from competency.audit import anchors

    anchors.seal_legacy_chains()
    db.session.commit()
    written = anchors.write_anchor()
    db.session.rollback()
    return len(written.heads) if written else 0


@shared_task(name="worker.tasks.refresh_report_snapshots")
def refresh_report_snapshots() -> int:
    """Rebuild the report sections people are reading before they age out (idempotent)."""
    from datetime import timedelta

    from competency.reporting import snapshots

    every = timedelta(seconds=current_app.config["REPORT_SNAPSHOT_REFRESH_SECONDS"])
    rebuilt = snapshots.refresh(older_than=every, commit=db.session.commit)
    db.session.commit()
    return rebuilt
