"""Write a framework spec back out as a YAML data file that the loader accepts."""
from __future__ import annotations

from typing import Any

import yaml

from competency.frameworks.specs import FrameworkSpec


class _Dumper(yaml.SafeDumper):
    """Block style, long text folded, keys in the order we give them."""


def _str_presenter(dumper: yaml.SafeDumper, value: str):
    style = ">" if len(value) > 80 and "\n" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class _Quoted(str):
    """Text that must stay text when read back (a version like "1.10.0")."""


_Dumper.add_representer(str, _str_presenter)
_Dumper.add_representer(_Quoted, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"'))


def framework_document(spec: FrameworkSpec) -> dict[str, Any]:
    doc: dict[str, Any] = {"kind": "framework", "slug": spec.slug, "version": _Quoted(spec.version), "title": spec.title}
    if spec.identifier:
        doc["identifier"] = spec.identifier
    if spec.publisher:
        doc["publisher"] = spec.publisher
    doc["language"] = spec.language
    if spec.description:
        doc["description"] = spec.description
    if spec.professions:
        doc["professions"] = [{"code": code, "name": name} for code, name in spec.professions]
    doc["pillars"] = []
    for pillar in spec.pillars:
        entry: dict[str, Any] = {"code": pillar.code}
        if pillar.identifier:
            entry["identifier"] = pillar.identifier
        if pillar.abbreviation:
            entry["abbreviation"] = pillar.abbreviation
        entry["name"] = pillar.name
        if pillar.description:
            entry["description"] = pillar.description
        doc["pillars"].append(entry)
    doc["levels"] = []
    for level in spec.levels:
        entry = {"code": level.code}
        if level.identifier:
            entry["identifier"] = level.identifier
        if level.abbreviation:
            entry["abbreviation"] = level.abbreviation
        entry["name"] = level.name
        if level.career_framework_level is not None:
            entry["career_framework_level"] = level.career_framework_level
        if level.description:
            entry["description"] = level.description
        doc["levels"].append(entry)
    doc["capabilities"] = []
    for capability in spec.capabilities:
        entry = {"code": capability.code, "pillar": capability.pillar, "level": capability.level}
        if capability.identifier:
            entry["identifier"] = capability.identifier
        if capability.supersedes:
            entry["supersedes"] = capability.supersedes
        if capability.revision != 1:
            entry["revision"] = capability.revision
            if capability.is_minor_revision:
                entry["change"] = "minor"
        entry["statement"] = capability.statement
        entry["guidance"] = capability.guidance
        if capability.sectors:
            entry["sectors"] = list(capability.sectors)
        if capability.professions:
            entry["professions"] = list(capability.professions)
        if capability.mappings:
            mappings: dict[str, list[str]] = {}
            for external_slug, item_code in capability.mappings:
                mappings.setdefault(external_slug, []).append(item_code)
            entry["mappings"] = mappings
        doc["capabilities"].append(entry)
    return doc


def framework_to_yaml(spec: FrameworkSpec) -> str:
    header = f"# {spec.title}, version {spec.version}. Exported; edit and re-import with a new version number.\n"
    return header + yaml.dump(framework_document(spec), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
