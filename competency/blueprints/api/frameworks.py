"""Frameworks in the JSON API: read any published version; editors upload drafts and publish."""
from __future__ import annotations

from datetime import datetime

from flask import request
from pydantic import BaseModel

from competency.blueprints.api.blueprint import ProblemError, api_user
from competency.blueprints.api.openapi import api_route
from competency.extensions import db
from competency.frameworks import queries
from competency.frameworks.errors import FrameworkFileInvalid
from competency.frameworks.models import Framework, FrameworkVersion
from competency.frameworks.policies import can_edit_frameworks, can_view_version
from competency.frameworks.uploads import import_upload
from competency.signoff.version_changes import publish_and_tell

MAX_BYTES = 5 * 1024 * 1024


class VersionSummaryOut(BaseModel):
    id: str
    version: str
    status: str
    published_at: datetime | None
    retired_at: datetime | None
    capabilities: int


class FrameworkOut(BaseModel):
    id: str
    slug: str
    title: str
    current_version: str | None
    versions: list[VersionSummaryOut]


class FrameworkListOut(BaseModel):
    frameworks: list[FrameworkOut]


class PillarOut(BaseModel):
    id: str
    code: str
    name: str
    description: str


class LevelOut(BaseModel):
    id: str
    code: str
    name: str
    description: str
    position: int
    career_framework_level: int | None


class MappingOut(BaseModel):
    framework: str
    code: str
    name: str


class CapabilityOut(BaseModel):
    id: str
    code: str
    pillar: str
    level: str
    statement: str
    guidance: str
    revision: int
    supersedes: str | None
    # "minor": sign-offs of the superseded revision count for this one; "major": they do not.
    change: str | None = None
    sectors: list[str]
    professions: list[str]
    mappings: list[MappingOut]


class VersionOut(BaseModel):
    id: str
    framework: str
    version: str
    status: str
    title: str
    description: str
    published_at: datetime | None
    pillars: list[PillarOut]
    levels: list[LevelOut]
    capabilities: list[CapabilityOut]


def _summary(version: FrameworkVersion) -> VersionSummaryOut:
    return VersionSummaryOut(id=version.uuid, version=version.version, status=version.status.value,
                             published_at=version.published_at, retired_at=version.retired_at,
                             capabilities=len(version.capabilities))


def _framework_out(framework: Framework) -> FrameworkOut:
    current = queries.current_version(framework)
    return FrameworkOut(id=framework.uuid, slug=framework.slug, title=framework.title,
                        current_version=current.version if current else None,
                        versions=[_summary(v) for v in framework.versions if can_view_version(api_user(), v)])


def _framework(slug: str) -> Framework:
    framework = queries.framework_by_slug(slug)
    if framework is None:
        raise ProblemError(404, "Not found", f"There is no framework called '{slug}'.")
    return framework


def _version(framework: Framework, number: str) -> FrameworkVersion:
    version = queries.version_by_number(framework, number)
    if version is None or not can_view_version(api_user(), version):
        raise ProblemError(404, "Not found", f"{framework.title} has no version {number}.")
    return version


@api_route("/frameworks", summary="Capability frameworks and their versions", tag="frameworks", response=FrameworkListOut)
def list_frameworks():
    return FrameworkListOut(frameworks=[_framework_out(f) for f in queries.list_frameworks()]).model_dump(mode="json")


@api_route("/frameworks/<slug>", summary="One framework and its versions", tag="frameworks", response=FrameworkOut,
           errors=(404,))
def get_framework(slug: str):
    return _framework_out(_framework(slug)).model_dump(mode="json")


@api_route("/frameworks/<slug>/versions/<number>", summary="A framework version: pillars, levels and capabilities with their identifiers",
           tag="frameworks", response=VersionOut, errors=(404,))
