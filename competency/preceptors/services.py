"""Recording preceptor training and the time preceptors give to the role. Services flush, never commit."""
from __future__ import annotations

from datetime import date, timedelta

from competency.accounts.models import User
from competency.audit.services import record_event
from competency.errors import DomainError, PermissionDenied
from competency.extensions import db
from competency.preceptors.models import PreceptorTimeEntry, PreceptorTraining
from competency.preceptors.policies import can_log_preceptor_time, can_record_training

MAX_MINUTES = 600
OLDEST_DAYS = 2 * 365


class PreceptorRecordError(DomainError):
    """A training or time entry is not valid (422); ``field`` names the form field."""


def record_training(preceptor: User, *, course: str, completed_on: date, by: User, on: date, provider: str = "",
                    expires_on: date | None = None) -> PreceptorTraining:
    """A preceptor course (HCPC principle 4: preceptors are trained and given time)."""
    if not can_record_training(by, preceptor):
        raise PermissionDenied("Only the preceptor, or a lead where they precept, can record their training.")
    course, provider = (course or "").strip(), (provider or "").strip()
    if not course:
        raise PreceptorRecordError("Enter the name of the course.", field="course", rule="training_course")
    if len(course) > 200 or len(provider) > 200:
        raise PreceptorRecordError("Keep the course and provider to 200 characters each.", field="course",
                                   rule="text_too_long")
    if completed_on > on:
        raise PreceptorRecordError("The completion date cannot be in the future.", field="completed_on",
                                   rule="training_completed")
    if expires_on is not None and expires_on < completed_on:
        raise PreceptorRecordError("The expiry date must be on or after the completion date.", field="expires_on",
                                   rule="training_expiry")
    training = PreceptorTraining(preceptor_id=preceptor.id, course=course, provider=provider,
                                 completed_on=completed_on, expires_on=expires_on, recorded_by_id=by.id)
    db.session.add(training)
    db.session.flush()
    record_event("preceptor.training_recorded", actor=by, subject=training, data={
        "preceptor_id": preceptor.id, "course": course, "completed_on": completed_on.isoformat(),
        "expires_on": expires_on.isoformat() if expires_on else None})
    return training


def log_time(preceptor: User, *, spent_on: date, minutes: int, activity: str, by: User,
             on: date) -> PreceptorTimeEntry:
    """Time given to the preceptor role, counted against the yearly expectations."""
    if not can_log_preceptor_time(by, preceptor):
        raise PermissionDenied("Only the preceptor logs their own preceptor time.")
    activity = (activity or "").strip()
    if not isinstance(minutes, int) or not 0 < minutes <= MAX_MINUTES:
        raise PreceptorRecordError(f"Enter 1 to {MAX_MINUTES} minutes.", field="minutes", rule="time_minutes")
    if spent_on > on:
        raise PreceptorRecordError("The date cannot be in the future.", field="spent_on", rule="time_date")
    if spent_on < on - timedelta(days=OLDEST_DAYS):
        raise PreceptorRecordError("Log time within the last two years.", field="spent_on", rule="time_date")
    if len(activity) > 500:
        raise PreceptorRecordError("Keep the activity to 500 characters.", field="activity", rule="text_too_long")
    entry = PreceptorTimeEntry(preceptor_id=preceptor.id, spent_on=spent_on, minutes=minutes, activity=activity)
    db.session.add(entry)
    db.session.flush()
    return entry
