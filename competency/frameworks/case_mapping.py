"""Turn a reference framework (any CASE tree) into a draft of pillars, levels and capabilities.

The importer proposes a mapping and the editor confirms or changes it:

* every item gets a *role* from its ``CFItemType`` (untyped items from their depth,
  "depth 1", "depth 2", ...): ``pillar``, ``capability`` or ``ignore``. The proposal
  makes the shallowest kind that has children the pillars and everything below
  capabilities; a capability belongs to its nearest pillar ancestor (or to one
  pillar named after the document when there is none);
* levels come from one of three sources: ``single`` (one level for everything),
  ``educationLevel`` (one level per value of the items' educationLevel field) or
  ``branch`` (a level chosen for each pillar).

Pillars and capabilities keep the source item identifiers and the draft keeps the
CFDocument identifier, so the framework stays the same framework across tools.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from competency.extensions import db
from competency.frameworks.case_models import CaseDocument
from competency.frameworks.errors import FrameworkFileInvalid
from competency.frameworks.loading import load_text
from competency.frameworks.schema import SLUG_RE, VERSION_RE
from competency.frameworks.specs import CapabilitySpec, FrameworkSpec, LevelSpec, PillarSpec
from competency.frameworks.yaml_export import framework_to_yaml

ROLES = {"pillar": "Pillar", "capability": "Capability", "ignore": "Leave out"}
LEVEL_SOURCES = {"single": "One level for every capability", "educationLevel": "From each item's education level",
                 "branch": "Chosen for each pillar"}
DEFAULT_GUIDANCE = "Evidence that shows this statement met in practice."
CODE_LIMIT, NAME_LIMIT = 40, 200


@dataclass
class Mapping:
    roles: dict[str, str]
    level_source: str = "single"
    level_name: str = "All levels"
    branch_levels: dict[str, str] = field(default_factory=dict)
    slug: str = ""
    version: str = "1.0.0"

    def as_json(self) -> dict[str, Any]:
        return {"slug": self.slug, "version": self.version, "roles": self.roles,
                "levels": {"source": self.level_source, "name": self.level_name, "branches": self.branch_levels}}

    @classmethod
    def from_json(cls, data: Any, fallback: Mapping) -> Mapping:
        """A mapping file (``flask frameworks import-case --mapping``); missing parts come from the proposal."""
        if not isinstance(data, dict):
            raise FrameworkFileInvalid(["a mapping file is a JSON object with roles, levels, slug and version"])
        levels = data.get("levels") or {}
        return cls(roles={**fallback.roles, **{str(k): str(v) for k, v in (data.get("roles") or {}).items()}},
                   level_source=str(levels.get("source") or fallback.level_source),
                   level_name=str(levels.get("name") or fallback.level_name),
                   branch_levels={str(k): str(v) for k, v in (levels.get("branches") or {}).items()},
                   slug=str(data.get("slug") or fallback.slug), version=str(data.get("version") or fallback.version))


@dataclass
class Node:
    identifier: str
    data: dict[str, Any]
    depth: int
    parent: str | None
    children: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return str(self.data.get("CFItemType") or "").strip() or f"depth {self.depth}"


def tree(document: CaseDocument) -> dict[str, Node]:
    """Items with their isChildOf parent and depth (1 = directly under the document), in source order."""
    items = {o.key: o.data for o in document.of("CFItems")}
    parent: dict[str, str] = {}
    for obj in document.of("CFAssociations"):
        a = obj.data
        if a.get("associationType") != "isChildOf":
            continue
        origin = str(a["originNodeURI"]["identifier"]).lower()
        destination = str(a["destinationNodeURI"]["identifier"]).lower()
        if origin in items and origin not in parent and (destination in items or destination == document.key):
            parent[origin] = destination

    def depth(key: str) -> int:
        seen, node, hops = set(), key, 0
        while node in parent and node not in seen and parent[node] != document.key:
            seen.add(node)
            node, hops = parent[node], hops + 1
        return hops + 1

    nodes = {key: Node(key, data, depth(key), parent.get(key) if parent.get(key) in items else None) for key, data in items.items()}
    for node in nodes.values():
        if node.parent:
            nodes[node.parent].children.append(node.identifier)
    return nodes


def kinds(nodes: dict[str, Node]) -> list[dict[str, Any]]:
    """What the mapping page shows: each kind of item, how many, how deep, and an example."""
    out: dict[str, dict[str, Any]] = {}
    for node in nodes.values():
        entry = out.setdefault(node.kind, {"kind": node.kind, "count": 0, "with_children": 0, "depth": node.depth,
                                           "example": str(node.data.get("fullStatement") or "")[:160],
                                           "education_levels": 0})
        entry["count"] += 1
        entry["with_children"] += bool(node.children)
        entry["depth"] = min(entry["depth"], node.depth)
        entry["education_levels"] += _education_level(node.data) is not None
    return sorted(out.values(), key=lambda e: (e["depth"], e["kind"]))


def _slugify(text: str, limit: int = 80) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-") or "imported-framework"


def propose(document: CaseDocument) -> Mapping:
    nodes = tree(document)
    summary = kinds(nodes)
    parents = [k for k in summary if k["with_children"]]
    roles = {k["kind"]: "capability" for k in summary}
    if parents and len(summary) > 1:
        top = min(parents, key=lambda k: k["depth"])
        roles[top["kind"]] = "pillar"
    levels = sum(k["education_levels"] for k in summary)
    version = str(document.document.get("version") or "")
    return Mapping(roles=roles, level_source="educationLevel" if levels else "single",
                   slug=_slugify(document.title), version=version if VERSION_RE.match(version) else "1.0.0")


def _education_level(data: dict[str, Any]) -> str | None:
    # OpenSALT's exports before CASE 1.1 name the field "educationalLevel" (and write one string).
    value = data.get("educationLevel") if data.get("educationLevel") is not None else data.get("educationalLevel")
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    return value.strip() if isinstance(value, str) and value.strip() else None


class _Codes:
    """Codes the YAML rules accept, unique within the framework, from the source's own codes where possible."""

    def __init__(self, pattern: str, upper: bool, limit: int, fallback: str) -> None:
        self.used: set[str] = set()
        self.upper, self.limit, self.fallback, self.pattern = upper, limit, fallback, pattern

    def make(self, *candidates: str) -> str:
        for candidate in candidates:
            text = candidate.upper() if self.upper else candidate.lower()
            code = re.sub(self.pattern, "-" if self.upper else "_", text).strip("-_")[: self.limit].strip("-_")
            if not self.upper and code and not code[0].isalpha():
                code = f"p_{code}"[: self.limit]
            if code and code not in self.used:
                self.used.add(code)
                return code
        n = len(self.used) + 1
        while f"{self.fallback}{n}" in self.used:
            n += 1
        self.used.add(f"{self.fallback}{n}")
        return f"{self.fallback}{n}"


