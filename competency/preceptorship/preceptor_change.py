"""Changing an enrolment's named preceptor, with the reason, keeping the history (HCPC principle 3 asks
for one named preceptor throughout, so a change is an exception that is recorded and explained).

The new preceptor may be at another organisation through a preceptor grant (rotation across
organisations). The old and new preceptor and the preceptee are told; the change is audited.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.exc import IntegrityError

from competency.accounts.models import User
from competency.audit.services import record_event
from competency.errors import Conflict, PermissionDenied
from competency.extensions import db
from competency.preceptors.models import CHANGE_REASON_LABELS, ChangeReason, PreceptorAssignment
from competency.preceptors.queries import current_assignment
from competency.preceptorship import policies
from competency.preceptorship.errors import EnrolmentRuleError
from competency.preceptorship.models import Enrolment
from competency.preceptorship.services import preceptor_registration_problem, preceptor_standing
from competency.reminders.outbox import notify
from competency.reminders.sources.base import link_to

MAX_TEXT = 2000


def change_preceptor(enrolment: Enrolment, new_preceptor: User, *, reason: ChangeReason, detail: str = "",
                     by: User, on: date, override_reason: str | None = None) -> PreceptorAssignment:
    """Name ``new_preceptor`` from ``on``; the current assignment ends that day and stays in the history.

    :raises PermissionDenied: ``by`` is not the programme's lead or a lead of its organisation.
    :raises EnrolmentRuleError: a rule is not met; :raises Conflict: the programme has ended, or
        someone changed the preceptor at the same moment.
    """
    if not policies.can_manage_enrolment(by, enrolment):
        raise PermissionDenied("Only a lead can change the preceptor.")
    if not enrolment.is_open:
        raise Conflict(f"This programme is {enrolment.status.value}; the preceptor can no longer be changed.")
    detail = (detail or "").strip()
    override_reason = (override_reason or "").strip() or None
    practitioner = enrolment.practitioner
    if new_preceptor.id == enrolment.preceptor_id:
        raise EnrolmentRuleError(f"{new_preceptor.display_name} is already the preceptor.", field="preceptor_id",
                                 rule="preceptor-unchanged")
    if new_preceptor.id == practitioner.id:
        raise EnrolmentRuleError("A preceptee cannot be their own preceptor.", field="preceptor_id",
                                 rule="preceptor-not-self")
    if reason == ChangeReason.other and not detail:
        raise EnrolmentRuleError("Say what the reason is.", field="detail", rule="preceptor-change-reason")
    if len(detail) > MAX_TEXT or len(override_reason or "") > MAX_TEXT:
        raise EnrolmentRuleError(f"Keep the text to {MAX_TEXT:,} characters.", field="detail", rule="text-too-long")
    if not new_preceptor.is_active_account:
        raise EnrolmentRuleError(f"{new_preceptor.display_name}'s account is not active.", field="preceptor_id",
                                 rule="preceptor-active")
    precepting_org_id, grant = preceptor_standing(new_preceptor, practitioner, enrolment.organisation, on)
    if not new_preceptor.is_registered:
        raise EnrolmentRuleError(f"{new_preceptor.display_name} holds no professional registration; preceptors "
                                 "must be registered practitioners.", field="preceptor_id",
                                 rule="preceptor-registered")
    problem = preceptor_registration_problem(new_preceptor, on)
    if problem and not override_reason:
        raise EnrolmentRuleError(problem + " Choose another preceptor, or give a reason to override.",
                                 field="preceptor_id", rule="preceptor-registered-12-months")
    if on < enrolment.start_on:
        on = enrolment.start_on
    old_preceptor = enrolment.preceptor
    try:
        with db.session.begin_nested():
            current = current_assignment(enrolment.id)
            if current is None:  # an enrolment from before preceptor history was kept
                current = PreceptorAssignment(enrolment_id=enrolment.id, preceptor_id=old_preceptor.id,
                                              preceptor_name=old_preceptor.display_name,
                                              organisation_id=enrolment.organisation_id, started_on=enrolment.start_on)
                db.session.add(current)
            current.ended_on = max(on, current.started_on)
            db.session.flush()
            assignment = PreceptorAssignment(
                enrolment_id=enrolment.id, preceptor_id=new_preceptor.id, preceptor_name=new_preceptor.display_name,
                organisation_id=precepting_org_id, grant_id=grant.id if grant else None, started_on=on,
                reason=reason, reason_detail=detail, assigned_by_id=by.id)
            db.session.add(assignment)
            enrolment.preceptor = new_preceptor
            db.session.flush()
    except IntegrityError:
        raise Conflict("Someone changed the preceptor at the same moment. Reload the page to see who is named now.",
                       rule="preceptor-changed") from None
    record_event("programme.preceptor_changed", actor=by, organisation=enrolment.organisation_id, subject=enrolment,
                 data={"from_preceptor_id": old_preceptor.id, "to_preceptor_id": new_preceptor.id,
                       "reason": reason.value, "detail": detail, "on": on.isoformat(),
                       "preceptor_organisation_id": precepting_org_id, "grant_id": grant.id if grant else None,
                       "registration_override": override_reason if problem else None})
    link = link_to("programmes.timeline", enrolment_id=enrolment.id)
    why = CHANGE_REASON_LABELS[reason] + (f": {detail}" if detail else "")
    key = f"programme.preceptor_changed:{assignment.id}"
    notify(old_preceptor, kind="programme.preceptor_changed",
           title=f"You are no longer {practitioner.display_name}'s preceptor",
           body=f"{new_preceptor.display_name} takes over from {on:%d %B %Y}. {why}", dedupe_key=f"{key}:old")
    notify(new_preceptor, kind="programme.preceptor_changed", title=f"You are {practitioner.display_name}'s preceptor",
           body=f"From {on:%d %B %Y}, taking over from {old_preceptor.display_name}. {why}", link=link,
           dedupe_key=f"{key}:new")
    notify(practitioner, kind="programme.preceptor_changed", title=f"{new_preceptor.display_name} is your preceptor",
           body=f"From {on:%d %B %Y}. {why}", link=link, dedupe_key=f"{key}:preceptee")
    return assignment
