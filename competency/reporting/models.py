"""Stored report sections: what the dashboards show, computed once and read by every viewer."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from competency.db import UTCDateTime, utcnow
from competency.extensions import db


class ReportSnapshot(db.Model):
    """One section of one report for one set of organisations, as of one day.

    ``payload`` is the section as built (tables, chart and facts; see ``snapshots.encode``), which
    CSV downloads read; ``html`` is it rendered for the page, filled by the first page view after
    each rebuild. ``read_at`` says when a page last used it, so the worker refreshes only what
    people look at. ``variant`` tells apart pages whose HTML differs for the same organisations
    (the dashboard's links carry the organisation asked for).
    """

    __tablename__ = "report_snapshot"
    __table_args__ = (sa.UniqueConstraint("view", "scope_key", "section"),
                      sa.Index("ix_report_snapshot_read_at", "read_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    view: Mapped[str] = mapped_column(sa.String(16))  # "organisation" or "system"
    scope_key: Mapped[str] = mapped_column(sa.String(64))  # digest of the sorted organisation ids and variant
    variant: Mapped[str] = mapped_column(sa.String(32), default="")
    org_ids: Mapped[list] = mapped_column(sa.JSON)
    section: Mapped[str] = mapped_column(sa.String(32))
    title: Mapped[str] = mapped_column(sa.String(200))
    as_of: Mapped[date] = mapped_column(sa.Date)
    shape: Mapped[int] = mapped_column(default=1)  # snapshots.SHAPE when it was stored
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    payload: Mapped[dict] = mapped_column(sa.JSON)
    html: Mapped[str | None] = mapped_column(sa.Text)