def to_spec(document: CaseDocument, mapping: Mapping) -> FrameworkSpec:
    """The draft the mapping describes, checked by the same rules as a YAML file.

    :raises FrameworkFileInvalid: the mapping or the result breaks a rule; every problem is listed.
    """
    problems = []
    if not SLUG_RE.match(mapping.slug):
        problems.append(f"The short name '{mapping.slug}' must be lowercase words joined by hyphens")
    if not VERSION_RE.match(mapping.version):
        problems.append(f"The version '{mapping.version}' must look like 1.0.0")
    if mapping.level_source not in LEVEL_SOURCES:
        problems.append(f"Levels must come from one of: {', '.join(LEVEL_SOURCES)}")
    unknown = sorted({role for role in mapping.roles.values() if role not in ROLES})
    if unknown:
        problems.append(f"Unknown role(s) {', '.join(unknown)}; use pillar, capability or ignore")
    if problems:
        raise FrameworkFileInvalid(problems, message="The mapping cannot be used yet.")
    nodes = tree(document)
    role = {key: mapping.roles.get(node.kind, "capability") for key, node in nodes.items()}
    pillar_codes, capability_codes = _Codes(r"[^a-z0-9]+", False, 60, "pillar_"), _Codes(r"[^A-Z0-9]+", True, CODE_LIMIT, "C-")
    level_codes = _Codes(r"[^a-z0-9]+", False, 60, "level_")
    pillars: dict[str, PillarSpec] = {}
    for key, node in nodes.items():
        if role[key] == "pillar":
            statement = str(node.data.get("fullStatement") or node.data.get("humanCodingScheme") or key)
            name = str(node.data.get("abbreviatedStatement") or statement)
            pillars[key] = PillarSpec(code=pillar_codes.make(str(node.data.get("humanCodingScheme") or ""), name),
                                      name=name[:NAME_LIMIT], description="" if name == statement else statement,
                                      identifier=node.data["identifier"].lower())
    general: PillarSpec | None = None
    levels: dict[str, LevelSpec] = {}

    def level_for(name: str) -> str:
        if name not in levels:
            levels[name] = LevelSpec(code=level_codes.make(name), name=name[:NAME_LIMIT])
        return levels[name].code

    capabilities = []
    for key, node in nodes.items():
        if role[key] != "capability":
            continue
        ancestor = node.parent
        while ancestor is not None and role.get(ancestor) != "pillar":
            ancestor = nodes[ancestor].parent
        if ancestor is None:
            if general is None:
                general = PillarSpec(code=pillar_codes.make(document.title), name=document.title[:NAME_LIMIT])
            pillar = general
        else:
            pillar = pillars[ancestor]
        if mapping.level_source == "educationLevel":
            level = level_for(_education_level(node.data) or mapping.level_name)
        elif mapping.level_source == "branch":
            level = level_for(mapping.branch_levels.get(ancestor or "", "") or mapping.level_name)
        else:
            level = level_for(mapping.level_name)
        data = node.data
        capabilities.append(CapabilitySpec(
            code=capability_codes.make(str(data.get("humanCodingScheme") or ""), str(data.get("listEnumeration") or "")),
            pillar=pillar.code, level=level, statement=str(data.get("fullStatement") or "").strip() or key,
            guidance=str(data.get("notes") or "").strip() or DEFAULT_GUIDANCE, identifier=data["identifier"].lower()))
    all_pillars = [*([general] if general else []), *pillars.values()]
    used = {c.pillar for c in capabilities}
    spec = FrameworkSpec(slug=mapping.slug, version=mapping.version, title=document.title[:200],
                         description=str(document.document.get("description") or ""),
                         publisher=str(document.document.get("publisher") or document.document.get("creator") or "")[:200],
                         language=str(document.document.get("language") or "en"),
                         pillars=tuple(p for p in all_pillars if p.code in used), levels=tuple(levels.values()),
                         capabilities=tuple(capabilities), identifier=document.key, source=document.source_name)
    if not capabilities:
        raise FrameworkFileInvalid(["No item is mapped to a capability; give at least one kind of item the role Capability"],
                                   message="The mapping cannot be used yet.")
    checked = load_text(framework_to_yaml(spec), f"{document.title} (mapped)")
    if not checked.ok:
        raise FrameworkFileInvalid([issue.message for issue in checked.issues], message="The mapped framework breaks a rule.")
    return spec


