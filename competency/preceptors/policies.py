"""Who may see a preceptor's page and record their training (predicates; one small query at most)."""
from __future__ import annotations

from competency.accounts.models import Role, User
from competency.accounts.policies import org_ids_with_role


def _leads_over(viewer: User, preceptor: User) -> bool:
    """A lead or admin where the preceptor holds a role, or whose programmes they precept."""
    led = org_ids_with_role(viewer, Role.lead, Role.admin)
    if not led:
        return False
    if led & org_ids_with_role(preceptor, Role.preceptor, Role.lead):
        return True
    from competency.preceptors.queries import precepting_organisation_ids

    return bool(led & precepting_organisation_ids(preceptor.id))


def can_view_preceptor(viewer: User | None, preceptor: User) -> bool:
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    return viewer.id == preceptor.id or _leads_over(viewer, preceptor)


def can_record_training(viewer: User | None, preceptor: User) -> bool:
    return can_view_preceptor(viewer, preceptor)


def can_log_preceptor_time(viewer: User | None, preceptor: User) -> bool:
    """Only the preceptor logs their own time."""
    return viewer is not None and viewer.id == preceptor.id
