"""Who may see and act on progression records: pure predicates for views, services and templates."""
from __future__ import annotations

from competency.accounts.models import Role, User
from competency.accounts.policies import can_lead, org_ids_with_role
from competency.progression.models import Apprenticeship, ProgressionRecord


def lead_org_ids(user: User | None) -> set[int]:
    """Organisations where ``user`` runs progression (leads and admins)."""
    return org_ids_with_role(user, Role.lead, Role.admin)


def can_view_record(user: User | None, record: ProgressionRecord) -> bool:
    """The person themselves, or a lead/admin of the record's organisation."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return record.user_id == user.id or can_lead(user, record.organisation_id)


def can_manage_record(user: User | None, record: ProgressionRecord) -> bool:
    """Confirm checklist items, run panels, start the next step: the organisation's leads.

    Nobody manages their own progression, even when they are a lead themselves.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return record.user_id != user.id and can_lead(user, record.organisation_id)


def can_view_apprenticeship(user: User | None, apprenticeship: Apprenticeship) -> bool:
    return can_view_record(user, apprenticeship.record)


def can_log_otj(user: User | None, apprenticeship: Apprenticeship) -> bool:
    """The apprentice logs their own off-the-job hours; their employer's leads may too."""
    return can_view_record(user, apprenticeship.record)


def can_manage_apprenticeship(user: User | None, apprenticeship: Apprenticeship) -> bool:
    return can_manage_record(user, apprenticeship.record)


def can_see_people_list(user: User | None) -> bool:
    return bool(lead_org_ids(user))
