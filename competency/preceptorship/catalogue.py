"""Programme templates in the database: import from validated specs, publish, retire, find.

Like framework versions, a template version is ``draft`` (replaceable), ``published``
(immutable from then on: the guard below refuses any flush that would change it) or
``retired`` (immutable, no new enrolments, existing enrolments carry on).
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from competency.accounts.models import User
from competency.audit.services import record_event
from competency.db import utcnow
from competency.extensions import db
from competency.frameworks.loading import LoadResult, load_path
from competency.preceptorship.errors import TemplateFileInvalid, TemplateImmutable, TemplateNotFound
from competency.preceptorship.models import ProgrammeTemplate, TemplateMilestone, TemplateStatus, TemplateVersion
from competency.preceptorship.specs import TemplateSpec

SHIPPED_TEMPLATES = Path(__file__).parent / "data" / "programmes"
LOCKED = (TemplateStatus.published, TemplateStatus.retired)


def spec_hash(spec: TemplateSpec) -> str:
    data = dataclasses.asdict(spec)
    data.pop("source", None)
    data.pop("line", None)
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _version_key(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split("."))


@functools.cache
def shipped_specs() -> tuple[TemplateSpec, ...]:
    """The four shipped templates, validated once per process."""
    result = load_path(SHIPPED_TEMPLATES)
    if not result.ok:
        raise TemplateFileInvalid([str(issue) for issue in result.issues])
    return tuple(result.specs("programme_template"))


def _fill(version: TemplateVersion, spec: TemplateSpec, digest: str, source_name: str) -> None:
    version.title = spec.title
    version.description = spec.description
    version.publisher = spec.publisher
    version.programme_kind = spec.programme_kind
    version.duration_days = spec.duration_days
    version.professions = list(spec.professions)
    version.sectors = list(spec.sectors)
    version.supervision_minimum_minutes = spec.supervision_minimum_minutes
    version.cadence = [rule.as_dict() for rule in spec.cadence]
    version.protected_time_percent = spec.protected_time_percent
    version.outcome = spec.outcome
    version.is_moderated = spec.is_moderated
    version.framework_slug = spec.framework
    version.checkin_pillars = list(spec.checkin_pillars)
    version.party_labels = dict(spec.party_labels)
    version.content_hash = digest
    version.source_name = source_name
    version.milestones = [
        TemplateMilestone(code=m.code, title=m.title, description=m.description, due_day=m.due_day,
                          window_days=m.window_days, signed_by=list(m.signed_by), evidence=dict(m.evidence),
                          is_evidence_enforced=m.enforce_evidence, is_optional=m.is_optional,
                          required_when=m.required_when, completes_programme=m.completes_programme,
                          is_after_completion=m.is_after_completion, prompts_checkin=m.prompts_checkin,
                          position=index)
        for index, m in enumerate(spec.milestones)
    ]


def import_template(spec: TemplateSpec, *, by: User | None, publish: bool = True,
                    source_name: str = "") -> tuple[TemplateVersion, bool]:
    """Create (or, for a draft, replace) the version ``spec`` describes. Returns (version, changed).

    Importing identical content again changes nothing.

    :raises TemplateImmutable: the version number is published or retired with different content.
    """
    digest = spec_hash(spec)
    template = db.session.scalar(sa.select(ProgrammeTemplate).where(ProgrammeTemplate.slug == spec.slug))
    if template is None:
        template = ProgrammeTemplate(slug=spec.slug, title=spec.title)
        db.session.add(template)
        db.session.flush()
    version = db.session.scalar(sa.select(TemplateVersion).where(
        TemplateVersion.template_id == template.id, TemplateVersion.version == spec.version))
    changed = False
    if version is not None and version.content_hash != digest:
        if version.status in LOCKED:
            raise TemplateImmutable(
                f"{version.title} version {version.version} is {version.status.value} and cannot be changed. "
                "Give your changes a new version number; nothing was changed.")
        _fill(version, spec, digest, source_name)
        changed = True
    elif version is None:
        version = TemplateVersion(template=template, version=spec.version, status=TemplateStatus.draft)
        _fill(version, spec, digest, source_name)
        db.session.add(version)
        changed = True
    db.session.flush()
    if changed:
        record_event("programme_template.imported", actor=by, subject_type="programme_template_version",
                     subject_id=version.id, data={"slug": spec.slug, "version": spec.version, "hash": digest})
    if publish and version.status == TemplateStatus.draft:
        publish_version(version, by=by)
        changed = True
    if _version_key(spec.version) >= max(_version_key(v.version) for v in template.versions):
        template.title = spec.title
    return version, changed


def import_loaded(result: LoadResult, *, by: User | None, publish: bool = True) -> list[TemplateVersion]:
    if not result.ok:
        raise TemplateFileInvalid([str(issue) for issue in result.issues])
    return [import_template(doc.spec, by=by, publish=publish, source_name=doc.source)[0]
            for doc in result.documents if doc.kind == "programme_template"]


def ensure_shipped_templates(*, by: User | None = None) -> list[TemplateVersion]:
    """Import and publish the shipped templates (idempotent)."""
    return [import_template(spec, by=by, source_name=spec.source)[0] for spec in shipped_specs()]


def publish_version(version: TemplateVersion, *, by: User | None, at: datetime | None = None) -> TemplateVersion:
    if version.status != TemplateStatus.draft:
        raise TemplateImmutable(f"{version.title} version {version.version} is already {version.status.value}.")
    version.status = TemplateStatus.published
    version.published_at = at or utcnow()
    db.session.flush()
    record_event("programme_template.published", actor=by, subject_type="programme_template_version",
                 subject_id=version.id, data={"slug": version.template.slug, "version": version.version})
    return version


def retire_version(version: TemplateVersion, *, by: User | None, at: datetime | None = None) -> TemplateVersion:
    """No new enrolments on this version; existing enrolments and completions stay valid."""
    if version.status != TemplateStatus.published:
        raise TemplateImmutable(f"Only a published version can be retired ({version.title} {version.version} is "
                                f"{version.status.value}).")
    version.status = TemplateStatus.retired
    version.retired_at = at or utcnow()
    db.session.flush()
    record_event("programme_template.retired", actor=by, subject_type="programme_template_version",
                 subject_id=version.id, data={"slug": version.template.slug, "version": version.version})
    return version


def find_published(reference: str) -> TemplateVersion:
    """``slug`` (the newest published version) or ``slug@1.0.0`` (that version, if published).

    :raises TemplateNotFound: no such template or version, or it is not open for enrolment.
    """
    slug, _, number = reference.strip().partition("@")
    versions = db.session.scalars(
        sa.select(TemplateVersion).join(ProgrammeTemplate)
        .where(ProgrammeTemplate.slug == slug, TemplateVersion.status == TemplateStatus.published)
    ).all()
    if number:
        versions = [v for v in versions if v.version == number]
    if not versions:
        which = f"version {number} of '{slug}'" if number else f"'{slug}'"
        raise TemplateNotFound(f"There is no published programme template {which}.", field="template")
    return max(versions, key=lambda v: _version_key(v.version))


def published_versions() -> list[TemplateVersion]:
    """The newest published version of every template, by title."""
    versions = db.session.scalars(
        sa.select(TemplateVersion).where(TemplateVersion.status == TemplateStatus.published)
        .options(sa.orm.selectinload(TemplateVersion.template))
    ).all()
    newest: dict[int, TemplateVersion] = {}
    for version in versions:
        current = newest.get(version.template_id)
        if current is None or _version_key(version.version) > _version_key(current.version):
            newest[version.template_id] = version
    return sorted(newest.values(), key=lambda v: v.title)
