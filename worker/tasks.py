"""Thin task shims: take ids or ISO dates, call domain services, commit at the task boundary.

Every task is safe to run twice or concurrently: planning inserts under a unique
key, turning planned reminders into notifications claims each row, the outbox
sender claims each e-mail, and a passport PDF render claims its holder's row.
"""
from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from flask import current_app

from competency.extensions import db
from competency.reminders import delivery, digest, notices, planning

log = logging.getLogger(__name__)


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
def _render_owed_pdf(holder_id: int) -> bool:
    """Render and store the holder's passport PDF if a render is owed and no other worker has it.

    Two short transactions, neither open while WeasyPrint works: claim and read, then store.
    Renders again if something changed meanwhile. A failed render keeps its claim, so the holder
    is tried again once the claim is old (competency.passport.pdf_store.CLAIM_SECONDS).
    """
    from competency.accounts.models import User
    from competency.passport import pdf_store

    rendered = False
    for _ in range(3):
        holder = db.session.get(User, holder_id)
        if holder is None or not pdf_store.claim(holder_id):
            db.session.commit()
            return rendered
        job = pdf_store.prepare(holder)
        if job.pdf is not None:  # the stored PDF shows this already
            pdf_store.release(job)
            db.session.commit()
            return rendered
        db.session.commit()
        pdf = pdf_store.render(job)
        pdf_store.store(job, pdf)
        pdf_store.release(job)
        db.session.commit()
        rendered = True
    return rendered


@shared_task(name="worker.tasks.render_passport_pdf")
def render_passport_pdf(holder_id: int) -> bool:
    """Render the holder's passport PDF ahead of its download (queued after each change it shows; idempotent)."""
    return _render_owed_pdf(holder_id)


@shared_task(name="worker.tasks.refresh_passport_pdfs")
def refresh_passport_pdfs(limit: int = 200) -> int:
    """The sweep: render every owed passport PDF whose task was lost (broker down) or never queued."""
    import time

    from competency.passport import pdf_store

    budget = max(current_app.config["PASSPORT_PDF_SWEEP_SECONDS"] - 5, 5)
    started = time.monotonic()
    holder_ids = pdf_store.owed_holders(limit)
    db.session.rollback()
    rendered = 0
    for holder_id in holder_ids:
        if time.monotonic() - started > budget:
            break  # the next run carries on
        try:
            rendered += _render_owed_pdf(holder_id)
        except Exception:
            db.session.rollback()
            log.exception("Passport PDF of holder %s not rendered; tried again once its claim is old", holder_id)
    return rendered
