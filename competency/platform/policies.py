"""Who holds which platform role: pure predicates for views, services and templates.

A person's grants load once per request (``User.platform_grants``), like their memberships.
Organisation roles never count here: being an organisation's administrator grants nothing
platform-wide.
"""
from __future__ import annotations

from competency.accounts.models import User
from competency.platform.models import PlatformGrant, PlatformRole


def grants(user: User | None, role: PlatformRole) -> list[PlatformGrant]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active_account:
        return []
    return [grant for grant in user.platform_grants if grant.role == role]


def has_platform_role(user: User | None, role: PlatformRole) -> bool:
    return bool(grants(user, role))


def is_platform_admin(user: User | None) -> bool:
    return has_platform_role(user, PlatformRole.platform_admin)


def can_change_platform_roles(by: User | None, person: User) -> bool:
    """Platform administrators change other people's platform roles, never their own."""
    return is_platform_admin(by) and by.id != person.id


def can_manage_trust_list(user: User | None) -> bool:
    return has_platform_role(user, PlatformRole.trust_list_manager)


def editable_owner_ids(user: User | None) -> set[int | None]:
    """The owners whose frameworks ``user`` edits (None stands for the platform's own frameworks)."""
    return {grant.organisation_id for grant in grants(user, PlatformRole.framework_editor)}


def can_edit_frameworks_of(user: User | None, owner_id: int | None) -> bool:
    return owner_id in editable_owner_ids(user)


def analyst_regions(user: User | None) -> set[str]:
    return {grant.region for grant in grants(user, PlatformRole.analyst) if grant.region}
