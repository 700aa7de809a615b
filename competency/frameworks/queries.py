"""Read-only framework queries. Frameworks are shared reference data, not personal data."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from competency.extensions import db
from competency.frameworks import identifiers as ids
from competency.frameworks.case import VersionState
from competency.frameworks.models import (
    Capability,
    CapabilityMapping,
    Crosswalk,
    CrosswalkScheme,
    ExternalFramework,
    ExternalItem,
    Framework,
    FrameworkVersion,
    Level,
    Pillar,
    VersionStatus,
)
from competency.frameworks.specs import (
    CapabilitySpec,
    ExternalFrameworkSpec,
    ExternalItemSpec,
    FrameworkSpec,
    LevelSpec,
    PillarSpec,
)

PUBLIC_STATUSES = (VersionStatus.published, VersionStatus.retired)


def list_frameworks() -> list[Framework]:
    return list(db.session.scalars(sa.select(Framework).options(selectinload(Framework.versions)).order_by(Framework.title)))


def framework_by_slug(slug: str) -> Framework | None:
    return db.session.scalar(sa.select(Framework).filter_by(slug=slug).options(selectinload(Framework.versions)))


def version_by_number(framework: Framework, number: str) -> FrameworkVersion | None:
    return next((v for v in framework.versions if v.version == number), None)


def version_by_uuid(identifier: str) -> FrameworkVersion | None:
    return db.session.scalar(sa.select(FrameworkVersion).filter_by(uuid=identifier.lower()))


def current_version(framework: Framework) -> FrameworkVersion | None:
    """The most recently published version that is not retired."""
    published = [v for v in framework.versions if v.status == VersionStatus.published]
    return max(published, key=lambda v: (v.published_at, v.id)) if published else None


def drafts(framework: Framework) -> list[FrameworkVersion]:
    return [v for v in framework.versions if v.status == VersionStatus.draft]


def public_versions() -> list[FrameworkVersion]:
    """Published and retired versions, which anyone may read (CASE endpoints)."""
    return list(db.session.scalars(
        sa.select(FrameworkVersion).where(FrameworkVersion.status.in_(PUBLIC_STATUSES))
        .options(selectinload(FrameworkVersion.framework)).order_by(FrameworkVersion.id)))


def _loaded_version(version_id: int) -> FrameworkVersion:
    """A version with everything needed to render or export it, in a fixed number of queries."""
    return db.session.scalar(
        sa.select(FrameworkVersion).where(FrameworkVersion.id == version_id)
        .options(
            selectinload(FrameworkVersion.framework),
            selectinload(FrameworkVersion.pillars),
            selectinload(FrameworkVersion.levels),
            selectinload(FrameworkVersion.capabilities).selectinload(Capability.mappings)
            .selectinload(CapabilityMapping.external_item).selectinload(ExternalItem.framework),
        )
        .execution_options(populate_existing=True)
    )


def _kept(identifier: str, derived: str) -> str | None:
    """A stored identifier that was not derived, i.e. one kept from another CASE tool."""
    return identifier if identifier != derived else None


def version_spec(version: FrameworkVersion) -> FrameworkSpec:
    version = _loaded_version(version.id)
    pillars = {p.id: p for p in version.pillars}
    levels = {lv.id: lv for lv in version.levels}
    slug = version.framework.slug

    def capability(c: Capability) -> CapabilitySpec:
        kept = _kept(c.uuid, ids.capability_uuid(slug, c.code, c.revision))
        return CapabilitySpec(code=c.code, pillar=pillars[c.pillar_id].code, level=levels[c.level_id].code, statement=c.statement,
                              guidance=c.guidance, revision=c.revision, is_minor_revision=bool(c.is_minor_revision),
                              sectors=tuple(c.sectors), professions=tuple(c.professions),
                              mappings=tuple((m.external_item.framework.slug, m.external_item.code) for m in c.mappings),
                              identifier=kept, supersedes=c.supersedes_uuid if kept else None)

    return FrameworkSpec(
        slug=slug, version=version.version, title=version.title, description=version.description,
        publisher=version.publisher, language=version.language,
        professions=tuple((code, name) for code, name in version.professions),
        pillars=tuple(PillarSpec(p.code, p.name, p.description, p.abbreviation, _kept(p.uuid, ids.pillar_uuid(slug, p.code)))
                      for p in version.pillars),
        levels=tuple(LevelSpec(lv.code, lv.name, lv.description, lv.abbreviation, lv.career_framework_level,
                               _kept(lv.uuid, ids.level_uuid(slug, lv.code))) for lv in version.levels),
        capabilities=tuple(capability(c) for c in version.capabilities),
        identifier=_kept(version.uuid, ids.version_uuid(slug, version.version)),
        source=version.source_name,
    )


def version_state(version: FrameworkVersion) -> VersionState:
    return VersionState(
        status=version.status.value, changed_at=version.changed_at,
        published_on=version.published_at.date() if version.published_at else None,
        retired_on=version.retired_at.date() if version.retired_at else None,
    )


def external_items_by_key() -> dict[str, ExternalItem]:
    items = db.session.scalars(sa.select(ExternalItem).options(selectinload(ExternalItem.framework)))
    return {f"{item.framework.slug}:{item.code}": item for item in items}


def external_item_ids() -> dict[tuple[str, str], str]:
    """(external framework slug, item code) -> the item's CASE identifier."""
    rows = db.session.execute(sa.select(ExternalFramework.slug, ExternalItem.code, ExternalItem.uuid)
                              .join(ExternalItem, ExternalItem.external_framework_id == ExternalFramework.id))
    return {(slug, code): uuid for slug, code, uuid in rows}


