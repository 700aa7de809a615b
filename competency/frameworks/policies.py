"""Who may do what with frameworks. Frameworks are shared reference data, readable by anyone signed in.

Changing one is for framework editors of its owner (a platform role, see competency.platform);
an organisation's administrator gets no say over anyone's framework, their own included.
"""
from __future__ import annotations

from competency.accounts.models import User
from competency.frameworks.models import Framework, FrameworkVersion, VersionStatus
from competency.platform.models import PlatformRole
from competency.platform.policies import can_edit_frameworks_of, has_platform_role


def can_view_frameworks(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def can_edit_frameworks(user: User | None, framework: Framework | None = None) -> bool:
    """With a framework: may edit that one (its owner's editors). Without: edits some framework (may upload)."""
    if framework is None:
        return has_platform_role(user, PlatformRole.framework_editor)
    return can_edit_frameworks_of(user, framework.owner_id)


def can_view_version(user: User | None, version: FrameworkVersion) -> bool:
    """Published and retired versions are for everyone signed in; drafts only for that framework's editors."""
    if version.status == VersionStatus.draft:
        return can_edit_frameworks(user, version.framework)
    return can_view_frameworks(user)
