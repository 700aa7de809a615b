"""Hand queued e-mails to the worker after the request has committed.

If the broker is down the e-mails simply stay queued in the outbox; the
periodic sender picks them up later, so nothing is lost.
"""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def dispatch_outbox() -> bool:
    """Ask the worker to send queued e-mails now. Returns False when the broker is unreachable."""
    try:
        from worker.celery_app import get_celery

        get_celery().tasks["worker.tasks.send_outbox"].apply_async(retry=False)
    except Exception as exc:  # any broker failure must not fail the user's request
        log.warning("Could not reach the task broker; e-mails stay queued: %s", exc)
        return False
    return True
