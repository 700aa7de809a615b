"""Check-your-answers for enrolment: everything :func:`services.enrol` would check and compute, kept nowhere.

Why a savepoint rather than a second copy of the rules: the preview must say exactly what
enrolling will do (the warnings, the due dates), and only the real function knows that.
It runs inside a savepoint that is always rolled back, so no row, audit event (the audit
chain leaves no gap for a rolled-back savepoint) or notification survives the preview.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from competency.extensions import db
from competency.preceptorship import services


@dataclass(frozen=True)
class EnrolmentPreview:
    fte: float
    employment_start_on: date | None
    warnings: list[str] = field(default_factory=list)
    # (milestone title, due date, is_required) in programme order.
    milestones: list[tuple[str, date, bool]] = field(default_factory=list)
    next_supervision_due_on: date | None = None


def preview_enrolment(**kwargs) -> EnrolmentPreview:
    """Takes exactly the arguments of :func:`services.enrol`.

    :raises DomainError: whatever enrolling would raise, with the same message and field.
    """
    savepoint = db.session.begin_nested()
    try:
        result = services.enrol(**kwargs)
        enrolment = result.enrolment
        return EnrolmentPreview(
            fte=enrolment.fte, employment_start_on=enrolment.employment_start_on, warnings=list(result.warnings),
            milestones=[(m.definition.title, m.due_on, m.is_required) for m in enrolment.milestones],
            next_supervision_due_on=enrolment.next_supervision_due_on)
    finally:
        savepoint.rollback()
