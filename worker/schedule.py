"""Periodic tasks (beat). Crontab times are Europe/London, the Celery timezone.

Run beat exactly once per installation (``celery -A worker.celery_app beat``, or
``worker -B`` on the single-process embedded default). Every task is idempotent,
so a beat that fires twice, or a worker that runs a task again after a crash,
sends nothing twice.
"""
from __future__ import annotations

from collections.abc import Mapping

from celery.schedules import crontab

PLAN_AT = crontab(hour=6, minute=30)                        # daily, before the working day
STARTERS_AT = crontab(hour=6, minute=45)                    # daily 60-day preceptorship check
DIGEST_AT = crontab(hour=7, minute=0, day_of_week="mon")    # weekly digest, Monday morning


def beat_schedule(config: Mapping) -> dict:
    interval = float(config.get("REMINDER_SEND_INTERVAL_SECONDS", 60))
    return {
        "plan-reminders": {"task": "worker.tasks.plan_reminders", "schedule": PLAN_AT,
                           "options": {"expires": 6 * 3600}},
        # The outbox sender also catches whatever a request could not hand to the broker.
        # A run that waited longer than one interval is dropped: the next one does the same work.
        "send-outbox": {"task": "worker.tasks.send_outbox", "schedule": interval,
                        "options": {"expires": interval}},
        # Newly registered starters not enrolled within 60 days, listed to their leads (also planned at 06:30;
        # its own entry keeps the check running on the day even if a long planning run was dropped).
        "check-unenrolled-starters": {"task": "worker.tasks.check_unenrolled_starters", "schedule": STARTERS_AT,
                                      "options": {"expires": 6 * 3600}},
        "weekly-digest": {"task": "worker.tasks.send_digests", "schedule": DIGEST_AT,
                          "options": {"expires": 6 * 3600}},
        # Passport credentials owed (new sign-offs and completions) are signed in the background.
        "issue-passport-credentials": {"task": "worker.tasks.issue_passport_credentials", "schedule": 300.0,
                                       "options": {"expires": 300}},
        # Report sections people read, rebuilt before they age out (see reporting/snapshots.py).
        "refresh-report-snapshots": {"task": "worker.tasks.refresh_report_snapshots",
                                     "schedule": float(config.get("REPORT_SNAPSHOT_REFRESH_SECONDS", 300)),
                                     "options": {"expires": float(config.get("REPORT_SNAPSHOT_REFRESH_SECONDS", 300))}},
        # Passport PDFs owed a render whose task was lost (broker down) or never queued.
        "refresh-passport-pdfs": {"task": "worker.tasks.refresh_passport_pdfs",
                                  "schedule": float(config.get("PASSPORT_PDF_SWEEP_SECONDS", 60)),
                                  "options": {"expires": float(config.get("PASSPORT_PDF_SWEEP_SECONDS", 60))}},
        # Chain heads recorded outside the database, so deleting the last audit events shows.
        "anchor-audit-chains": {"task": "worker.tasks.anchor_audit_chains",
                                "schedule": float(config.get("AUDIT_ANCHOR_INTERVAL_SECONDS", 3600)),
                                "options": {"expires": float(config.get("AUDIT_ANCHOR_INTERVAL_SECONDS", 3600))}},
    }
