"""Thin task shims: take ids, call domain services, commit at the task boundary."""
from __future__ import annotations

from celery import shared_task

from competency.extensions import db
from competency.reminders import delivery


@shared_task(name="worker.tasks.send_outbox", ignore_result=True)
def send_outbox(limit: int = 200) -> int:
    """Send queued e-mails that are due. Safe to run concurrently and repeatedly."""
    sent = 0
    for email_id in delivery.due_ids(limit=limit):
        if delivery.claim_and_deliver(email_id):
            sent += 1
    return sent
