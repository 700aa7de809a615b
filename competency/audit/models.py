"""Audit events: one hash chain per organisation (and one for events with no organisation)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from competency.db import UTCDateTime, utcnow
from competency.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (sa.UniqueConstraint("chain", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "org:<id>" or "system"; each chain is verified on its own.
    chain: Mapped[str] = mapped_column(sa.String(40))
    # Place in the chain and the links: empty while the writing transaction is open, set when it
    # commits (see competency.audit.sealing), so a committed event always has all three.
    seq: Mapped[int | None] = mapped_column()
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    subject_type: Mapped[str | None] = mapped_column(sa.String(40))
    subject_id: Mapped[str | None] = mapped_column(sa.String(64))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    hash: Mapped[str | None] = mapped_column(sa.String(64))
    # The audit key whose HMAC is ``hash``; empty for events written before the chain was keyed
    # (plain SHA-256), which count only when a keyed event follows them.
    key_id: Mapped[str | None] = mapped_column(sa.String(40))

    @property
    def is_sealed(self) -> bool:
        return self.seq is not None
