"""Finding capabilities and comparing levels of practice for sign-off.

Capabilities are referred to by their stable identifier (``Capability.uuid``).
Levels are compared through the framework version's own level order
(``Level.position``: support worker 1 ... consultant 8), never by name.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from competency.extensions import db
from competency.frameworks.models import Capability, Framework, FrameworkVersion, Level, VersionStatus

# The framework people's progress is shown against when there is more than one.
DEFAULT_FRAMEWORK_SLUG = "shared-capability-framework"
PUBLIC_STATUSES = (VersionStatus.published, VersionStatus.retired)


def current_framework_version() -> FrameworkVersion | None:
    """The latest published (not retired) version, preferring the shared framework."""
    return db.session.scalar(
        sa.select(FrameworkVersion).join(Framework)
        .where(FrameworkVersion.status == VersionStatus.published)
        .order_by((Framework.slug == DEFAULT_FRAMEWORK_SLUG).desc(), FrameworkVersion.published_at.desc(),
                  FrameworkVersion.id.desc())
        .limit(1))


def progress_framework_version() -> FrameworkVersion | None:
    """The version people's progress is shown against: the current published one, or, when every
    version has been retired, the most recently retired one, so nobody's sign-offs drop out of view."""
    current = current_framework_version()
    if current is not None:
        return current
    return db.session.scalar(
        sa.select(FrameworkVersion).join(Framework)
        .where(FrameworkVersion.status == VersionStatus.retired)
        .order_by((Framework.slug == DEFAULT_FRAMEWORK_SLUG).desc(), FrameworkVersion.retired_at.desc(),
                  FrameworkVersion.id.desc())
        .limit(1))


def find_capability(identifier: str, version: FrameworkVersion | None = None) -> Capability | None:
    """The capability with this stable identifier: in ``version`` when given, else in the newest
    published or retired version that holds it (so sign-offs against retired versions still resolve)."""
    identifier = (identifier or "").strip().lower()
    if not identifier:
        return None
    query = (sa.select(Capability).join(FrameworkVersion, Capability.version_id == FrameworkVersion.id)
             .where(Capability.uuid == identifier)
             .options(selectinload(Capability.level), selectinload(Capability.pillar),
                      selectinload(Capability.version)))
    if version is not None:
        return db.session.scalar(query.where(Capability.version_id == version.id))
    return db.session.scalar(
        query.where(FrameworkVersion.status.in_(PUBLIC_STATUSES))
        .order_by((FrameworkVersion.status == VersionStatus.published).desc(), FrameworkVersion.id.desc())
        .limit(1))


def known_capability_uuids(identifiers: set[str]) -> set[str]:
    """Those of ``identifiers`` that name a capability in a published or retired version."""
    if not identifiers:
        return set()
    return set(db.session.scalars(
        sa.select(Capability.uuid).join(FrameworkVersion, Capability.version_id == FrameworkVersion.id)
        .where(Capability.uuid.in_(identifiers), FrameworkVersion.status.in_(PUBLIC_STATUSES)).distinct()))


def capabilities_by_uuid(identifiers: set[str], version: FrameworkVersion | None = None) -> dict[str, Capability]:
    """Capabilities for display, one statement per identifier (``version`` first, else newest)."""
    if not identifiers:
        return {}
    rows = db.session.scalars(
        sa.select(Capability).join(FrameworkVersion, Capability.version_id == FrameworkVersion.id)
        .where(Capability.uuid.in_(identifiers), FrameworkVersion.status.in_(PUBLIC_STATUSES))
        .options(selectinload(Capability.level), selectinload(Capability.pillar))
        .order_by(Capability.version_id))
    found: dict[str, Capability] = {}
    for capability in rows:  # oldest version first, so newer statements replace older ones
        current = found.get(capability.uuid)
        if current is not None and version is not None and current.version_id == version.id:
            continue
        found[capability.uuid] = capability
    return found


def level_positions(version_id: int) -> dict[str, int]:
    """Level code -> position in this version's order of levels."""
    rows = db.session.execute(sa.select(Level.code, Level.position).where(Level.version_id == version_id))
    return {code: position for code, position in rows}


def version_contents(version: FrameworkVersion) -> tuple[list, list, list[Capability]]:
    """(pillars, levels, capabilities) of a version, each in its own order, in three statements."""
    from competency.frameworks.models import Pillar

    pillars = list(db.session.scalars(sa.select(Pillar).where(Pillar.version_id == version.id)
                                      .order_by(Pillar.position)))
    levels = list(db.session.scalars(sa.select(Level).where(Level.version_id == version.id)
                                     .order_by(Level.position)))
    capabilities = list(db.session.scalars(sa.select(Capability).where(Capability.version_id == version.id)
                                           .order_by(Capability.position)))
    return pillars, levels, capabilities
