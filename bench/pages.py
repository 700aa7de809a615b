"""The key pages to measure: data, so pages that do not exist yet are skipped with a message."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Page:
    name: str
    endpoint: str
    # Which bench account asks (alias at the bench e-mail domain), or None for an anonymous visitor.
    user: str | None
    # url_for arguments, from the facts the runner found in the database (e.g. a credential id).
    args: Callable[[dict], dict] = field(default=lambda facts: {})


PAGES = [
    Page("Progress grid", "progress.my_progress", "practitioner"),
    Page("Preceptor queue", "review.queue", "preceptor"),
    Page("Cohort view", "programmes.cohort", "lead"),
    Page("Organisation dashboard", "reports.organisation", "lead"),
    Page("System view", "reports.system_view", "analyst"),
    Page("Verify endpoint", "verify.credential", None, lambda facts: {"public_id": facts["credential_public_id"]}),
]
