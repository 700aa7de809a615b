"""1EdTech CASE 1.1 exchange: a framework version as a ``CFPackage`` and back.

Shape of the package this platform writes (and reads):

* ``CFDocument``: one per framework version (identifier = version UUID).
  ``officialSourceURL`` is the framework's page here and ends with the slug.
* ``CFItems``: pillars (type "Pillar"), levels (type "Level of practice") and
  capabilities (type "Capability"). ``humanCodingScheme`` holds the code,
  ``fullStatement`` the name or statement, ``notes`` the description or evidence
  guidance, ``abbreviatedStatement`` a pillar's or level's abbreviation,
  ``listEnumeration`` the order, ``conceptKeywords`` "sector:..." and
  "profession:..." tags.
* ``CFAssociations``: pillar and level ``isChildOf`` the document, capability
  ``isChildOf`` its pillar and ``hasSkillLevel`` its level; level ``exactMatchOf``
  its NHS Career Framework level; capability ``isRelatedTo`` the external items it
  can evidence (Care Certificate, PCF, AHP support worker domains); a previous
  revision ``replacedBy`` the capability that supersedes it.
* ``CFDefinitions``: the three item types, and professions as ``CFConcepts``.

The package validates against the CASE 1.1 package schema: items and associations
carry no ``CFDocumentURI`` and the document no ``CFPackageURI`` inside a package
(the single-object endpoints add them, as the binding's CFItem/CFAssociation/
CFDocument shapes require). Links to external items point at this installation's
``CFItems`` endpoint with ``targetType: CASE``, so every ``uri`` in the package
resolves here. Associations an import could not model (for example to an item this
installation does not know) are kept and written back in their original place, and
the identifiers another tool gave to the associations, item types and concepts it
did model are kept and written again, so a round trip through another tool keeps
every identifier.

Every identifier is a lowercase UUID derived as in :mod:`identifiers`, and every
timestamp is ISO 8601 UTC with a ``Z``. The same version always exports to the same
bytes, so export -> import -> export gives an identical package.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from competency.frameworks import identifiers as ids
from competency.frameworks.specs import ExternalFrameworkSpec, FrameworkSpec

CASE_PATH = "/ims/case/v1p1"
CAREER_FRAMEWORK = "nhs-career-framework"
TYPE_PILLAR, TYPE_LEVEL, TYPE_CAPABILITY = "Pillar", "Level of practice", "Capability"
ITEM_TYPES = (TYPE_PILLAR, TYPE_LEVEL, TYPE_CAPABILITY)
ADOPTION_STATUS = {"draft": "Draft", "published": "Adopted", "retired": "Deprecated"}
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class CaseFormatError(Exception):
    """The file is not a CASE package this platform can read; ``problems`` say why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class VersionState:
    """What CASE says about a version besides its content."""

    status: str  # draft | published | retired
    changed_at: datetime
    published_on: date | None = None
    retired_on: date | None = None


@dataclass
class ImportedPackage:
    spec: FrameworkSpec
    state: VersionState
    notes: list[str] = field(default_factory=list)
    # (position in the source list, association) for associations the model cannot hold.
    kept: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    # (kind, what it names) -> the source identifier, where it differs from the derived one (see KeptIdentifier).
    identifiers: dict[tuple[str, str], str] = field(default_factory=dict)


