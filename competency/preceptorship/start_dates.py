"""When a programme can start, and correcting its start date without withdrawing anyone.

Why here: a start date typed five years out used to be accepted with a warning after the
fact, and since it could not be edited the only fix was to withdraw the person (a reason
kept for ever) and enrol them again. Now the date is checked against plausible limits
before anything is saved, and a lead can move it: the due dates are recomputed and the
change goes into the audit log and to the people on the programme.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from competency.accounts.models import User
from competency.audit.services import record_event
from competency.errors import PermissionDenied
from competency.extensions import db
from competency.preceptorship import policies
from competency.preceptorship.errors import EnrolmentRuleError
from competency.preceptorship.models import Enrolment
from competency.reminders.outbox import notify
from competency.reminders.sources.base import link_to

# A programme starts at most about six months ahead (a new starter's first day is known by
# then) and at most a year back (recording a programme already running on paper).
MAX_DAYS_AHEAD = 183
MAX_DAYS_BACK = 365


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def start_date_problem(start_on: date, on: date) -> str | None:
    """Why ``start_on`` is not a plausible programme start when entered on ``on`` (None when it is)."""
    latest, earliest = on + timedelta(days=MAX_DAYS_AHEAD), on - timedelta(days=MAX_DAYS_BACK)
    if start_on > latest:
        return (f"The start date must be no more than 6 months from today, so on or before {_long(latest)}. "
                f"You entered {_long(start_on)}: check the year.")
    if start_on < earliest:
        return (f"The start date must be no more than 12 months ago, so on or after {_long(earliest)}. "
                f"You entered {_long(start_on)}: check the year.")
    return None


def check_start_date(start_on: date, on: date) -> None:
    """:raises EnrolmentRuleError: the date is outside the plausible limits (the message gives them)."""
    problem = start_date_problem(start_on, on)
    if problem:
        raise EnrolmentRuleError(problem, field="start_on", rule="start-date-plausible")


def _first_record(enrolment: Enrolment) -> tuple[date, str] | None:
    """The earliest thing recorded on the programme: a new start date cannot be after it."""
    found = [(s.held_on, "a supervision session") for s in enrolment.supervisions]
    found += [(p.start_on, "a pause") for p in enrolment.pauses]
    found += [(c.checked_on, "a confidence check-in") for c in enrolment.checkins]
    found += [(t.taken_on, "protected time") for t in enrolment.protected_time]
    return min(found, default=None)


def late_start_warning(enrolment: Enrolment) -> str | None:
    from competency.preceptorship.services import LATE_START_DAYS

    if enrolment.employment_start_on is None:
        return None
    late_by = (enrolment.start_on - enrolment.employment_start_on).days
    if late_by <= LATE_START_DAYS:
        return None
    return (f"The programme starts {late_by} days after {enrolment.practitioner.display_name}'s employment began "
            f"on {enrolment.employment_start_on:%d %B %Y}; programmes should start within {LATE_START_DAYS} days.")


@dataclass(frozen=True)
class StartDateChange:
    before: date
    after: date
    # (milestone title, due date before, due date after) for each due date that moved.
    moved: list[tuple[str, date, date]]


def change_start_date(enrolment: Enrolment, start_on: date, *, reason: str, by: User, on: date) -> StartDateChange:
    """Move the programme's start: due dates are recomputed, the change is audited and people are told.

    :raises PermissionDenied: ``by`` is not a lead of the programme's organisation.
    :raises EnrolmentRuleError: the new date is implausible, outside the employment, after
        something already recorded, or unchanged; or no reason is given.
    """
    from competency.preceptorship.services import _employment, _require_open, recompute_schedule

    if not policies.can_manage_enrolment(by, enrolment):
        raise PermissionDenied("Only a lead can change the programme's start date.")
    _require_open(enrolment)
    reason = (reason or "").strip()
    if not reason:
        raise EnrolmentRuleError("Say why the start date is changing, for example 'typed the wrong year'.",
                                 field="reason", rule="start-change-reason")
    if start_on == enrolment.start_on:
        raise EnrolmentRuleError(f"The programme already starts on {_long(start_on)}.", field="start_on",
                                 rule="start-date-changed")
    check_start_date(start_on, on)
    employment = _employment(enrolment.practitioner, enrolment.organisation, start_on)
    if start_on < employment.start_on:
        raise EnrolmentRuleError("The programme cannot start before the employment does "
                                 f"({_long(employment.start_on)}).", field="start_on",
                                 rule="start-after-employment")
    first = _first_record(enrolment)
    if first is not None and start_on > first[0]:
        raise EnrolmentRuleError(f"The programme cannot start after {_long(first[0])}, when {first[1]} was "
                                 "recorded on it.", field="start_on", rule="start-before-records")
    before_start = enrolment.start_on
    before = {m.id: m.due_on for m in enrolment.milestones}
    enrolment.start_on = start_on
    enrolment.employment_start_on = employment.start_on
    enrolment.start_warning = late_start_warning(enrolment)
    recompute_schedule(enrolment, on)
    db.session.flush()
    moved = [(m.definition.title, before[m.id], m.due_on) for m in enrolment.milestones
             if before[m.id] != m.due_on and not m.is_done]
    record_event("programme.start_changed", actor=by, organisation=enrolment.organisation_id, subject=enrolment,
                 data={"before": before_start.isoformat(), "after": start_on.isoformat(), "reason": reason,
                       "start_warning": enrolment.start_warning})
    _tell_about_start(enrolment, before_start, moved, by)
    return StartDateChange(before=before_start, after=start_on, moved=moved)


def _tell_about_start(enrolment: Enrolment, before: date, moved: list, by: User) -> None:
    link = link_to("programmes.timeline", enrolment_id=enrolment.id)
    first = f" The {moved[0][0].lower()} is now due by {_long(moved[0][2])}." if moved else ""
    people = {enrolment.practitioner.id: enrolment.practitioner, enrolment.preceptor.id: enrolment.preceptor,
              enrolment.lead.id: enrolment.lead}
    for person in people.values():
        if person.id == by.id:
            continue
        whose = "Your programme" if person.id == enrolment.practitioner_id else \
            f"{enrolment.practitioner.display_name}'s programme"
        notify(person, kind="programme.start_changed",
               title=f"{whose} now starts on {_long(enrolment.start_on)}",
               body=f"{by.display_name} moved the start from {_long(before)}; the due dates have moved with it.{first}",
               link=link, dedupe_key=f"programme.start_changed:{enrolment.id}:{enrolment.start_on}:{person.id}")
