"""What a receiving employer recognises from a person's past, beyond sign-offs ("say it once").

* :class:`PriorEmployment`: a post held elsewhere. The person may record one
  themselves (``declared``); it counts towards "months in post" only once it is
  verified: by an employment credential from that employer recognised at import,
  or by a lead of a current employer who checked a reference. Posts at an
  organisation here are ordinary :class:`~competency.accounts.models.Employment`
  rows, added by that organisation; nobody adds employment at someone else's.
* :class:`RecognisedProgramme`: a programme completed, or part-completed before a
  move, at another employer, from its signed credential. A recognised completion
  stops a second enrolment on the same kind of programme; recognised progress is
  carried into the next enrolment on that programme (milestones done, practice
  days, evidence counts), once.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competency.accounts.models import Organisation, User
from competency.db import TimestampMixin, UTCDateTime, str_enum
from competency.extensions import db


class EmploymentSource(enum.Enum):
    declared = "declared"
    credential = "credential"


class RecognisedKind(enum.Enum):
    completion = "completion"
    progress = "progress"


class PriorEmployment(TimestampMixin, db.Model):
    __tablename__ = "prior_employment"
    __table_args__ = (
        sa.CheckConstraint("fte > 0 AND fte <= 1", name="fte_range"),
        sa.CheckConstraint("end_on IS NULL OR end_on >= start_on", name="dates_ordered"),
        sa.UniqueConstraint("user_id", "credential_uri"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    employer_name: Mapped[str] = mapped_column(sa.String(200))
    # The issuer's DID, and the organisation here it belongs to (when it is one).
    issuer_did: Mapped[str | None] = mapped_column(sa.String(300))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    role_title: Mapped[str] = mapped_column(sa.String(120))
    level_code: Mapped[str] = mapped_column(sa.String(40))
    band_label: Mapped[str | None] = mapped_column(sa.String(40))
    start_on: Mapped[date] = mapped_column(sa.Date)
    end_on: Mapped[date | None] = mapped_column(sa.Date)
    # The last day the employer vouched for an open-ended post (the credential's date).
    as_of_on: Mapped[date | None] = mapped_column(sa.Date)
    fte: Mapped[float] = mapped_column(sa.Numeric(4, 2, asdecimal=False), default=1.0)
    source: Mapped[EmploymentSource] = mapped_column(str_enum(EmploymentSource))
    credential_uri: Mapped[str | None] = mapped_column(sa.String(300))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    # Where the verification came from: the credential's issuer, or the lead's note on the reference.
    verification_note: Mapped[str] = mapped_column(sa.Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation | None] = relationship()
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def counts_until(self, today: date) -> date:
        """The last day this post counts for, as far as anyone vouched for it."""
        last = self.end_on or self.as_of_on or today
        return min(last, today)


class RecognisedProgramme(db.Model):
    """A programme completion or progress from another employer's credential, recognised here."""

    __tablename__ = "recognised_programme"
    __table_args__ = (sa.UniqueConstraint("user_id", "credential_uri"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    # The organisation that recognised it, and the lead who did.
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    recognised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    recognised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[RecognisedKind] = mapped_column(str_enum(RecognisedKind))
    credential_uri: Mapped[str] = mapped_column(sa.String(300))
    issuer_name: Mapped[str] = mapped_column(sa.String(200))
    issuer_did: Mapped[str | None] = mapped_column(sa.String(300))
    programme_name: Mapped[str] = mapped_column(sa.String(300))
    # preceptorship, asye, ... (the programme's kind as the credential states it).
    programme_kind: Mapped[str] = mapped_column(sa.String(40))
    # The template here it is a version of, when it is one we hold.
    template_slug: Mapped[str | None] = mapped_column(sa.String(80))
    template_version: Mapped[str | None] = mapped_column(sa.String(20))
    started_on: Mapped[date | None] = mapped_column(sa.Date)
    # Completion date (completion) or the date the progress was stated (progress).
    ended_on: Mapped[date | None] = mapped_column(sa.Date)
    # Progress: [{"code": ..., "title": ..., "completed_on": "YYYY-MM-DD"}], evidence {kind: n},
    # and programme days completed at full time (elapsed days x FTE, pauses left out).
    milestones: Mapped[list] = mapped_column(sa.JSON, default=list)
    evidence_counts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    practice_days: Mapped[int] = mapped_column(default=0)
    # The enrolment this progress was carried into (progress is carried once).
    carried_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()
    carried_into = relationship("Enrolment")

    @property
    def is_completion(self) -> bool:
        return self.kind == RecognisedKind.completion
