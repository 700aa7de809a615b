"""Enrolling people on programmes and keeping their schedule right: pauses, FTE, withdrawal, completion.

Every function takes the acting user, checks the rules, flushes and writes the audit
entry; the caller commits. Due dates are recomputed here whenever their inputs change.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from competency.accounts.models import Employment, Organisation, Role, User
from competency.accounts.policies import has_role
from competency.audit.services import record_event
from competency.errors import Conflict, NotFound, PermissionDenied
from competency.extensions import db
from competency.preceptorship import policies
from competency.preceptorship.errors import EnrolmentRuleError
from competency.preceptorship.models import (
    Enrolment,
    EnrolmentMilestone,
    EnrolmentPause,
    EnrolmentStatus,
    Outcome,
    PauseReason,
    ProgrammeCompletion,
    TemplateStatus,
    TemplateVersion,
)
from competency.recognition import carry
from competency.preceptorship.scheduling import Timing, add_months, check_supervision, due_soon_on, programme_dates
from competency.preceptorship.start_dates import check_start_date
from competency.preceptorship.withdrawal import tell_about_withdrawal
from competency.reminders.outbox import notify
from competency.reminders.sources.base import link_to

LATE_START_DAYS = 60
PRECEPTOR_REGISTERED_MONTHS = 12


@dataclass
class EnrolmentResult:
    enrolment: Enrolment
    warnings: list[str] = field(default_factory=list)


def _fte(value: float) -> float:
    fte = round(float(value), 2)
    if not 0 < fte <= 1:
        raise EnrolmentRuleError("FTE must be more than 0 and at most 1, for example 1 or 0.6.", field="fte",
                                 rule="fte-range")
    return fte


def _employment(person: User, organisation: Organisation, on: date) -> Employment:
    jobs = [job for job in person.employments if job.organisation_id == organisation.id and job.is_current_on(on)]
    if not jobs:
        raise EnrolmentRuleError(
            f"{person.display_name} has no employment at {organisation.name} on {on:%d %B %Y}. "
            "Add their employment first, or choose a start date within it.", field="start_on",
            rule="practitioner-employed")
    return max(jobs, key=lambda job: job.start_on)


def preceptor_registration_problem(preceptor: User, start_on: date) -> str | None:
    """Why ``preceptor`` has not been registered for 12 months on ``start_on`` (None when they have)."""
    if preceptor.registered_on is None:
        return (f"{preceptor.display_name}'s record has no registration date, so 12 months' registration "
                "cannot be checked.")
    if preceptor.registered_on > add_months(start_on, -PRECEPTOR_REGISTERED_MONTHS):
        return (f"{preceptor.display_name} registered on {preceptor.registered_on:%d %B %Y}: preceptors need at "
                f"least {PRECEPTOR_REGISTERED_MONTHS} months' registration when the programme starts.")
    return None


def preceptor_standing(preceptor: User, practitioner: User, organisation: Organisation, on: date):
    """Who may precept at ``organisation``: a preceptor or lead there, or someone holding a preceptor
    grant in force from it (or its region's regional body) that covers the preceptee.

    Returns ``(the preceptor's own organisation id, the grant relied on or None)``.

    :raises NotFound: neither (the message does not say more about the person).
    """
    if has_role(preceptor, organisation, Role.preceptor, Role.lead):
        return organisation.id, None
    from competency.preceptors.queries import preceptor_grants_for

    for grant in preceptor_grants_for(organisation, practitioner.id, on):
        if grant.grantee_id == preceptor.id:
            return grant.grantee_organisation_id, grant
    raise NotFound(f"{preceptor.display_name} is not a preceptor at {organisation.name} and holds no preceptor grant "
                   f"from it covering {practitioner.display_name}.", field="preceptor_id")


def recompute_schedule(enrolment: Enrolment, on: date) -> None:
    """Store every milestone's due dates and the next supervision date from the current inputs."""
    timings = [Timing(m.code, m.definition.due_day, m.definition.is_after_completion,
                      m.definition.completes_programme) for m in enrolment.milestones]
    dates = programme_dates(enrolment.start_on, timings, enrolment.fte, enrolment.pause_ranges,
                            completed_on=enrolment.completed_on, credited_days=enrolment.credited_days or 0)
    for milestone in enrolment.milestones:
        milestone.due_on = dates[milestone.code]
        milestone.due_soon_on = due_soon_on(milestone.due_on, milestone.definition.window_days)
    refresh_supervision_due(enrolment, on)


def refresh_supervision_due(enrolment: Enrolment, on: date) -> None:
    if not enrolment.is_open:
        enrolment.next_supervision_due_on = None
        return
    minimum = enrolment.template_version.supervision_minimum_minutes
    check = check_supervision(
        enrolment.start_on, enrolment.template_version.cadence_rules,
        [s.held_on for s in enrolment.supervisions if s.minutes >= minimum], on,
        fte=enrolment.fte, pauses=enrolment.pause_ranges, credited_days=enrolment.credited_days or 0)
    enrolment.next_supervision_due_on = check.next_due_on


def enrol(*, practitioner: User, template: TemplateVersion, organisation: Organisation, preceptor: User, lead: User,
          start_on: date, by: User, on: date, fte: float | None = None,
          override_reason: str | None = None) -> EnrolmentResult:
    """Enrol ``practitioner`` on ``template`` at ``organisation``.

    :raises PermissionDenied: ``by`` is not a lead there.
    :raises EnrolmentRuleError: a programme rule is not met (the message says which).
    :raises Conflict: they already have an open enrolment on this template.
    """
    if not policies.can_enrol_at(by, organisation):
        raise PermissionDenied(f"Only a lead at {organisation.name} can enrol people there.")
    if template.status != TemplateStatus.published:
        raise EnrolmentRuleError(f"{template.title} version {template.version} is not open for enrolment.",
                                 field="template", rule="template-published")
    check_start_date(start_on, on)
    if not has_role(practitioner, organisation, Role.practitioner):
        raise NotFound(f"{practitioner.display_name} is not a practitioner at {organisation.name}.",
                       field="practitioner_id")
    if not has_role(lead, organisation, Role.lead):
        raise NotFound(f"{lead.display_name} is not a lead at {organisation.name}.", field="lead_id")
    if preceptor.id == practitioner.id:
        raise EnrolmentRuleError("A preceptee cannot be their own preceptor.", field="preceptor_id",
                                 rule="preceptor-not-self")
    precepting_org_id, grant = preceptor_standing(preceptor, practitioner, organisation, max(on, start_on))
    if not preceptor.is_registered:
        raise EnrolmentRuleError(f"{preceptor.display_name} holds no professional registration; preceptors must be "
                                 "registered practitioners.", field="preceptor_id", rule="preceptor-registered")
    employment = _employment(practitioner, organisation, start_on)
    if start_on < employment.start_on:
        raise EnrolmentRuleError("The programme cannot start before the employment does.", field="start_on",
                                 rule="start-after-employment")
    override_reason = (override_reason or "").strip() or None
    problem = preceptor_registration_problem(preceptor, start_on)
    if problem and not override_reason:
        raise EnrolmentRuleError(problem + " Choose another preceptor, or give a reason to override.",
                                 field="preceptor_id", rule="preceptor-registered-12-months")
    existing = db.session.scalar(sa.select(Enrolment.id).where(
        Enrolment.practitioner_id == practitioner.id, Enrolment.status == EnrolmentStatus.active,
        Enrolment.template_version_id.in_(sa.select(TemplateVersion.id).where(
            TemplateVersion.template_id == template.template_id))))
    if existing is not None:
        raise Conflict(f"{practitioner.display_name} is already enrolled on {template.template.title}.",
                       field="practitioner_id")
    # Say it once: a first-year programme completed here or elsewhere is not asked for again.
    carry.refuse_if_completed(practitioner, template.programme_kind)

    warnings: list[str] = []
    late_by = (start_on - employment.start_on).days
    start_warning = None
    if late_by > LATE_START_DAYS:
        start_warning = (f"The programme starts {late_by} days after {practitioner.display_name}'s employment began "
                         f"on {employment.start_on:%d %B %Y}; programmes should start within {LATE_START_DAYS} days.")
        warnings.append(start_warning)
    enrolment = Enrolment(
        practitioner=practitioner, organisation=organisation, template_version=template, preceptor=preceptor,
        lead=lead, enrolled_by_id=by.id, start_on=start_on, fte=_fte(fte if fte is not None else employment.fte),
        status=EnrolmentStatus.active, employment_start_on=employment.start_on, start_warning=start_warning,
        preceptor_override_reason=override_reason if problem else None,
    )
    enrolment.milestones = [
        EnrolmentMilestone(definition=definition, code=definition.code, position=definition.position,
                           is_required=not definition.is_optional, is_after_completion=definition.is_after_completion,
                           due_on=start_on, due_soon_on=start_on)
        for definition in template.milestones
    ]
    db.session.add(enrolment)
    # A move mid-programme: recognised progress on this programme carries over (done milestones, days, evidence).
    if carry.carry_progress(enrolment, by=by):
        warnings.append("Progress on this programme at a previous employer was carried over: completed reviews "
                        "count and the schedule continues from where it stood.")
    recompute_schedule(enrolment, on)
    db.session.flush()
    from competency.preceptors.models import PreceptorAssignment

    db.session.add(PreceptorAssignment(
        enrolment_id=enrolment.id, preceptor_id=preceptor.id, preceptor_name=preceptor.display_name,
        organisation_id=precepting_org_id, grant_id=grant.id if grant else None, started_on=start_on,
        assigned_by_id=by.id))
    db.session.flush()
    record_event("programme.enrolled", actor=by, organisation=organisation, subject=enrolment, data={
        "practitioner_id": practitioner.id, "template": template.template.slug, "version": template.version,
        "preceptor_id": preceptor.id, "lead_id": lead.id, "start_on": start_on.isoformat(), "fte": enrolment.fte,
        "start_warning": start_warning, "preceptor_grant_id": grant.id if grant else None})
    link = link_to("programmes.timeline", enrolment_id=enrolment.id)
    notify(practitioner, kind="programme.enrolled", title=f"You are enrolled on {template.title}",
           body=f"{preceptor.display_name} is your preceptor. Your first milestone is the "
                f"{enrolment.milestones[0].definition.title.lower()}.", link=link,
           dedupe_key=f"programme.enrolled:{enrolment.id}:preceptee")
    notify(preceptor, kind="programme.enrolled", title=f"You are {practitioner.display_name}'s preceptor",
           body=f"{template.title}, starting {start_on.day} {start_on:%B %Y}.", link=link,
           dedupe_key=f"programme.enrolled:{enrolment.id}:preceptor")
    if problem:
        warnings.append(f"Preceptor registration check overridden: {override_reason}")
        record_event("programme.preceptor_override", actor=by, organisation=organisation, subject=enrolment,
                     data={"preceptor_id": preceptor.id, "problem": problem, "reason": override_reason})
    return EnrolmentResult(enrolment, warnings)


def _check_pause(enrolment: Enrolment, start_on: date, end_on: date, ignore: EnrolmentPause | None = None) -> None:
    if end_on < start_on:
        raise EnrolmentRuleError("The pause must end on or after the day it starts.", field="end_on",
                                 rule="pause-dates-ordered")
    if start_on < enrolment.start_on:
        raise EnrolmentRuleError(f"A pause cannot begin before the programme started on "
                                 f"{enrolment.start_on:%d %B %Y}.", field="start_on", rule="pause-within-programme")
    for other in enrolment.pauses:
        if other is not ignore and other.start_on <= end_on and start_on <= other.end_on:
            raise EnrolmentRuleError(
                f"This overlaps the pause from {other.start_on:%d %B %Y} to {other.end_on:%d %B %Y}; "
                "change that pause instead.", field="start_on", rule="pauses-do-not-overlap")


def _require_open(enrolment: Enrolment) -> None:
    if not enrolment.is_open:
        raise Conflict(f"This programme is {enrolment.status.value}; nothing more can be changed.")


def record_pause(enrolment: Enrolment, *, start_on: date, end_on: date, reason: PauseReason, note: str = "",
                 by: User, on: date) -> EnrolmentPause:
    """Record a break (``end_on`` inclusive); later due dates move by its length."""
    if not policies.can_record_pause(by, enrolment):
        raise PermissionDenied("Only the programme's lead or preceptor can record a pause.")
    _require_open(enrolment)
    _check_pause(enrolment, start_on, end_on)
    pause = EnrolmentPause(start_on=start_on, end_on=end_on, reason=reason, note=(note or "").strip(),
                           recorded_by_id=by.id)
    enrolment.pauses.append(pause)
    enrolment.pauses.sort(key=lambda p: p.start_on)
    recompute_schedule(enrolment, on)
    db.session.flush()
    record_event("programme.paused", actor=by, organisation=enrolment.organisation_id, subject=enrolment, data={
        "pause_id": pause.id, "start_on": start_on.isoformat(), "end_on": end_on.isoformat(),
        "reason": reason.value, "days": pause.days})
    return pause


def update_pause(pause: EnrolmentPause, *, start_on: date, end_on: date, reason: PauseReason, note: str = "",
                 by: User, on: date) -> EnrolmentPause:
    enrolment = pause.enrolment
    if not policies.can_record_pause(by, enrolment):
        raise PermissionDenied("Only the programme's lead or preceptor can change a pause.")
    _require_open(enrolment)
    _check_pause(enrolment, start_on, end_on, ignore=pause)
    before = {"start_on": pause.start_on.isoformat(), "end_on": pause.end_on.isoformat()}
    pause.start_on, pause.end_on, pause.reason, pause.note = start_on, end_on, reason, (note or "").strip()
    enrolment.pauses.sort(key=lambda p: p.start_on)
    recompute_schedule(enrolment, on)
    db.session.flush()
    record_event("programme.pause_changed", actor=by, organisation=enrolment.organisation_id, subject=enrolment,
                 data={"pause_id": pause.id, "before": before,
                       "after": {"start_on": start_on.isoformat(), "end_on": end_on.isoformat()}})
    return pause


def change_fte(enrolment: Enrolment, fte: float, *, by: User, on: date) -> Enrolment:
    if not policies.can_manage_enrolment(by, enrolment):
        raise PermissionDenied("Only a lead can change the programme's FTE.")
    _require_open(enrolment)
    before = enrolment.fte
    enrolment.fte = _fte(fte)
    recompute_schedule(enrolment, on)
    db.session.flush()
    record_event("programme.fte_changed", actor=by, organisation=enrolment.organisation_id, subject=enrolment,
                 data={"before": before, "after": enrolment.fte})
    return enrolment


def withdraw(enrolment: Enrolment, *, reason: str, by: User, on: date) -> Enrolment:
    """End the programme early. Reviews, supervision, check-ins and pauses all stay on record."""
    if not policies.can_manage_enrolment(by, enrolment):
        raise PermissionDenied("Only a lead can withdraw someone from a programme.")
    _require_open(enrolment)
    reason = (reason or "").strip()
    if not reason:
        raise EnrolmentRuleError("Say why the programme is being withdrawn.", field="reason", rule="withdraw-reason")
    enrolment.status = EnrolmentStatus.withdrawn
    enrolment.withdrawn_on = on
    enrolment.withdrawal_reason = reason
    enrolment.next_supervision_due_on = None
    db.session.flush()
    record_event("programme.withdrawn", actor=by, organisation=enrolment.organisation_id, subject=enrolment,
                 data={"reason": reason, "on": on.isoformat()})
    tell_about_withdrawal(enrolment, by=by)
    return enrolment


def complete(enrolment: Enrolment, *, outcome: Outcome, by: User | None, on: date) -> ProgrammeCompletion | None:
    """Close the programme; a successful outcome is recorded as a completion the passport carries."""
    enrolment.status = EnrolmentStatus.completed
    enrolment.completed_on = on
    enrolment.outcome = outcome
    # Follow-ups are due a number of calendar months after the recorded completion.
    recompute_schedule(enrolment, on)
    enrolment.next_supervision_due_on = None
    completion = None
    if outcome in (Outcome.completed, Outcome.passed):
        version = enrolment.template_version
        completion = ProgrammeCompletion(
            enrolment_id=enrolment.id, practitioner_id=enrolment.practitioner_id,
            organisation_id=enrolment.organisation_id, template_slug=version.template.slug,
            template_version=version.version, template_title=version.title, programme_kind=version.programme_kind,
            outcome=outcome, started_on=enrolment.start_on, completed_on=on,
            preceptor_name=enrolment.preceptor.display_name, recorded_by_id=by.id if by else None)
        db.session.add(completion)
    db.session.flush()
    record_event("programme.completed", actor=by, organisation=enrolment.organisation_id, subject=enrolment,
                 data={"outcome": outcome.value, "completed_on": on.isoformat(),
                       "completion_id": completion.id if completion else None})
    return completion


def awaits_moderation(enrolment: Enrolment) -> bool:
    version = enrolment.template_version
    if not (enrolment.is_open and version.is_moderated):
        return False
    final = next((m for m in enrolment.milestones if m.definition.completes_programme), None)
    return final is not None and final.is_done


def record_moderation(enrolment: Enrolment, *, decision: str, note: str = "", by: User,
                      on: date) -> ProgrammeCompletion | None:
    """The moderation panel's decision: ``pass``/``fail`` (pass/fail programmes) or ``confirm``."""
    if not policies.can_manage_enrolment(by, enrolment):
        raise PermissionDenied("Only a lead can record the moderation panel's decision.")
    if not awaits_moderation(enrolment):
        raise Conflict("This programme is not waiting for a moderation panel: the final review must be signed "
                       "by everyone first.")
    pass_fail = enrolment.template_version.outcome == "pass_fail"
    allowed = {"pass": Outcome.passed, "fail": Outcome.failed} if pass_fail else {"confirm": Outcome.completed}
    if decision not in allowed:
        raise EnrolmentRuleError(f"Choose one of: {', '.join(allowed)}.", field="decision", rule="moderation-decision")
    enrolment.moderated_on = on
    enrolment.moderation_note = (note or "").strip() or None
    record_event("programme.moderated", actor=by, organisation=enrolment.organisation_id, subject=enrolment,
                 data={"decision": decision})
    return complete(enrolment, outcome=allowed[decision], by=by, on=on)
