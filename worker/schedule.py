"""Periodic tasks (beat). Times are Europe/London (the Celery timezone)."""
from __future__ import annotations

from celery.schedules import crontab


def beat_schedule() -> dict:
    return {
        "send-outbox": {"task": "worker.tasks.send_outbox", "schedule": 60.0},
    }
