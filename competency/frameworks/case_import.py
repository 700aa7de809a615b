"""Read a CASE 1.1 ``CFPackage`` (as written by :mod:`competency.frameworks.case`) into a spec.

The result passes through the same validation as a YAML file, so a package cannot
bring in anything a YAML file could not. Problems are reported with the JSON path
of the offending entry.
"""
from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from competency.frameworks import identifiers as ids
from competency.frameworks.case import (
    ADOPTION_STATUS,
    CAREER_FRAMEWORK,
    ITEM_TYPES,
    SLUG_RE,
    TYPE_CAPABILITY,
    TYPE_LEVEL,
    TYPE_PILLAR,
    UUID_RE,
    CaseFormatError,
    ImportedPackage,
    VersionState,
    association_ref,
    concept_uuid,
    item_type_uuid,
    parse_iso_datetime,
)
from competency.frameworks.loading import load_text
from competency.frameworks.schema import VERSION_RE
from competency.frameworks.specs import SECTORS, CapabilitySpec, ExternalFrameworkSpec, FrameworkSpec, LevelSpec, PillarSpec
from competency.frameworks.yaml_export import framework_to_yaml

STATUS_FROM_ADOPTION = {value: key for key, value in ADOPTION_STATUS.items()}
MAX_REVISION = 99


