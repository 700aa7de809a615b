"""Who may do what with passports: pure predicates for views, services and templates."""
from __future__ import annotations

from competency.accounts.models import Role, User
from competency.accounts.policies import can_admin, can_lead, has_any_role
from competency.passport.models import CredentialImport
from competency.platform import policies as platform_policies


def can_see_import(user: User | None, record: CredentialImport) -> bool:
    """The holder, and leads and administrators of the receiving organisation."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.id == record.holder_id or can_lead(user, record.organisation_id)


def can_decide_import(user: User | None, record: CredentialImport) -> bool:
    return user is not None and user.id != record.holder_id and can_lead(user, record.organisation_id)


def can_review_imports(user: User | None) -> bool:
    return has_any_role(user, Role.lead, Role.admin)


def can_manage_trust_list(user: User | None) -> bool:
    """The trust list belongs to the installation: trust-list managers (a platform role) keep it,
    never an organisation's administrator as such."""
    return platform_policies.can_manage_trust_list(user)


def can_manage_keys(user: User | None, organisation_id: int) -> bool:
    return can_admin(user, organisation_id)
