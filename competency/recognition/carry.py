"""Carrying a programme across a move, and not asking for one already completed.

Called by :func:`competency.preceptorship.services.enrol`:

* :func:`refuse_if_completed`: a first-year programme (preceptorship or ASYE) already
  completed, here or recognised from another employer's passport, is never asked for
  again: the enrolment is refused with the completion named.
* :func:`carry_progress`: a recognised progress credential for the same programme is
  carried into the new enrolment once: its completed milestones are done here (marked
  as carried, never signed again), its full-time programme days count towards the
  schedule, and its evidence counts add to the ones the programme asks for.
"""
from __future__ import annotations

from datetime import date

from competency.accounts.models import User
from competency.audit.services import record_event
from competency.errors import Conflict
from competency.recognition import queries

MAX_CREDITED_DAYS = 3 * 365


def refuse_if_completed(practitioner: User, programme_kind: str) -> None:
    """:raises Conflict: the person already completed a programme of this kind."""
    if programme_kind not in queries.PRECEPTORSHIP_KINDS:
        return
    done = queries.completed_programme(practitioner.id, programme_kind)
    if done is None:
        return
    when = f" on {done.completed_on.day} {done.completed_on:%B %Y}" if done.completed_on else ""
    how = "recognised from their passport" if done.is_recognised else "recorded here"
    raise Conflict(f"{practitioner.display_name} already completed {done.name} at {done.where}{when} ({how}), so "
                   "it is not asked for again.", rule="programme-already-completed", field="practitioner_id")


def carry_progress(enrolment, *, by: User) -> bool:
    """Apply recognised progress on the same programme to a new enrolment (before its schedule is computed).

    Returns whether anything was carried.
    """
    template = enrolment.template_version
    progress = queries.progress_to_carry(enrolment.practitioner.id, template.template.slug)
    if progress is None:
        return False
    done = {}
    for entry in progress.milestones or []:
        if isinstance(entry, dict) and entry.get("code"):
            try:
                done[entry["code"]] = date.fromisoformat(entry.get("completed_on") or "")
            except ValueError:
                done[entry["code"]] = progress.ended_on or enrolment.start_on
    carried = []
    for milestone in enrolment.milestones:
        if milestone.code in done and not milestone.definition.is_after_completion \
                and not milestone.definition.completes_programme:
            milestone.completed_on = done[milestone.code]
            milestone.carried_from = progress.issuer_name
            milestone.reflection = (f"Completed at {progress.issuer_name} on {done[milestone.code]:%-d %B %Y} and "
                                    "carried from the passport; not signed again here.")
            carried.append(milestone.code)
    enrolment.credited_days = max(0, min(int(progress.practice_days or 0), MAX_CREDITED_DAYS))
    enrolment.carried_evidence = {kind: int(n) for kind, n in (progress.evidence_counts or {}).items()
                                  if isinstance(n, int) and n > 0}
    progress.carried_into = enrolment
    record_event("programme.progress_carried", actor=by, organisation=enrolment.organisation, subject=progress,
                 data={"user_id": enrolment.practitioner.id, "from": progress.issuer_name,
                       "milestones": carried, "credited_days": enrolment.credited_days,
                       "evidence": enrolment.carried_evidence})
    return True
