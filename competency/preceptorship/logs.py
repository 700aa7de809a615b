"""Supervision sessions, protected time and confidence check-ins recorded on a programme."""
from __future__ import annotations

from datetime import date, datetime

from competency.accounts.models import User
from competency.audit.services import record_event
from competency.errors import Conflict, PermissionDenied
from competency.extensions import db
from competency.preceptorship import policies
from competency.preceptorship.errors import EnrolmentRuleError
from competency.preceptorship.models import ConfidenceCheckin, Enrolment, ProtectedTimeEntry, SupervisionSession
from competency.preceptorship.services import refresh_supervision_due
from competency.reminders.outbox import notify
from competency.reminders.sources.base import link_to

MAX_SESSION_MINUTES = 8 * 60


def _require_open(enrolment: Enrolment) -> None:
    if not enrolment.is_open:
        raise Conflict(f"This programme is {enrolment.status.value}; nothing more can be recorded on it.")


def _within_programme(enrolment: Enrolment, day: date, on: date, field: str, what: str) -> None:
    if day < enrolment.start_on:
        raise EnrolmentRuleError(f"The {what} cannot be before the programme started on "
                                 f"{enrolment.start_on:%d %B %Y}.", field=field, rule="date-within-programme")
    if day > on:
        raise EnrolmentRuleError(f"The {what} cannot be in the future.", field=field, rule="date-not-future")


def record_supervision(enrolment: Enrolment, *, held_on: date, minutes: int, topics: str = "", notes: str = "",
                       by: User, on: date) -> SupervisionSession:
    """Either the preceptee or the preceptor records a session; the other confirms it."""
    _require_open(enrolment)
    if not policies.can_log_supervision(by, enrolment):
        raise PermissionDenied("Only the preceptee and their preceptor record supervision on an open programme.")
    _within_programme(enrolment, held_on, on, "held_on", "supervision date")
    if not 0 < minutes <= MAX_SESSION_MINUTES:
        raise EnrolmentRuleError(f"Give the session's length in minutes (1 to {MAX_SESSION_MINUTES}).",
                                 field="minutes", rule="session-length")
    session = SupervisionSession(held_on=held_on, minutes=minutes, topics=(topics or "").strip(),
                                 notes=(notes or "").strip(), recorded_by_id=by.id, recorded_by=by)
    enrolment.supervisions.append(session)
    refresh_supervision_due(enrolment, on)
    db.session.flush()
    record_event("programme.supervision_recorded", actor=by, organisation=enrolment.organisation_id,
                 subject=enrolment, data={"session_id": session.id, "held_on": held_on.isoformat(),
                                          "minutes": minutes})
    other = enrolment.preceptor if by.id == enrolment.practitioner_id else enrolment.practitioner
    notify(other, kind="programme.supervision_to_confirm",
           title=f"Confirm the supervision session on {held_on.day} {held_on:%B %Y}",
           body=f"{by.display_name} recorded a {minutes}-minute session.",
           link=link_to("programmes.timeline", enrolment_id=enrolment.id),
           dedupe_key=f"programme.supervision_to_confirm:{session.id}")
    return session


def confirm_supervision(session: SupervisionSession, *, by: User, at: datetime) -> SupervisionSession:
    if session.is_confirmed:
        raise Conflict("This session has already been confirmed.")
    if by.id == session.recorded_by_id:
        raise PermissionDenied("The other person in the session confirms it, not the one who recorded it.")
    if not policies.can_confirm_supervision(by, session):
        raise PermissionDenied("Only the preceptee and their preceptor confirm supervision.")
    session.confirmed_by_id = by.id
    session.confirmed_at = at
    db.session.flush()
    record_event("programme.supervision_confirmed", actor=by, organisation=session.enrolment.organisation_id,
                 subject=session.enrolment, data={"session_id": session.id})
    return session


def record_protected_time(enrolment: Enrolment, *, taken_on: date, minutes: int, activity: str = "", by: User,
                          on: date) -> ProtectedTimeEntry:
    _require_open(enrolment)
    if not policies.can_log_protected_time(by, enrolment):
        raise PermissionDenied("Only the preceptee and their preceptor log protected time on an open programme.")
    _within_programme(enrolment, taken_on, on, "taken_on", "date")
    if not 0 < minutes <= 24 * 60:
        raise EnrolmentRuleError("Give the time taken in minutes (1 to 1440).", field="minutes",
                                 rule="protected-time-length")
    entry = ProtectedTimeEntry(taken_on=taken_on, minutes=minutes, activity=(activity or "").strip(),
                               recorded_by_id=by.id)
    enrolment.protected_time.append(entry)
    db.session.flush()
    return entry


def record_checkin(enrolment: Enrolment, *, checked_on: date, wellbeing: int, ratings: dict[str, int],
                   note: str = "", milestone_code: str | None = None, by: User, on: date) -> ConfidenceCheckin:
    """The preceptee rates their confidence in every pillar the template names, and their wellbeing (1-5)."""
    _require_open(enrolment)
    if not policies.can_check_in(by, enrolment):
        raise PermissionDenied("Only the preceptee records their own confidence check-in.")
    _within_programme(enrolment, checked_on, on, "checked_on", "check-in date")
    pillars = list(enrolment.template_version.checkin_pillars)
    unknown = sorted(set(ratings) - set(pillars))
    if unknown:
        raise EnrolmentRuleError(f"Unknown pillar: {', '.join(unknown)}. Rate these pillars: {', '.join(pillars)}.",
                                 field="ratings", rule="checkin-pillars")
    missing = [p for p in pillars if p not in ratings]
    if missing:
        raise EnrolmentRuleError(f"Rate your confidence in every pillar (missing: {', '.join(missing)}).",
                                 field="ratings", rule="checkin-pillars")
    for value in [wellbeing, *ratings.values()]:
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise EnrolmentRuleError("Ratings go from 1 (not at all confident) to 5 (very confident).",
                                     field="ratings", rule="checkin-scale")
    if milestone_code is not None and enrolment.milestone(milestone_code) is None:
        milestone_code = None
    checkin = ConfidenceCheckin(checked_on=checked_on, wellbeing=wellbeing,
                                ratings={p: ratings[p] for p in pillars}, note=(note or "").strip(),
                                milestone_code=milestone_code)
    enrolment.checkins.append(checkin)
    db.session.flush()
    return checkin