def loads(text: str, source: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaseFormatError([f"{source}:{exc.lineno}: not valid JSON ({exc.msg})"]) from None
    if not isinstance(data, dict):
        raise CaseFormatError([f"{source}: a CASE package is a JSON object with CFDocument, CFItems and CFAssociations"])
    return data.get("CFPackage", data) if isinstance(data.get("CFPackage"), dict) else data


def _slugify(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "imported-framework"


def _int(value: Any, default: int) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def _revision(slug: str, code: str, identifier: str) -> int | None:
    for revision in range(1, MAX_REVISION + 1):
        if ids.capability_uuid(slug, code, revision) == identifier:
            return revision
    return None


def _external_index(externals: dict[str, ExternalFrameworkSpec],
                    external_ids: dict[tuple[str, str], str] | None) -> dict[str, tuple[str, str]]:
    index = {ids.external_item_uuid(ext.slug, item.code): (ext.slug, item.code) for ext in externals.values() for item in ext.items}
    index.update({identifier: pair for pair, identifier in (external_ids or {}).items()})
    return index


def read_package(data: dict[str, Any], source: str, externals: dict[str, ExternalFrameworkSpec],
                 external_ids: dict[tuple[str, str], str] | None = None) -> ImportedPackage:
    """Turn a parsed package into a validated spec; raise :class:`CaseFormatError` listing every problem."""
    problems: list[str] = []
    notes: list[str] = []
    doc = data.get("CFDocument")
    items = data.get("CFItems")
    associations = data.get("CFAssociations")
    if not isinstance(doc, dict) or not isinstance(items, list) or not isinstance(associations, list):
        raise CaseFormatError([f"{source}: a CASE package needs CFDocument, CFItems and CFAssociations"])
    for key in ("identifier", "title", "lastChangeDateTime"):
        if not isinstance(doc.get(key), str) or not doc[key].strip():
            problems.append(f"{source}: CFDocument.{key} is missing")
    if problems:
        raise CaseFormatError(problems)
    # CASE makes version optional; a framework here needs one.
    version = str(doc.get("version") or "").strip()
    if not VERSION_RE.match(version):
        notes.append(f"CFDocument.version '{version}' is not major.minor.patch; 1.0.0 is used" if version
                     else "CFDocument has no version; 1.0.0 is used")
        version = "1.0.0"

    source_url = str(doc.get("officialSourceURL") or "")
    tail = source_url.rstrip("/").rsplit("/", 1)[-1]
    slug = tail if "/frameworks/" in source_url and SLUG_RE.match(tail) else _slugify(doc["title"])
    try:
        changed_at = parse_iso_datetime(doc["lastChangeDateTime"])
    except ValueError:
        raise CaseFormatError([f"{source}: CFDocument.lastChangeDateTime '{doc['lastChangeDateTime']}' is not an ISO 8601 date-time"]) from None
    status = STATUS_FROM_ADOPTION.get(str(doc.get("adoptionStatus") or "Draft"), "draft")

    def day(key: str) -> date | None:
        value = doc.get(key)
        if not value:
            return None
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError:
            problems.append(f"{source}: CFDocument.{key} '{value}' is not a date")
            return None

    state = VersionState(status=status, changed_at=changed_at, published_on=day("statusStartDate"), retired_on=day("statusEndDate"))
    if status != "draft" and state.published_on is None:
        state = VersionState(status=status, changed_at=changed_at, published_on=changed_at.date(), retired_on=state.retired_on)

    by_id: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(items):
        identifier = item.get("identifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or not UUID_RE.match(identifier):
            problems.append(f"{source}: CFItems[{index}].identifier must be a lowercase UUID")
            continue
        if identifier in by_id:
            problems.append(f"{source}: CFItems[{index}]: identifier {identifier} appears twice")
            continue
        if item.get("CFItemType") not in (TYPE_PILLAR, TYPE_LEVEL, TYPE_CAPABILITY):
            problems.append(f"{source}: CFItems[{index}]: CFItemType '{item.get('CFItemType')}' is not one of Pillar, Level of practice, Capability")
            continue
        if not item.get("humanCodingScheme") or not item.get("fullStatement"):
            problems.append(f"{source}: CFItems[{index}]: humanCodingScheme and fullStatement are required")
            continue
        by_id[identifier] = item

    parent: dict[str, str] = {}
    level_of: dict[str, str] = {}
    mappings: dict[str, list[tuple[str, str]]] = {}
    career: dict[str, int] = {}
    replaces: dict[str, str] = {}
    kept: list[tuple[int, dict[str, Any]]] = []
    # (associationType, origin, destination, source identifier) of every association the model holds.
    modelled: list[tuple[str, str, str, str]] = []
    external_index = _external_index(externals, external_ids)
    for index, assoc in enumerate(associations):
        if not isinstance(assoc, dict):
            problems.append(f"{source}: CFAssociations[{index}] is not an object")
            continue
        kind = assoc.get("associationType")
        origin = (assoc.get("originNodeURI") or {}).get("identifier")
        destination = (assoc.get("destinationNodeURI") or {}).get("identifier")
        held = True
        if kind == "isChildOf" and origin in by_id:
            parent[origin] = destination
        elif kind == "hasSkillLevel" and origin in by_id:
            level_of[origin] = destination
        elif kind == "replacedBy" and destination in by_id and origin not in by_id:
            replaces[destination] = origin
        elif kind in ("isRelatedTo", "exactMatchOf") and origin in by_id and destination in external_index:
            target = external_index[destination]
            if target[0] == CAREER_FRAMEWORK and by_id[origin]["CFItemType"] == TYPE_LEVEL:
                career[origin] = int(target[1])
            else:
                mappings.setdefault(origin, []).append(target)
        else:
            # Not something pillars, levels and capabilities can hold (an item this installation
            # does not know, or another kind of association): kept as it is, in its place.
            kept.append((index, assoc))
            held = False
        if held and isinstance(assoc.get("identifier"), str) and isinstance(destination, str):
            modelled.append((kind, origin, destination, assoc["identifier"]))
    if kept:
        notes.append(f"{len(kept)} association(s) to items this installation does not know (or of kinds it does not model) "
                     "are kept as they are and exported again")

    def ordered(item_type: str) -> list[dict[str, Any]]:
        chosen = [item for item in by_id.values() if item["CFItemType"] == item_type]
        return sorted(chosen, key=lambda item: (_int(item.get("listEnumeration"), 10**6), item["humanCodingScheme"]))

    def kept_id(identifier: str, derived: str) -> str | None:
        return identifier if identifier != derived else None

    pillars = [PillarSpec(code=item["humanCodingScheme"], name=item["fullStatement"], description=item.get("notes") or "",
                          abbreviation=item.get("abbreviatedStatement"),
                          identifier=kept_id(item["identifier"], ids.pillar_uuid(slug, item["humanCodingScheme"])))
               for item in ordered(TYPE_PILLAR)]
    levels = [LevelSpec(code=item["humanCodingScheme"], name=item["fullStatement"], description=item.get("notes") or "",
                        abbreviation=item.get("abbreviatedStatement"), career_framework_level=career.get(item["identifier"]),
                        identifier=kept_id(item["identifier"], ids.level_uuid(slug, item["humanCodingScheme"])))
              for item in ordered(TYPE_LEVEL)]
    code_of = {identifier: item["humanCodingScheme"] for identifier, item in by_id.items()}
    capabilities = []
    for item in ordered(TYPE_CAPABILITY):
        identifier, code = item["identifier"], item["humanCodingScheme"]
        pillar_id, level_id = parent.get(identifier), level_of.get(identifier)
        if pillar_id not in by_id or by_id[pillar_id]["CFItemType"] != TYPE_PILLAR:
            problems.append(f"{source}: capability {code} is not isChildOf a pillar")
            continue
        if level_id not in by_id or by_id[level_id]["CFItemType"] != TYPE_LEVEL:
            problems.append(f"{source}: capability {code} has no hasSkillLevel association to a level")
            continue
        revision = _revision(slug, code, identifier)
        explicit = None
        if revision is None:
            # Another tool's identifier: kept as the stable identifier (never replaced by a derived one).
            explicit, revision = identifier, 1
        keywords = item.get("conceptKeywords") or []
        sectors = tuple(k.split(":", 1)[1] for k in keywords if isinstance(k, str) and k.startswith("sector:") and k.split(":", 1)[1] in SECTORS)
        professions = tuple(k.split(":", 1)[1] for k in keywords if isinstance(k, str) and k.startswith("profession:"))
        capabilities.append(CapabilitySpec(code=code, pillar=code_of[pillar_id], level=code_of[level_id], statement=item["fullStatement"],
                                           guidance=item.get("notes") or "", revision=revision, sectors=sectors,
                                           professions=professions, mappings=tuple(mappings.get(identifier, [])),
                                           identifier=explicit, supersedes=replaces.get(identifier) if explicit else None))
    for identifier, item in by_id.items():
        if item["CFItemType"] in (TYPE_PILLAR, TYPE_LEVEL) and parent.get(identifier) != doc["identifier"]:
            problems.append(f"{source}: {item['CFItemType'].lower()} {item['humanCodingScheme']} is not isChildOf the CFDocument")

    concepts = (data.get("CFDefinitions") or {}).get("CFConcepts") or []
    professions = tuple((c["hierarchyCode"], c.get("title") or c["hierarchyCode"]) for c in concepts
                        if isinstance(c, dict) and str(c.get("keywords", "")).startswith("profession:") and c.get("hierarchyCode"))
    spec = FrameworkSpec(slug=slug, version=version, title=doc["title"], description=doc.get("description") or "",
                         publisher=doc.get("publisher") or "", language=doc.get("language") or "en-GB",
                         professions=professions, pillars=tuple(pillars), levels=tuple(levels), capabilities=tuple(capabilities),
                         identifier=kept_id(doc["identifier"], ids.version_uuid(slug, version)), source=source)
    if problems:
        raise CaseFormatError(problems)
    # Same rules as a YAML file: write the spec as YAML and validate that.
    checked = load_text(framework_to_yaml(spec), f"{source} (CFPackage)")
    if not checked.ok:
        raise CaseFormatError([f"{source}: {issue.message}" for issue in checked.issues])
    return ImportedPackage(spec=spec, state=state, notes=notes, kept=kept,
                           identifiers=_source_identifiers(spec, items, data.get("CFDefinitions"), modelled))


def _source_identifiers(spec: FrameworkSpec, items: list[Any], definitions: Any,
                        modelled: list[tuple[str, str, str, str]]) -> dict[tuple[str, str], str]:
    """Identifiers another tool gave to what the export derives (associations, item types, concepts), where they differ.

    Our own packages carry the derived identifiers, so for them this is empty.
    """
    kept: dict[tuple[str, str], str] = {}
    for kind, origin, destination, identifier in modelled:
        if identifier != ids.association_uuid(spec.version_id, kind, origin, destination):
            kept.setdefault(("association", association_ref(kind, origin, destination)), identifier)
    types: dict[str, str] = {}
    definitions = definitions if isinstance(definitions, dict) else {}
    for entry in definitions.get("CFItemTypes") or []:
        if isinstance(entry, dict) and entry.get("title") in ITEM_TYPES and isinstance(entry.get("identifier"), str):
            types.setdefault(entry["title"], entry["identifier"])
    for item in items:
        link = item.get("CFItemTypeURI") if isinstance(item, dict) else None
        if isinstance(link, dict) and item.get("CFItemType") in ITEM_TYPES and isinstance(link.get("identifier"), str):
            types.setdefault(item["CFItemType"], link["identifier"])
    for name, identifier in types.items():
        if identifier != item_type_uuid(name):
            kept[("item_type", name)] = identifier
    professions = {code for code, _ in spec.professions}
    for entry in definitions.get("CFConcepts") or []:
        code = entry.get("hierarchyCode") if isinstance(entry, dict) else None
        if code in professions and isinstance(entry.get("identifier"), str) and entry["identifier"] != concept_uuid(spec.slug, code):
            kept.setdefault(("concept", code), entry["identifier"])
    return kept


def is_platform_shape(data: dict[str, Any]) -> bool:
    """A package in this platform's own three-tier shape (pillars, levels, capabilities)."""
    items = data.get("CFItems")
    return (isinstance(items, list) and bool(items)
            and all(isinstance(item, dict) and item.get("CFItemType") in (TYPE_PILLAR, TYPE_LEVEL, TYPE_CAPABILITY) for item in items)
            and any(item.get("CFItemType") == TYPE_CAPABILITY for item in items))


def read_case_text(text: str, source: str, externals: dict[str, ExternalFrameworkSpec],
                   external_ids: dict[tuple[str, str], str] | None = None) -> ImportedPackage:
    return read_package(loads(text, source), source, externals, external_ids)
