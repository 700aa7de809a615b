"""Who may do what with frameworks. Frameworks are shared reference data, readable by anyone signed in."""
from __future__ import annotations

from competency.accounts.models import Role, User
from competency.accounts.policies import has_any_role
from competency.frameworks.models import FrameworkVersion, VersionStatus


def can_view_frameworks(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def can_edit_frameworks(user: User | None) -> bool:
    """Framework editors (regional or national bodies) and organisation administrators."""
    return has_any_role(user, Role.framework_editor, Role.admin)


def can_view_version(user: User | None, version: FrameworkVersion) -> bool:
    """Published and retired versions are for everyone signed in; drafts only for editors."""
    if version.status == VersionStatus.draft:
        return can_edit_frameworks(user)
    return can_view_frameworks(user)
