"""Importing, publishing and retiring framework versions. Services flush; callers commit.

Imports are all or nothing: every document is validated first, and any problem
raises before a row is written; the caller's rollback undoes partial work.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

import sqlalchemy as sa

from competency.accounts.models import User
from competency.audit.services import record_event
from competency.db import utcnow
from competency.errors import Conflict
from competency.extensions import db
from competency.frameworks import identifiers as ids
from competency.frameworks import queries
from competency.frameworks.case import ImportedPackage, VersionState
from competency.frameworks.diff import FrameworkDiff, diff_frameworks, revision_problems
from competency.frameworks.errors import FrameworkFileInvalid, VersionImmutable, immutable_message
from competency.frameworks.loading import LoadResult
from competency.frameworks.models import (
    Capability,
    CapabilityMapping,
    Crosswalk,
    CrosswalkEntry,
    CrosswalkScheme,
    ExternalFramework,
    ExternalItem,
    Framework,
    FrameworkVersion,
    Level,
    Pillar,
    VersionStatus,
)
from competency.frameworks.specs import CrosswalkSpec, ExternalFrameworkSpec, FrameworkSpec
from competency.uniqueness import unique_or_conflict

Progress = Callable[[int], None]


@dataclass
class ImportOutcome:
    """What one import did, for the CLI and the editor's page."""

    versions: list[FrameworkVersion] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    crosswalks: list[Crosswalk] = field(default_factory=list)
    external_frameworks: int = 0
    diffs: dict[str, FrameworkDiff] = field(default_factory=dict)


def _actor_id(by: User | None) -> int | None:
    return by.id if by is not None else None


def upsert_external_framework(spec: ExternalFrameworkSpec) -> ExternalFramework:
    """Reference lists are updated in place; items are added or renamed, never removed."""
    external = db.session.scalar(sa.select(ExternalFramework).filter_by(slug=spec.slug))
    if external is None:
        external = ExternalFramework(slug=spec.slug, title=spec.title)
        db.session.add(external)
    external.title, external.publisher, external.note = spec.title, spec.publisher, spec.note
    existing = {item.code: item for item in external.items}
    for position, item_spec in enumerate(spec.items, start=1):
        item = existing.get(item_spec.code)
        if item is None:
            item = ExternalItem(framework=external, code=item_spec.code,
                                uuid=ids.external_item_uuid(spec.slug, item_spec.code), position=position, name=item_spec.name)
            db.session.add(item)
        item.name, item.description, item.position = item_spec.name, item_spec.description, position
    db.session.flush()
    return external


def _refuse_if_locked(version: FrameworkVersion) -> None:
    if version.status != VersionStatus.draft:
        raise VersionImmutable(immutable_message(version.title, version.version, version.status.value))