def get_framework_version(slug: str, number: str):
    version = _version(_framework(slug), number)
    grid = queries.matrix(version)
    pillars = {p.id: p.code for p in grid.pillars}
    levels = {lv.id: lv.code for lv in grid.levels}
    return VersionOut(
        id=version.uuid, framework=slug, version=version.version, status=version.status.value, title=version.title,
        description=version.description, published_at=version.published_at,
        pillars=[PillarOut(id=p.uuid, code=p.code, name=p.name, description=p.description) for p in grid.pillars],
        levels=[LevelOut(id=lv.uuid, code=lv.code, name=lv.name, description=lv.description, position=lv.position,
                         career_framework_level=lv.career_framework_level) for lv in grid.levels],
        capabilities=[
            CapabilityOut(id=c.uuid, code=c.code, pillar=pillars[c.pillar_id], level=levels[c.level_id], statement=c.statement,
                          guidance=c.guidance, revision=c.revision, supersedes=c.supersedes_uuid,
                          change=(("minor" if c.is_minor_revision else "major") if c.supersedes_uuid else None),
                          sectors=c.sectors,
                          professions=c.professions,
                          mappings=[MappingOut(framework=m.external_item.framework.slug, code=m.external_item.code,
                                               name=m.external_item.name) for m in c.mappings])
            for c in grid.version.capabilities
        ],
    ).model_dump(mode="json")


@api_route("/frameworks/<slug>/versions/<number>", method="PUT", summary="Upload a version as a draft (framework editors)",
           tag="frameworks", response=VersionSummaryOut, status=201, multipart={"file": "binary", "owner": "string"},
           errors=(403, 409, 413))
def put_framework_version(slug: str, number: str):
    """The file's slug and version must match the URL; a published version answers 409 and nothing changes."""
    if not can_edit_frameworks(api_user()):
        raise ProblemError(403, "Forbidden", "Only framework editors can upload framework versions.")
    existing = queries.framework_by_slug(slug)
    if existing is not None and not can_edit_frameworks(api_user(), existing):
        raise ProblemError(403, "Forbidden", f"Only the framework editors of {existing.title}'s owner can change it.",
                           rule="not_framework_editor")
    current = queries.version_by_number(existing, number) if existing else None
    if current is not None and not current.is_editable:
        raise ProblemError(409, "Conflict", f"{current.title} version {number} is {current.status.value} and cannot be "
                                            "changed. Upload your changes with a new version number; nothing was changed.",
                           rule="published-versions-are-immutable")
    upload = request.files.get("file")
    if upload is None:
        raise ProblemError(422, "Invalid request", "Send the YAML or CASE JSON file as the multipart field 'file'.")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ProblemError(413, "Too large", "Framework files must be smaller than 5 MB.")
    try:
        outcome = import_upload(upload.filename or "upload", data, by=api_user(), owner=request.form.get("owner"))
    except FrameworkFileInvalid as exc:
        db.session.rollback()
        raise ProblemError(422, "Invalid framework file", exc.message, errors=exc.problems) from None
    matching = [v for v in outcome.versions if v.framework.slug == slug and v.version == number]
    if not matching:
        db.session.rollback()
        raise ProblemError(422, "Invalid framework file", f"The file does not contain version {number} of '{slug}'; nothing was changed.")
    db.session.commit()
    return _summary(matching[0]).model_dump(mode="json"), 201


@api_route("/frameworks/<slug>/versions/<number>/publish", method="POST", summary="Publish a draft version (framework editors)",
           tag="frameworks", response=VersionSummaryOut, errors=(403, 404, 409))
def publish_framework_version(slug: str, number: str):
    if not can_edit_frameworks(api_user()):
        raise ProblemError(403, "Forbidden", "Only framework editors can publish framework versions.")
    version = _version(_framework(slug), number)
    if not can_edit_frameworks(api_user(), version.framework):
        raise ProblemError(403, "Forbidden", f"Only the framework editors of {version.title}'s owner can publish it.",
                           rule="not_framework_editor")
    publish_and_tell(version, by=api_user())  # tells people whose sign-offs stop counting
    db.session.commit()
    return _summary(version).model_dump(mode="json")
