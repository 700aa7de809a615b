"""Indexes that exist for the reports, on tables other areas own.

Kept here so the reason for each stays beside the query it serves; Alembic sees them
through ``competency/models.py`` like any other index.
"""
from __future__ import annotations

import sqlalchemy as sa

from competency.signoff.models import SignOffRequest

# Sign-off turnaround (reporting.queries.turnaround): decided requests per organisation in a date
# range, with both timestamps read from the index alone (an index-only scan on PostgreSQL once
# vacuumed), instead of one heap page per request.
REPORT_TURNAROUND = sa.Index(
    "ix_report_signoff_turnaround",
    SignOffRequest.organisation_id, SignOffRequest.state, SignOffRequest.created_at, SignOffRequest.closed_at,
)