def import_framework(spec: FrameworkSpec, *, by: User | None, source_name: str = "",
                     changed_at: datetime | None = None, progress: Progress | None = None) -> tuple[FrameworkVersion | None, FrameworkDiff]:
    """Store ``spec`` as a draft version (replacing a draft of the same number).

    Returns ``(None, diff)`` when the same version is already published with identical
    content, so importing the shipped files again changes nothing.

    :raises VersionImmutable: the version number is published or retired with other content.
    :raises FrameworkFileInvalid: a capability was reworded without a new revision.
    """
    if spec.identifier:
        # A kept CFDocument identifier names one version; a package re-used under a new
        # version number gets that version's derived identifier instead.
        holder = queries.version_by_uuid(spec.identifier)
        if holder is not None and (holder.framework.slug, holder.version) != (spec.slug, spec.version):
            spec = replace(spec, identifier=None)
    framework = queries.framework_by_slug(spec.slug)
    if framework is None:
        framework = Framework(slug=spec.slug, uuid=ids.framework_uuid(spec.slug), title=spec.title)
        db.session.add(framework)
        db.session.flush()
    current = queries.current_version(framework)
    diff = diff_frameworks(queries.version_spec(current) if current else None, spec)
    existing = queries.version_by_number(framework, spec.version)
    if existing is not None and existing.status != VersionStatus.draft:
        if queries.version_spec(existing) == spec:
            return None, diff_frameworks(spec, spec)
        raise VersionImmutable(immutable_message(existing.title, existing.version, existing.status.value))
    earlier = [queries.version_spec(v) for v in framework.versions if v is not existing]
    problems = revision_problems(earlier, spec)
    if problems:
        raise FrameworkFileInvalid([f"{spec.source or source_name}:{spec.capability_lines.get(code, '')}: {message}".replace("::", ":")
                                    for code, message in problems])
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
    framework.title = spec.title
    with unique_or_conflict(Conflict(f"Someone else saved {spec.title} {spec.version} at the same moment. "
                                     "Reload the page and try again; nothing was changed.")):
        version = FrameworkVersion(
            framework=framework, uuid=spec.version_id, version=spec.version, title=spec.title, description=spec.description,
            publisher=spec.publisher, language=spec.language, professions=[list(p) for p in spec.professions],
            status=VersionStatus.draft, changed_at=changed_at or utcnow(), source_name=source_name[:200],
            imported_by_id=_actor_id(by),
        )
        db.session.add(version)
    pillars = {p.code: Pillar(version=version, uuid=spec.pillar_id(p.code), code=p.code, name=p.name, description=p.description,
                              abbreviation=p.abbreviation, position=i) for i, p in enumerate(spec.pillars, start=1)}
    levels = {lv.code: Level(version=version, uuid=spec.level_id(lv.code), code=lv.code, name=lv.name, description=lv.description,
                             abbreviation=lv.abbreviation, career_framework_level=lv.career_framework_level, position=i)
              for i, lv in enumerate(spec.levels, start=1)}
    db.session.add_all([*pillars.values(), *levels.values()])
    items = queries.external_items_by_key()
    missing = sorted({f"{slug}:{code}" for c in spec.capabilities for slug, code in c.mappings} - set(items))
    if missing:
        raise FrameworkFileInvalid([f"{spec.source or source_name}: maps to external items that are not loaded: {', '.join(missing)}"])
    for position, capability_spec in enumerate(spec.capabilities, start=1):
        capability = Capability(
            version=version, uuid=spec.capability_id(capability_spec), code=capability_spec.code,
            pillar=pillars[capability_spec.pillar], level=levels[capability_spec.level],
            statement=capability_spec.statement, guidance=capability_spec.guidance, revision=capability_spec.revision,
            supersedes_uuid=spec.supersedes_id(capability_spec),
            is_minor_revision=capability_spec.is_minor_revision and capability_spec.revision > 1,
            sectors=list(capability_spec.sectors),
            professions=list(capability_spec.professions), position=position,
        )
        capability.mappings = [CapabilityMapping(external_item=items[f"{slug}:{code}"]) for slug, code in capability_spec.mappings]
        db.session.add(capability)
        if progress is not None:
            progress(1)
    db.session.flush()
    record_event("framework.imported", actor=by, subject_type="framework_version", subject_id=version.uuid,
                 data={"slug": spec.slug, "version": spec.version, "capabilities": len(spec.capabilities),
                       "source": source_name[:200]})
    return version, diff


def import_crosswalk(spec: CrosswalkSpec, *, by: User | None) -> Crosswalk:
    """Replace the crosswalk's schemes and entries (crosswalks are not versioned)."""
    framework = queries.framework_by_slug(spec.framework)
    if framework is None:
        raise FrameworkFileInvalid([f"{spec.source}: crosswalk '{spec.slug}' refers to framework '{spec.framework}', "
                                    "which is not imported yet"])
    crosswalk = db.session.scalar(sa.select(Crosswalk).filter_by(slug=spec.slug))
    if crosswalk is None:
        crosswalk = Crosswalk(slug=spec.slug, framework=framework, title=spec.title)
        db.session.add(crosswalk)
    crosswalk.framework, crosswalk.title, crosswalk.description = framework, spec.title, spec.description
    crosswalk.schemes.clear()
    db.session.flush()
    for position, scheme_spec in enumerate(spec.schemes, start=1):
        scheme = CrosswalkScheme(code=scheme_spec.code, name=scheme_spec.name, type=scheme_spec.type,
                                 sector=scheme_spec.sector, note=scheme_spec.note, position=position)
        scheme.entries = [CrosswalkEntry(label=e.label, level_code=e.level, level_codes=list(e.levels), notes=e.notes,
                                         sectors=list(e.sectors), position=i)
                          for i, e in enumerate(scheme_spec.entries, start=1)]
        crosswalk.schemes.append(scheme)
    db.session.flush()
    record_event("framework.crosswalk_imported", actor=by, subject_type="crosswalk", subject_id=spec.slug,
                 data={"framework": spec.framework, "entries": sum(len(s.entries) for s in spec.schemes)})
    return crosswalk


def import_loaded(result: LoadResult, *, by: User | None, progress: Progress | None = None) -> ImportOutcome:
    """Import everything a validated load produced: reference lists, frameworks, then crosswalks."""
    if not result.ok:
        raise FrameworkFileInvalid([str(issue) for issue in result.issues])
    outcome = ImportOutcome()
    for spec in result.specs("external_framework"):
        upsert_external_framework(spec)
        outcome.external_frameworks += 1
    for doc in (d for d in result.documents if d.kind == "framework"):
        version, diff = import_framework(doc.spec, by=by, source_name=doc.source, progress=progress)
        outcome.diffs[f"{doc.spec.slug}@{doc.spec.version}"] = diff
        if version is None:
            outcome.unchanged.append(f"{doc.spec.slug} {doc.spec.version}")
        else:
            outcome.versions.append(version)
    for spec in result.specs("crosswalk"):
        outcome.crosswalks.append(import_crosswalk(spec, by=by))
    return outcome