def create_draft(document: CaseDocument, mapping: Mapping, *, by) -> Any:
    """Store the mapped framework as a draft version (the editor reviews and publishes it as usual).

    Where the draft states a relation the source stated too (a pillar under the
    document, a capability under the pillar it was under), the association keeps the
    source identifier, like the document, pillars and capabilities do.
    """
    from competency.frameworks import exports, services
    from competency.frameworks.case import association_ref
    from competency.frameworks.case_models import KeptIdentifier

    spec = to_spec(document, mapping)
    version, _ = services.import_framework(spec, by=by, source_name=f"CASE {document.identifier}"[:200])
    if version is None:
        return version
    stated = {}
    for obj in document.of("CFAssociations"):
        a = obj.data
        stated.setdefault(association_ref(str(a["associationType"]), str(a["originNodeURI"]["identifier"]),
                                          str(a["destinationNodeURI"]["identifier"])), a["identifier"])
    for association in exports.case_package(version, base_url="")["CFAssociations"]:
        ref = association_ref(association["associationType"], association["originNodeURI"]["identifier"],
                              association["destinationNodeURI"]["identifier"])
        if ref in stated and stated[ref] != association["identifier"] and len(ref) <= 600:
            version.kept_identifiers.append(KeptIdentifier(kind="association", ref=ref, identifier=stated[ref]))
    db.session.flush()
    return version
