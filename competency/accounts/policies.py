"""Who may do what: pure predicates used by views, services and templates alike."""
from __future__ import annotations

from datetime import date

from competency.accounts.models import Membership, Organisation, Role, User


def active_memberships(user: User | None) -> list[Membership]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return [m for m in user.memberships if m.is_active]


def org_ids_with_role(user: User | None, *roles: Role) -> set[int]:
    """Organisations where the user holds any of ``roles`` (any role when none given)."""
    wanted = set(roles)
    return {m.organisation_id for m in active_memberships(user) if not wanted or m.role in wanted}


def has_role(user: User | None, organisation: Organisation | int, *roles: Role) -> bool:
    org_id = organisation if isinstance(organisation, int) else organisation.id
    return org_id in org_ids_with_role(user, *roles)


def has_any_role(user: User | None, *roles: Role) -> bool:
    return bool(org_ids_with_role(user, *roles))


def can_admin(user: User | None, organisation: Organisation | int) -> bool:
    return has_role(user, organisation, Role.admin)


def can_lead(user: User | None, organisation: Organisation | int) -> bool:
    return has_role(user, organisation, Role.lead, Role.admin)


def can_see_person(viewer: User | None, person: User, today: date | None = None) -> bool:
    """Staff (preceptor, lead, admin) see people who belong to one of their organisations."""
    if viewer is None:
        return False
    if viewer.id == person.id:
        return True
    staff_orgs = org_ids_with_role(viewer, Role.preceptor, Role.lead, Role.admin)
    person_orgs = {m.organisation_id for m in person.memberships if m.is_active}
    return bool(staff_orgs & person_orgs)


def current_employer_ids(person: User, today: date) -> set[int]:
    return {e.organisation_id for e in person.employments if e.is_current_on(today)}