def iso_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("CASE timestamps need an aware datetime")
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso_datetime(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def item_type_uuid(name: str) -> str:
    return ids._uuid(f"case-item-type:{name}")


def concept_uuid(slug: str, code: str) -> str:
    return ids._uuid(f"{slug}/profession/{code}")


def association_ref(kind: str, origin: str, destination: str) -> str:
    """What an association names, for keeping its source identifier: "<type> <origin> <destination>"."""
    return f"{kind} {origin.lower()} {destination.lower()}"


def external_document_uuid(slug: str) -> str:
    """The CFDocument identifier under which an external framework's items are served."""
    return ids._uuid(f"external-framework:{slug}")


class _Writer:
    def __init__(self, spec: FrameworkSpec, state: VersionState, base_url: str, externals: dict[str, ExternalFrameworkSpec],
                 kept: list[tuple[int, dict[str, Any]]] | None = None, external_ids: dict[tuple[str, str], str] | None = None,
                 kept_ids: dict[tuple[str, str], str] | None = None) -> None:
        self.spec = spec
        self.state = state
        self.base = base_url.rstrip("/") + CASE_PATH
        self.site = base_url.rstrip("/")
        self.externals = externals
        self.when = iso_datetime(state.changed_at)
        self.doc_id = spec.version_id
        self.doc_link = self.link("CFDocuments", self.doc_id, spec.title)
        self.associations: list[dict[str, Any]] = []
        self.kept = kept or []
        self.external_ids = external_ids or {}
        self.kept_ids = kept_ids or {}

    def type_id(self, name: str) -> str:
        return self.kept_ids.get(("item_type", name)) or item_type_uuid(name)

    def concept_id(self, code: str) -> str:
        return self.kept_ids.get(("concept", code)) or concept_uuid(self.spec.slug, code)

    def link(self, collection: str, identifier: str, title: str) -> dict[str, str]:
        return {"title": title, "identifier": identifier, "uri": f"{self.base}/{collection}/{identifier}"}

    def external_link(self, slug: str, code: str) -> dict[str, str]:
        framework = self.externals.get(slug)
        item = framework.item(code) if framework else None
        title = f"{framework.title}: {item.name}" if framework and item else f"{slug} {code}"
        identifier = self.external_ids.get((slug, code)) or ids.external_item_uuid(slug, code)
        # Served by this installation's CASE endpoint, so the crosswalk resolves.
        return {"title": title, "identifier": identifier, "uri": f"{self.base}/CFItems/{identifier}", "targetType": "CASE"}

    def associate(self, kind: str, origin: dict[str, str], destination: dict[str, str], sequence: int | None = None) -> None:
        identifier = (self.kept_ids.get(("association", association_ref(kind, origin["identifier"], destination["identifier"])))
                      or ids.association_uuid(self.doc_id, kind, origin["identifier"], destination["identifier"]))
        entry: dict[str, Any] = {
            "identifier": identifier,
            "uri": f"{self.base}/CFAssociations/{identifier}",
            "associationType": kind,
        }
        if sequence is not None:
            entry["sequenceNumber"] = sequence
        entry.update({
            "originNodeURI": origin,
            "destinationNodeURI": destination,
            "lastChangeDateTime": self.when,
        })
        self.associations.append(entry)

    def item(self, identifier: str, item_type: str, statement: str, code: str, position: int, *,
             abbreviation: str | None = None, notes: str = "", keywords: list[str] | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "identifier": identifier,
            "uri": f"{self.base}/CFItems/{identifier}",
            "fullStatement": statement,
            "humanCodingScheme": code,
        }
        if abbreviation:
            entry["abbreviatedStatement"] = abbreviation
        entry["listEnumeration"] = str(position)
        entry["CFItemType"] = item_type
        entry["CFItemTypeURI"] = self.link("CFItemTypes", self.type_id(item_type), item_type)
        if notes:
            entry["notes"] = notes
        if keywords:
            entry["conceptKeywords"] = keywords
        entry.update({"language": self.spec.language, "lastChangeDateTime": self.when})
        return entry

    def document(self) -> dict[str, Any]:
        spec, state = self.spec, self.state
        doc: dict[str, Any] = {
            "identifier": self.doc_id,
            "uri": self.doc_link["uri"],
            "creator": spec.publisher or "competency",
            "title": spec.title,
            "lastChangeDateTime": self.when,
            "officialSourceURL": f"{self.site}/frameworks/{spec.slug}",
        }
        if spec.publisher:
            doc["publisher"] = spec.publisher
        if spec.description:
            doc["description"] = spec.description
        doc.update({"language": spec.language, "version": spec.version, "adoptionStatus": ADOPTION_STATUS[state.status]})
        if state.published_on:
            doc["statusStartDate"] = state.published_on.isoformat()
        if state.retired_on:
            doc["statusEndDate"] = state.retired_on.isoformat()
        doc["frameworkType"] = "Capability framework"
        doc["caseVersion"] = "1.1"
        return doc

    def package(self) -> dict[str, Any]:
        spec = self.spec
        items: list[dict[str, Any]] = []
        pillar_links, level_links = {}, {}
        for position, pillar in enumerate(spec.pillars, start=1):
            identifier = spec.pillar_id(pillar.code)
            items.append(self.item(identifier, TYPE_PILLAR, pillar.name, pillar.code, position,
                                   abbreviation=pillar.abbreviation, notes=pillar.description))
            pillar_links[pillar.code] = self.link("CFItems", identifier, pillar.name)
            self.associate("isChildOf", pillar_links[pillar.code], self.doc_link, position)
        for position, level in enumerate(spec.levels, start=1):
            identifier = spec.level_id(level.code)
            items.append(self.item(identifier, TYPE_LEVEL, level.name, level.code, position,
                                   abbreviation=level.abbreviation, notes=level.description))
            level_links[level.code] = self.link("CFItems", identifier, level.name)
            self.associate("isChildOf", level_links[level.code], self.doc_link, len(spec.pillars) + position)
            if level.career_framework_level is not None:
                self.associate("exactMatchOf", level_links[level.code], self.external_link(CAREER_FRAMEWORK, str(level.career_framework_level)))
        in_pillar: dict[str, int] = {}
        for position, capability in enumerate(spec.capabilities, start=1):
            identifier = spec.capability_id(capability)
            keywords = [f"sector:{s}" for s in capability.sectors] + [f"profession:{p}" for p in capability.professions]
            items.append(self.item(identifier, TYPE_CAPABILITY, capability.statement, capability.code, position,
                                   notes=capability.guidance, keywords=keywords))
            link = self.link("CFItems", identifier, capability.code)
            in_pillar[capability.pillar] = in_pillar.get(capability.pillar, 0) + 1
            self.associate("isChildOf", link, pillar_links[capability.pillar], in_pillar[capability.pillar])
            self.associate("hasSkillLevel", link, level_links[capability.level])
            for external_slug, item_code in capability.mappings:
                self.associate("isRelatedTo", link, self.external_link(external_slug, item_code))
            previous = spec.supersedes_id(capability)
            if previous:
                old = self.link("CFItems", previous, f"{capability.code} (revision {capability.revision - 1})")
                self.associate("replacedBy", old, link)
        definitions: dict[str, Any] = {
            "CFItemTypes": [
                {"identifier": self.type_id(name), "uri": f"{self.base}/CFItemTypes/{self.type_id(name)}",
                 "title": name, "description": description, "hierarchyCode": str(index), "lastChangeDateTime": self.when}
                for index, (name, description) in enumerate([
                    (TYPE_PILLAR, "A pillar of practice"),
                    (TYPE_LEVEL, "A level of practice, from support worker to consultant"),
                    (TYPE_CAPABILITY, "A capability statement at one pillar and one level"),
                ], start=1)
            ],
        }
        if spec.professions:
            definitions["CFConcepts"] = [
                {"identifier": self.concept_id(code), "uri": f"{self.base}/CFConcepts/{self.concept_id(code)}",
                 "title": name, "keywords": f"profession:{code}", "hierarchyCode": code, "lastChangeDateTime": self.when}
                for code, name in spec.professions
            ]
        for position, association in sorted(self.kept, key=lambda kept: kept[0]):
            self.associations.insert(min(position, len(self.associations)), association)
        return {
            "CFDocument": self.document(),
            "CFItems": items,
            "CFAssociations": self.associations,
            "CFDefinitions": definitions,
        }


def export_package(spec: FrameworkSpec, state: VersionState, *, base_url: str,
                   externals: dict[str, ExternalFrameworkSpec] | None = None,
                   kept: list[tuple[int, dict[str, Any]]] | None = None,
                   external_ids: dict[tuple[str, str], str] | None = None,
                   kept_ids: dict[tuple[str, str], str] | None = None) -> dict[str, Any]:
    """The ``CFPackage`` for one framework version.

    ``kept`` are (source position, association) pairs an import could not model,
    put back where they were; ``external_ids`` are the identifiers of external items
    that came from a CASE package (reference frameworks keep their own); ``kept_ids``
    are source identifiers of associations, item types and concepts, by
    ``(kind, ref)`` as :class:`~competency.frameworks.case_models.KeptIdentifier` stores them.
    """
    return _Writer(spec, state, base_url, externals or {}, kept, external_ids, kept_ids).package()


def document_summary(spec: FrameworkSpec, state: VersionState, *, base_url: str) -> dict[str, Any]:
    """The ``CFDocument`` alone, as served by ``GET /CFDocuments``: outside a package it names its package."""
    writer = _Writer(spec, state, base_url, {})
    return {**writer.document(), "CFPackageURI": writer.link("CFPackages", writer.doc_id, spec.title)}


def standalone(entry: dict[str, Any], document: dict[str, Any], base_url: str) -> dict[str, Any]:
    """An item or association outside its package names its document (``CFDocumentURI``), as the binding requires."""
    link = {"title": document["title"], "identifier": document["identifier"],
            "uri": f"{base_url.rstrip('/')}{CASE_PATH}/CFDocuments/{document['identifier']}"}
    return {**entry, "CFDocumentURI": link}


def dumps(package: dict[str, Any]) -> str:
    return json.dumps(package, indent=2, ensure_ascii=False) + "\n"
