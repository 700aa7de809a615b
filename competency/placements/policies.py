"""Who may set up, see and end placements (pure predicates)."""
from __future__ import annotations

from competency.accounts.models import Organisation, Role, User
from competency.accounts.policies import has_role
from competency.placements.models import Placement


def can_host_placements(user: User | None, organisation: Organisation | int) -> bool:
    """The host's leads and administrators set placements up: the host takes on the supervision."""
    return has_role(user, organisation, Role.lead, Role.admin)


def can_view_placement(user: User | None, placement: Placement) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return (user.id in (placement.learner_id, placement.supervisor_id)
            or has_role(user, placement.host_organisation_id, Role.lead, Role.admin)
            or has_role(user, placement.home_organisation_id, Role.lead, Role.admin))


def can_manage_placement(user: User | None, placement: Placement) -> bool:
    """Leads and administrators of the host or of the home organisation."""
    return (can_host_placements(user, placement.host_organisation_id)
            or has_role(user, placement.home_organisation_id, Role.lead, Role.admin))


def can_end_placement(user: User | None, placement: Placement) -> bool:
    return not placement.is_ended_early and can_manage_placement(user, placement)
