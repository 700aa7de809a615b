"""Who may see and do what on a programme. Pure predicates used by views, services and templates.

An enrolment is visible to its preceptee, its named preceptor and lead, and every lead of
its organisation (the cohort). Nobody else sees it: reflections and wellbeing are personal.
"""
from __future__ import annotations

from competency.accounts.models import Organisation, Role, User
from competency.accounts.policies import has_role, org_ids_with_role
from competency.preceptorship.models import Enrolment, EnrolmentMilestone, SupervisionSession


def can_enrol_at(user: User | None, organisation: Organisation | int) -> bool:
    return has_role(user, organisation, Role.lead)


def can_view_cohort(user: User | None) -> bool:
    return bool(org_ids_with_role(user, Role.lead))


def is_preceptor_anywhere(user: User | None) -> bool:
    return bool(org_ids_with_role(user, Role.preceptor, Role.lead))


def can_view_enrolment(user: User | None, enrolment: Enrolment) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(enrolment.party_of(user)) or has_role(user, enrolment.organisation_id, Role.lead)


def can_manage_enrolment(user: User | None, enrolment: Enrolment) -> bool:
    """Pauses, FTE, withdrawal and moderation: the named lead or any lead of the organisation."""
    if user is None:
        return False
    return user.id == enrolment.lead_id or has_role(user, enrolment.organisation_id, Role.lead)


def can_record_pause(user: User | None, enrolment: Enrolment) -> bool:
    """Leads, and the named preceptor (who often hears first about sickness or leave)."""
    return can_manage_enrolment(user, enrolment) or (user is not None and user.id == enrolment.preceptor_id)


def signing_parties(user: User | None, milestone: EnrolmentMilestone) -> set[str]:
    """The parties ``user`` signs this milestone as (empty when they do not sign it)."""
    return milestone.enrolment.party_of(user) & set(milestone.definition.signed_by)


def can_write_review(user: User | None, milestone: EnrolmentMilestone) -> bool:
    enrolment = milestone.enrolment
    is_open = enrolment.is_open or (milestone.is_after_completion and enrolment.status.value == "completed")
    return is_open and not milestone.is_done and bool(signing_parties(user, milestone))


def can_log_supervision(user: User | None, enrolment: Enrolment) -> bool:
    return enrolment.is_open and bool(enrolment.party_of(user) & {"preceptee", "preceptor"})


def can_confirm_supervision(user: User | None, session: SupervisionSession) -> bool:
    enrolment = session.enrolment
    if user is None or session.is_confirmed or user.id == session.recorded_by_id:
        return False
    return bool(enrolment.party_of(user) & {"preceptee", "preceptor"})


def can_log_protected_time(user: User | None, enrolment: Enrolment) -> bool:
    return enrolment.is_open and bool(enrolment.party_of(user) & {"preceptee", "preceptor"})


def can_check_in(user: User | None, enrolment: Enrolment) -> bool:
    return enrolment.is_open and user is not None and user.id == enrolment.practitioner_id