def import_shipped_updates(*, by: User | None, publish: bool = True) -> list[FrameworkSpec]:
    """Import (and publish) the shipped later versions in version order; already there: unchanged.

    Run after the shipped data, which holds their first versions. Returns the specs read.
    """
    from competency.frameworks.loading import SHIPPED_UPDATES, load_path

    result = load_path(SHIPPED_UPDATES)
    if not result.ok:
        raise FrameworkFileInvalid([str(issue) for issue in result.issues])
    specs = sorted(result.specs("framework"), key=lambda s: (s.slug, tuple(int(p) for p in s.version.split("."))))
    for spec in specs:
        version, _ = import_framework(spec, by=by, source_name=spec.source)
        if version is not None and publish:
            publish_version(version, by=by)
    return specs


def import_case_package(package: ImportedPackage, *, by: User | None, source_name: str,
                        keep_status: bool = False) -> tuple[FrameworkVersion | None, FrameworkDiff]:
    """Import a CASE package as a draft, or (``keep_status``) as its own adoption status.

    A package marked Adopted is recorded as published on its statusStartDate, so an
    export of the imported version is identical to the package that was read.
    """
    version, diff = import_framework(package.spec, by=by, source_name=source_name, changed_at=package.state.changed_at)
    if version is not None and package.kept:
        from competency.frameworks.case_models import KeptAssociation

        seen: set[str] = set()
        for position, association in package.kept:
            key = str(association.get("identifier") or f"position-{position}").lower()[:255]
            if key not in seen:
                seen.add(key)
                version.kept_associations.append(KeptAssociation(key=key, position=position, data=association))
        db.session.flush()
    if version is not None and package.identifiers:
        from competency.frameworks.case_models import IDENTIFIER_LENGTH, KeptIdentifier

        # Another tool's identifiers for associations, item types and concepts: exported under them again.
        version.kept_identifiers.extend(KeptIdentifier(kind=kind, ref=ref, identifier=identifier)
                                        for (kind, ref), identifier in package.identifiers.items()
                                        if len(ref) <= 600 and len(identifier) <= IDENTIFIER_LENGTH)
        db.session.flush()
    if version is not None and keep_status and package.state.status != "draft":
        _apply_state(version, package.state, by=by)
    return version, diff


def _apply_state(version: FrameworkVersion, state: VersionState, *, by: User | None) -> None:
    from datetime import time, timezone

    published_on = state.published_on or state.changed_at.date()
    publish_version(version, by=by, at=datetime.combine(published_on, time(0, 0), tzinfo=timezone.utc))
    if state.status == "retired":
        retired_on = state.retired_on or published_on
        retire_version(version, by=by, at=datetime.combine(retired_on, time(0, 0), tzinfo=timezone.utc))


def publish_version(version: FrameworkVersion, *, by: User | None, at: datetime | None = None) -> FrameworkVersion:
    """Make a draft the published, immutable version.

    :raises VersionImmutable: the version is already published or retired.
    """
    if version.status != VersionStatus.draft:
        raise VersionImmutable(f"{version.title} version {version.version} is already {version.status.value}; nothing was changed.")
    if not version.capabilities:
        raise FrameworkFileInvalid([], message="A version with no capabilities cannot be published.")
    version.status = VersionStatus.published
    version.published_at = at or utcnow()
    version.published_by_id = _actor_id(by)
    db.session.flush()
    record_event("framework.published", actor=by, subject_type="framework_version", subject_id=version.uuid,
                 data={"slug": version.framework.slug, "version": version.version})
    return version


def retire_version(version: FrameworkVersion, *, by: User | None, at: datetime | None = None) -> FrameworkVersion:
    """Retire a published version. Everything recorded against it stays valid."""
    if version.status != VersionStatus.published:
        raise VersionImmutable(f"Only a published version can be retired; {version.version} is {version.status.value}.")
    version.status = VersionStatus.retired
    version.retired_at = at or utcnow()
    db.session.flush()
    record_event("framework.retired", actor=by, subject_type="framework_version", subject_id=version.uuid,
                 data={"slug": version.framework.slug, "version": version.version})
    return version


def discard_draft(version: FrameworkVersion, *, by: User | None) -> None:
    _refuse_if_locked(version)
    record_event("framework.draft_discarded", actor=by, subject_type="framework_version", subject_id=version.uuid,
                 data={"slug": version.framework.slug, "version": version.version})
    db.session.delete(version)
    db.session.flush()
