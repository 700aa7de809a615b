"""Who may make, see and revoke grants (pure predicates over loaded rows)."""
from __future__ import annotations

from competency.accounts.models import Organisation, OrgKind, Role, User
from competency.accounts.policies import active_memberships, has_role
from competency.grants.models import Grant

MANAGING_ROLES = (Role.lead, Role.admin)


def can_manage_grants(user: User | None, organisation: Organisation | int) -> bool:
    """Leads and administrators grant rights over their own organisation's people."""
    return has_role(user, organisation, *MANAGING_ROLES)


def _leads_in_region(user: User | None, region: str) -> bool:
    return any(m.role in MANAGING_ROLES and m.organisation.region == region for m in active_memberships(user))


def can_view_grant(user: User | None, grant: Grant) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.id == grant.grantee_id or can_manage_grants(user, grant.granting_organisation_id):
        return True
    granting = grant.granting_organisation
    return granting.kind == OrgKind.regional_body and _leads_in_region(user, granting.region)


def can_revoke_grant(user: User | None, grant: Grant) -> bool:
    return not grant.is_revoked and can_manage_grants(user, grant.granting_organisation_id)
