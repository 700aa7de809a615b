"""Apprenticeship records: starting one after a "ready" panel, off-the-job hours, reviews, qualifying.

On qualifying, the person's current post at the employer ends the day before and a
new registered post starts (employment history is part of the passport, so the
apprentice years stay visible), and a preceptorship enrolment is proposed to the
organisation's leads.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from competency.accounts.models import Employment, User
from competency.accounts.services import add_employment
from competency.audit.services import record_event
from competency.errors import Conflict, DomainError, PermissionDenied
from competency.extensions import db
from competency.progression import queries, sources
from competency.progression.catalogue import catalogue
from competency.progression.models import (
    Apprenticeship,
    ApprenticeshipStatus,
    OffTheJobEntry,
    OtjPlanBlock,
    ProgressionRecord,
    ProgressReview,
    RecordStatus,
)
from competency.progression.offthejob import review_due_dates
from competency.progression.readiness import add_months
from competency.progression.policies import can_log_otj, can_manage_apprenticeship
from competency.progression.preceptorship import propose_preceptorship
from competency.progression.services import _require_active, _require_manager, move_to_stage
from competency.progression.specs import StageKind
from competency.reminders.outbox import notify

MAX_HOURS_PER_ENTRY = Decimal(24)
MAX_PROGRAMME_MONTHS = 72
# Apprenticeships starting from August 2025 last at least 8 months (a pathway may state its own figure).
MINIMUM_MONTHS = 8
MAX_PLAN_HOURS = Decimal(20000)


def start_apprenticeship(record: ProgressionRecord, *, provider: str, standard: str, start_on: date,
                         planned_end_on: date, planned_otj_hours: Decimal | float, by: User, today: date,
                         epa_gateway_on: date | None = None) -> Apprenticeship:
    """After a "ready" panel, start the apprenticeship and schedule its progress reviews.

    :raises DomainError: the step is not ready, or the dates or hours do not make sense.
    """
    _require_manager(record, by)
    _require_active(record)
    if record.apprenticeship is not None:
        raise Conflict("This person already has an apprenticeship record on this pathway.")
    progress = queries.progress_of(record, today)
    if not progress.starts_apprenticeship or progress.readiness is None:
        raise DomainError("The person's next step is not an apprenticeship.")
    if not progress.readiness.is_ready:
        raise DomainError("The apprenticeship starts once every checklist item is met and a panel has found "
                          "the person ready.")
    provider, standard = (provider or "").strip(), (standard or "").strip()
    if not provider:
        raise DomainError("Enter the training provider (the university).", field="provider")
    if not standard:
        raise DomainError("Enter the apprenticeship standard.", field="standard")
    if planned_end_on <= start_on:
        raise DomainError("The planned end date must be after the start date.", field="planned_end_on")
    spec = progress.target.apprenticeship
    minimum_months = spec.minimum_months if spec else MINIMUM_MONTHS
    if planned_end_on < add_months(start_on, minimum_months):
        raise DomainError(f"An apprenticeship lasts at least {minimum_months} months: plan the end on or after "
                          f"{add_months(start_on, minimum_months):%-d %B %Y}.", field="planned_end_on")
    if (planned_end_on - start_on).days > MAX_PROGRAMME_MONTHS * 31:
        raise DomainError(f"An apprenticeship lasts at most {MAX_PROGRAMME_MONTHS} months.", field="planned_end_on")
    if epa_gateway_on is not None and not start_on < epa_gateway_on <= planned_end_on + timedelta(days=366):
        raise DomainError("The end-point assessment gateway falls after the start date, near the planned end.",
                          field="epa_gateway_on")
    hours = Decimal(str(planned_otj_hours))
    if hours <= 0:
        raise DomainError("Enter the planned off-the-job hours for the whole programme.", field="planned_otj_hours")
    minimum = spec.otj_minimum_hours if spec else None
    if minimum is not None and hours < minimum:
        raise DomainError(f"{spec.standard} has a minimum of {minimum:,} off-the-job hours; plan at least that many.",
                          field="planned_otj_hours")
    apprenticeship = Apprenticeship(
        record=record, user_id=record.user_id, organisation_id=record.organisation_id, provider=provider,
        standard=standard, start_on=start_on, planned_end_on=planned_end_on, planned_otj_hours=float(hours),
        otj_minimum_hours=float(minimum) if minimum is not None else None,
        epa_gateway_on=epa_gateway_on, created_by_id=by.id)
    # The schedule starts as one regular block; the lead adds university blocks and placements as agreed.
    apprenticeship.plan_blocks.append(OtjPlanBlock(label="Regular off-the-job time", starts_on=start_on,
                                                   ends_on=planned_end_on, hours=float(hours), created_by_id=by.id))
    db.session.add(apprenticeship)
    for sequence, due_on in enumerate(review_due_dates(start_on, planned_end_on), start=1):
        apprenticeship.reviews.append(ProgressReview(sequence=sequence, due_on=due_on))
    db.session.flush()
    record_event("apprenticeship.started", actor=by, organisation=record.organisation_id, subject=apprenticeship,
                 data={"record_id": record.id, "provider": provider, "standard": standard,
                       "start_on": start_on.isoformat(), "planned_end_on": planned_end_on.isoformat(),
                       "planned_otj_hours": str(hours)})
    move_to_stage(record, progress.step.to_stage, by=by, today=today)
    return apprenticeship


def _parse_hours(value) -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError("Enter the hours as a number, for example 3.5.", field="hours") from None
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS_PER_ENTRY:
        raise DomainError("Enter between 0.25 and 24 hours for one day's entry.", field="hours")
    if hours * 4 != int(hours * 4):
        raise DomainError("Enter hours to the nearest quarter hour, for example 1.25.", field="hours")
    return hours


def log_otj(apprenticeship: Apprenticeship, *, occurred_on: date, hours, activity: str, by: User, today: date,
            evidence_id: int | None = None) -> OffTheJobEntry:
    """Add off-the-job training hours to the log (the apprentice or their employer's lead).

    :raises DomainError: a date outside the programme or in the future, hours out of range,
        or evidence that is not the apprentice's own.
    """
    if not can_log_otj(by, apprenticeship):
        raise PermissionDenied("Only the apprentice or a lead at their employer can log off-the-job hours.")
    if apprenticeship.status is not ApprenticeshipStatus.active:
        raise Conflict("This apprenticeship has finished; its log is closed.")
    hours = _parse_hours(hours)
    activity = (activity or "").strip()
    if not activity:
        raise DomainError("Describe the learning activity.", field="activity")
    if len(activity) > 500:
        raise DomainError("Keep the activity to 500 characters.", field="activity")
    if occurred_on > today:
        raise DomainError("Log hours once they are done: the date cannot be in the future.", field="occurred_on")
    if occurred_on < apprenticeship.start_on:
        raise DomainError(f"The apprenticeship started on {apprenticeship.start_on:%-d %B %Y}.", field="occurred_on")
    if evidence_id is not None and sources.evidence_owner_id(evidence_id) != apprenticeship.user_id:
        raise DomainError("Link a piece of the apprentice's own evidence.", field="evidence_id")
    entry = OffTheJobEntry(apprenticeship=apprenticeship, occurred_on=occurred_on, hours=float(hours),
                           activity=activity, evidence_id=evidence_id, logged_by_id=by.id)
    db.session.add(entry)
    db.session.flush()
    record_event("apprenticeship.otj_logged", actor=by, organisation=apprenticeship.organisation_id, subject=entry,
                 data={"apprenticeship_id": apprenticeship.id, "on": occurred_on.isoformat(), "hours": str(hours)})
    return entry


def add_plan_block(apprenticeship: Apprenticeship, *, label: str, starts_on: date, ends_on: date, hours,
                   by: User) -> OtjPlanBlock:
    """Part of the planned off-the-job schedule (a university block, a placement, regular study time).

    :raises DomainError: dates outside the programme or out of order, or hours out of range.
    """
    if not can_manage_apprenticeship(by, apprenticeship):
        raise PermissionDenied("Only a lead at the apprentice's employer plans off-the-job training.")
    if apprenticeship.status is not ApprenticeshipStatus.active:
        raise Conflict("This apprenticeship has finished; its plan is closed.")
    label = (label or "").strip()
    if not label:
        raise DomainError("Say what the block is, for example 'University block: year 1 teaching'.", field="label")
    if len(label) > 200:
        raise DomainError("Keep the description to 200 characters.", field="label")
    if ends_on < starts_on:
        raise DomainError("The block must end on or after the day it starts.", field="ends_on")
    if starts_on < apprenticeship.start_on or ends_on > apprenticeship.planned_end_on:
        raise DomainError(f"Plan blocks between the start ({apprenticeship.start_on:%-d %B %Y}) and the planned end "
                          f"({apprenticeship.planned_end_on:%-d %B %Y}).", field="starts_on")
    try:
        planned = Decimal(str(hours))
    except (InvalidOperation, ValueError):
        raise DomainError("Enter the hours as a number, for example 90.", field="hours") from None
    if not planned.is_finite() or planned <= 0 or planned > MAX_PLAN_HOURS:
        raise DomainError("Enter between 0.1 and 20,000 hours.", field="hours")
    block = OtjPlanBlock(apprenticeship=apprenticeship, label=label, starts_on=starts_on, ends_on=ends_on,
                         hours=float(planned.quantize(Decimal("0.1"))), created_by_id=by.id)
    db.session.add(block)
    db.session.flush()
    record_event("apprenticeship.plan_block_added", actor=by, organisation=apprenticeship.organisation_id,
                 subject=block, data={"apprenticeship_id": apprenticeship.id, "label": label,
                                      "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
                                      "hours": str(planned)})
    return block


def remove_plan_block(block: OtjPlanBlock, *, by: User) -> None:
    apprenticeship = block.apprenticeship
    if not can_manage_apprenticeship(by, apprenticeship):
        raise PermissionDenied("Only a lead at the apprentice's employer plans off-the-job training.")
    if apprenticeship.status is not ApprenticeshipStatus.active:
        raise Conflict("This apprenticeship has finished; its plan is closed.")
    record_event("apprenticeship.plan_block_removed", actor=by, organisation=apprenticeship.organisation_id,
                 subject=block, data={"apprenticeship_id": apprenticeship.id, "label": block.label})
    apprenticeship.plan_blocks.remove(block)
    db.session.flush()


def record_review(review: ProgressReview, *, held_on: date, notes: str, by: User, today: date) -> ProgressReview:
    apprenticeship = review.apprenticeship
    if not can_manage_apprenticeship(by, apprenticeship):
        raise PermissionDenied("Only a lead at the apprentice's employer records progress reviews.")
    if review.held_on is not None:
        raise Conflict("This review is already recorded.")
    if held_on > today:
        raise DomainError("Record a review once it has taken place.", field="held_on")
    if held_on < apprenticeship.start_on:
        raise DomainError("The review date is before the apprenticeship started.", field="held_on")
    review.held_on, review.notes, review.recorded_by_id = held_on, (notes or "").strip(), by.id
    db.session.flush()
    record_event("apprenticeship.review_recorded", actor=by, organisation=apprenticeship.organisation_id,
                 subject=review, data={"apprenticeship_id": apprenticeship.id, "sequence": review.sequence,
                                       "held_on": held_on.isoformat()})
    return review


def set_gateway(apprenticeship: Apprenticeship, *, epa_gateway_on: date, by: User) -> None:
    if not can_manage_apprenticeship(by, apprenticeship):
        raise PermissionDenied("Only a lead at the apprentice's employer sets the gateway date.")
    if epa_gateway_on <= apprenticeship.start_on:
        raise DomainError("The gateway is after the apprenticeship starts.", field="epa_gateway_on")
    apprenticeship.epa_gateway_on = epa_gateway_on
    db.session.flush()
    record_event("apprenticeship.gateway_set", actor=by, organisation=apprenticeship.organisation_id,
                 subject=apprenticeship, data={"epa_gateway_on": epa_gateway_on.isoformat()})


def record_qualification(apprenticeship: Apprenticeship, *, qualified_on: date, registration_body: str,
                         registration_number: str, role_title: str, band_label: str | None, by: User,
                         today: date) -> Employment:
    """The apprentice passed the end-point assessment and is registered.

    Ends their current post at the employer the day before ``qualified_on``, adds a
    registered post from ``qualified_on``, completes the pathway and proposes a
    preceptorship enrolment to the leads. Returns the new employment.
    """
    record = apprenticeship.record
    if not can_manage_apprenticeship(by, apprenticeship):
        raise PermissionDenied("Only a lead at the apprentice's employer records qualification.")
    if apprenticeship.status is not ApprenticeshipStatus.active or record.status is not RecordStatus.active:
        raise Conflict("This apprenticeship is already finished.")
    if qualified_on > today:
        raise DomainError("Record qualification once the registration is confirmed.", field="qualified_on")
    if qualified_on <= apprenticeship.start_on:
        raise DomainError("The qualification date is after the apprenticeship started.", field="qualified_on")
    registration_body, registration_number = (registration_body or "").strip(), (registration_number or "").strip()
    role_title = (role_title or "").strip()
    if not registration_number:
        raise DomainError("Enter the professional registration number.", field="registration_number")
    if not role_title:
        raise DomainError("Enter the new role title.", field="role_title")
    pathway = catalogue().get(record.pathway_slug, record.pathway_version)
    qualified_stage = next((pathway.stage(s.to_stage) for s in pathway.steps_from(record.stage_code)), None)
    if qualified_stage is None or qualified_stage.kind is not StageKind.registered:
        raise Conflict("This pathway has no registered stage after the apprenticeship.")
    person = record.user
    current = [e for e in person.employments
               if e.organisation_id == record.organisation_id and e.is_current_on(qualified_on)]
    for job in current:
        job.end_on = max(job.start_on, qualified_on - timedelta(days=1))
    fte = current[0].fte if current else 1.0
    person.registration_body, person.registration_number = registration_body or "HCPC", registration_number
    person.registered_on = qualified_on
    employment = add_employment(person, record.organisation, role_title=role_title, level_code=qualified_stage.level,
                                start_on=qualified_on, band_label=(band_label or "").strip() or None, fte=fte,
                                by=by)
    apprenticeship.status, apprenticeship.qualified_on = ApprenticeshipStatus.qualified, qualified_on
    db.session.flush()
    record_event("apprenticeship.qualified", actor=by, organisation=record.organisation_id, subject=apprenticeship,
                 data={"user_id": person.id, "qualified_on": qualified_on.isoformat(),
                       "registration": f"{person.registration_body} {registration_number}",
                       "ended_employment_ids": [job.id for job in current], "employment_id": employment.id})
    move_to_stage(record, qualified_stage.code, by=by, today=today)
    notify(person, kind="apprenticeship.qualified", title="Congratulations: you are a registered practitioner",
           body="Your employer will set up your preceptorship.", link="/progression/",
           dedupe_key=f"apprenticeship.qualified:{apprenticeship.id}")
    propose_preceptorship(person, record.organisation, by=by, starts_on=qualified_on)
    return employment