def external_specs() -> dict[str, ExternalFrameworkSpec]:
    frameworks = db.session.scalars(sa.select(ExternalFramework).options(selectinload(ExternalFramework.items)))
    return {
        f.slug: ExternalFrameworkSpec(slug=f.slug, title=f.title, publisher=f.publisher, note=f.note,
                                      items=tuple(ExternalItemSpec(i.code, i.name, i.description) for i in f.items))
        for f in frameworks
    }


@dataclass
class Matrix:
    version: FrameworkVersion
    pillars: list[Pillar]
    levels: list[Level]
    cells: dict[tuple[int, int], list[Capability]] = field(default_factory=dict)
    total: int = 0
    shown: int = 0

    def cell(self, pillar: Pillar, level: Level) -> list[Capability]:
        return self.cells.get((pillar.id, level.id), [])


def matrix(version: FrameworkVersion, *, sector: str | None = None, profession: str | None = None) -> Matrix:
    """Pillars x levels with the capabilities in each cell, filtered by sector and profession."""
    loaded = _loaded_version(version.id)
    result = Matrix(version=loaded, pillars=list(loaded.pillars), levels=list(loaded.levels), total=len(loaded.capabilities))
    for capability in loaded.capabilities:
        if capability.applies_to(sector, profession):
            result.cells.setdefault((capability.pillar_id, capability.level_id), []).append(capability)
            result.shown += 1
    return result


@dataclass
class CapabilityDetail:
    capability: Capability
    version: FrameworkVersion
    # (version, capability row) for every version holding this identifier, oldest first.
    appearances: list[tuple[FrameworkVersion, Capability]]
    # Revisions of the same code in this framework: (version, capability) with a different identifier.
    other_revisions: list[tuple[FrameworkVersion, Capability]]


def capability_detail(version: FrameworkVersion, identifier: str) -> CapabilityDetail | None:
    capability = db.session.scalar(
        sa.select(Capability).where(Capability.version_id == version.id, Capability.uuid == identifier.lower())
        .options(selectinload(Capability.pillar), selectinload(Capability.level),
                 selectinload(Capability.mappings).selectinload(CapabilityMapping.external_item)
                 .selectinload(ExternalItem.framework)))
    if capability is None:
        return None
    rows = db.session.execute(
        sa.select(FrameworkVersion, Capability).join(Capability, Capability.version_id == FrameworkVersion.id)
        .where(FrameworkVersion.framework_id == version.framework_id, Capability.code == capability.code)
        .order_by(FrameworkVersion.id)).all()
    appearances = [(v, c) for v, c in rows if c.uuid == capability.uuid]
    others = [(v, c) for v, c in rows if c.uuid != capability.uuid]
    return CapabilityDetail(capability=capability, version=version, appearances=appearances, other_revisions=others)


def capability_in_version(version_id: int, identifier: str) -> Capability | None:
    """For other areas: the capability with this stable identifier in a given version."""
    return db.session.scalar(sa.select(Capability).where(Capability.version_id == version_id,
                                                         Capability.uuid == identifier.lower()))


def find_item(identifier: str) -> tuple[FrameworkVersion, object] | None:
    """A pillar, level or capability by identifier, in its latest public version (CASE CFItems)."""
    identifier = identifier.lower()
    for model in (Capability, Pillar, Level):
        row = db.session.execute(
            sa.select(FrameworkVersion, model).join(model, model.version_id == FrameworkVersion.id)
            .where(model.uuid == identifier, FrameworkVersion.status.in_(PUBLIC_STATUSES))
            .order_by(FrameworkVersion.id.desc()).limit(1)).first()
        if row is not None:
            return row[0], row[1]
    return None


def crosswalks_for(framework: Framework) -> list[Crosswalk]:
    """Every crosswalk of the framework (one per scheme publisher: national, a council, an ICS...)."""
    return list(db.session.scalars(
        sa.select(Crosswalk).where(Crosswalk.framework_id == framework.id)
        .options(selectinload(Crosswalk.schemes).selectinload(CrosswalkScheme.entries)).order_by(Crosswalk.id)))


def crosswalk_for(framework: Framework) -> Crosswalk | None:
    return db.session.scalar(
        sa.select(Crosswalk).where(Crosswalk.framework_id == framework.id)
        .options(selectinload(Crosswalk.schemes).selectinload(CrosswalkScheme.entries)).order_by(Crosswalk.id).limit(1))


def drafts_waiting(limit: int = 20) -> list[FrameworkVersion]:
    """Draft versions across frameworks, oldest first (for editors' home page)."""
    return list(db.session.scalars(
        sa.select(FrameworkVersion).where(FrameworkVersion.status == VersionStatus.draft)
        .options(selectinload(FrameworkVersion.framework))
        .order_by(FrameworkVersion.created_at, FrameworkVersion.id).limit(limit)))
