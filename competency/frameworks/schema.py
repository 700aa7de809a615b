"""Validation rules for ``kind: framework``, ``external_framework`` and ``crosswalk``.

Each ``parse_*`` checks one document in isolation and returns a spec; each ``link_*``
checks references to other documents (external frameworks, a framework's levels).
"""
from __future__ import annotations

import difflib
import re

from competency.frameworks.loading import DocumentReader, LoadContext, LoadedDocument, Report
from competency.frameworks.specs import (
    SECTORS,
    CapabilitySpec,
    CrosswalkEntrySpec,
    CrosswalkSchemeSpec,
    CrosswalkSpec,
    ExternalFrameworkSpec,
    ExternalItemSpec,
    FrameworkSpec,
    LevelSpec,
    PillarSpec,
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
NAME_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
CAPABILITY_CODE_RE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")
ITEM_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# Identifiers kept from another CASE tool: any UUID, lowercased on import.
IDENTIFIER_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
SCHEME_TYPES = ("pay_band", "grade", "role_title")
# How a revision relates to the one it supersedes: "minor" keeps the intent (sign-offs carry),
# "major" (the default) asks for something different (sign-offs of the old wording do not count).
CHANGE_KINDS = ("minor", "major")
# Levels' ``career_framework_level`` refers to an item of this external framework.
CAREER_FRAMEWORK_SLUG = "nhs-career-framework"


def _suggest(value: str, options: list[str]) -> str:
    close = difflib.get_close_matches(value, options, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"(one of: {', '.join(options)}){hint}"


def _slug(reader: DocumentReader, key: str = "slug") -> str | None:
    slug = reader.string(key)
    if slug is not None and not SLUG_RE.match(slug):
        reader.error(f"'{key}' must be lowercase words joined by hyphens, like 'shared-capability-framework' (got '{slug}')", key=key)
        return None
    return slug


def _sectors(reader: DocumentReader, key: str = "sectors") -> tuple[str, ...]:
    values = []
    for value, line in reader.string_list(key):
        if value not in SECTORS:
            reader.error(f"unknown sector '{value}' {_suggest(value, list(SECTORS))}", line=line)
        else:
            values.append(value)
    return tuple(values)


def _identifier(reader: DocumentReader, key: str = "identifier") -> str | None:
    """An optional identifier kept from another CASE tool (only frameworks imported from CASE carry one)."""
    value = reader.string(key, required=False)
    if value is not None and not IDENTIFIER_RE.match(value):
        reader.error(f"'{key}' must be a UUID like 6f1d3c0e-58a4-4c1e-9f61-2b7f0d9e4a53 (got '{value}')", key=key)
        return None
    return value.lower() if value else None


def _coded_entries(reader: DocumentReader, key: str, label: str, code_re: re.Pattern) -> list[tuple[DocumentReader, str]]:
    """Entries of a list that each carry a unique ``code``."""
    seen: dict[str, int] = {}
    out = []
    for entry in reader.mapping_list(key):
        code = entry.string("code")
        if code is None:
            continue
        if not code_re.match(code):
            entry.error(f"{label} code '{code}' has characters that are not allowed", key="code")
            continue
        if code in seen:
            entry.error(f"duplicate {label} code '{code}' (first defined on line {seen[code]})", key="code")
            continue
        seen[code] = entry.line_of("code")
        out.append((entry, code))
    return out


def parse_framework(reader: DocumentReader, report: Report) -> FrameworkSpec | None:
    reader.check_keys(["kind", "slug", "version", "title", "description", "publisher", "language", "professions", "pillars", "levels", "capabilities", "identifier"])
    slug = _slug(reader)
    version = reader.string("version")
    if version is not None and not VERSION_RE.match(version):
        reader.error(f"'version' must look like \"1.0.0\" (major.minor.patch), got '{version}'", key="version")
    title = reader.string("title")

    professions = []
    for entry, code in _coded_entries(reader, "professions", "profession", NAME_CODE_RE) if "professions" in reader.data else []:
        entry.check_keys(["code", "name"])
        professions.append((code, entry.string("name") or code))
    profession_codes = [code for code, _ in professions]

    pillars = []
    for entry, code in _coded_entries(reader, "pillars", "pillar", NAME_CODE_RE):
        entry.check_keys(["code", "name", "description", "abbreviation", "identifier"])
        pillars.append(PillarSpec(code=code, name=entry.string("name") or code, description=entry.string("description", required=False, default="") or "",
                                  abbreviation=entry.string("abbreviation", required=False), identifier=_identifier(entry)))
    levels = []
    for entry, code in _coded_entries(reader, "levels", "level", NAME_CODE_RE):
        entry.check_keys(["code", "name", "description", "abbreviation", "career_framework_level", "identifier"])
        levels.append(LevelSpec(code=code, name=entry.string("name") or code, description=entry.string("description", required=False, default="") or "",
                                abbreviation=entry.string("abbreviation", required=False),
                                career_framework_level=entry.integer("career_framework_level", required=False, minimum=1),
                                identifier=_identifier(entry)))
    if not pillars and "pillars" in reader.data:
        reader.error("a framework needs at least one pillar", key="pillars")
    if not levels and "levels" in reader.data:
        reader.error("a framework needs at least one level", key="levels")

    pillar_by_code = {p.code: p for p in pillars}
    level_by_code = {lv.code: lv for lv in levels}
    capabilities = []
    lines: dict[str, int] = {}
    mapping_lines: dict[tuple[str, str, str], int] = {}
    for entry, code in _coded_entries(reader, "capabilities", "capability", CAPABILITY_CODE_RE):
        entry.where = f"capability {code}"
        entry.check_keys(["code", "pillar", "level", "statement", "guidance", "revision", "change", "sectors", "professions",
                          "mappings", "identifier", "supersedes"])
        pillar = entry.string("pillar")
        level = entry.string("level")
        ok = True
        if pillar is not None and pillar not in pillar_by_code:
            entry.error(f"unknown pillar '{pillar}' {_suggest(pillar, list(pillar_by_code))}", key="pillar")
            ok = False
        if level is not None and level not in level_by_code:
            entry.error(f"unknown level code '{level}' {_suggest(level, list(level_by_code))}", key="level")
            ok = False
        if ok and pillar and level:
            p_abbr, l_abbr = pillar_by_code[pillar].abbreviation, level_by_code[level].abbreviation
            if p_abbr and l_abbr and not code.startswith(f"{p_abbr}-{l_abbr}-"):
                entry.error(f"code should start with '{p_abbr}-{l_abbr}-' for pillar '{pillar}' at level '{level}'", key="code")
        statement = entry.string("statement")
        guidance = entry.string("guidance")
        revision = entry.integer("revision", required=False, default=1, minimum=1) or 1
        change = entry.string("change", required=False)
        if change is not None and change not in CHANGE_KINDS:
            entry.error(f"unknown change '{change}' {_suggest(change, list(CHANGE_KINDS))}", key="change")
        elif change is not None and revision == 1:
            entry.error("'change' describes a revision: set 'revision: 2' (or higher) as well", key="change")
        sectors = _sectors(entry)
        professions_for = []
        for value, line in entry.string_list("professions"):
            if value not in profession_codes:
                entry.error(f"unknown profession '{value}' {_suggest(value, profession_codes)}", line=line)
            else:
                professions_for.append(value)
        mappings = []
        mapping_reader = entry.sub("mappings")
        if mapping_reader is not None:
            for external_slug in mapping_reader.data:
                if not isinstance(external_slug, str) or not SLUG_RE.match(external_slug):
                    mapping_reader.error(f"mapping target '{external_slug}' must be an external framework slug", key=external_slug)
                    continue
                for item_code, item_line in mapping_reader.string_list(external_slug):
                    pair = (external_slug, item_code)
                    if pair not in mappings:
                        mappings.append(pair)
                        mapping_lines[(code, external_slug, item_code)] = item_line
        if None in (pillar, level, statement, guidance) or not ok:
            continue
        lines[code] = entry.line
        capabilities.append(CapabilitySpec(code=code, pillar=pillar, level=level, statement=statement, guidance=guidance,
                                           revision=revision, is_minor_revision=change == "minor",
                                           sectors=sectors, professions=tuple(professions_for),
                                           mappings=tuple(mappings), identifier=_identifier(entry),
                                           supersedes=_identifier(entry, "supersedes")))
    if None in (slug, version, title):
        return None
    return FrameworkSpec(slug=slug, version=version, title=title,
                         description=reader.string("description", required=False, default="") or "",
                         publisher=reader.string("publisher", required=False, default="") or "",
                         language=reader.string("language", required=False, default="en-GB") or "en-GB",
                         professions=tuple(professions), pillars=tuple(pillars), levels=tuple(levels),
                         capabilities=tuple(capabilities), identifier=_identifier(reader), capability_lines=lines,
                         mapping_lines=mapping_lines, source=reader.source)


def link_framework(doc: LoadedDocument, context: LoadContext, report: Report) -> None:
    spec: FrameworkSpec = doc.spec
    for other in context.of_kind("framework"):
        if other is not doc and other.spec.slug == spec.slug and other.spec.version == spec.version and (other.source, other.line) < (doc.source, doc.line):
            report.error(doc.source, doc.line, f"framework '{spec.slug}' version {spec.version} is also defined in {other.source}:{other.line}")
    career = context.find("external_framework", CAREER_FRAMEWORK_SLUG)
    for level in spec.levels:
        if level.career_framework_level is not None and career is not None and career.spec.item(str(level.career_framework_level)) is None:
            report.error(doc.source, doc.line, f"level {level.code}: there is no NHS Career Framework level {level.career_framework_level}")
    for capability in spec.capabilities:
        for external_slug, item_code in capability.mappings:
            line = spec.mapping_lines.get((capability.code, external_slug, item_code), spec.capability_lines.get(capability.code, doc.line))
            target = context.find("external_framework", external_slug)
            if target is None:
                report.error(doc.source, line, f"capability {capability.code}: maps to unknown external framework '{external_slug}'")
            elif target.spec.item(item_code) is None:
                codes = [item.code for item in target.spec.items]
                report.error(doc.source, line, f"capability {capability.code}: '{item_code}' is not an item of '{external_slug}' {_suggest(item_code, codes)}")


def parse_external_framework(reader: DocumentReader, report: Report) -> ExternalFrameworkSpec | None:
    reader.check_keys(["kind", "slug", "title", "publisher", "note", "items"])
    slug = _slug(reader)
    title = reader.string("title")
    items = []
    for entry, code in _coded_entries(reader, "items", "item", ITEM_CODE_RE):
        entry.check_keys(["code", "name", "description"])
        items.append(ExternalItemSpec(code=code, name=entry.string("name") or code,
                                      description=entry.string("description", required=False, default="") or ""))
    if slug is None or title is None:
        return None
    return ExternalFrameworkSpec(slug=slug, title=title, publisher=reader.string("publisher", required=False, default="") or "",
                                 note=reader.string("note", required=False, default="") or "", items=tuple(items))


def link_external_framework(doc: LoadedDocument, context: LoadContext, report: Report) -> None:
    for other in context.of_kind("external_framework"):
        if other is not doc and other.spec.slug == doc.spec.slug and (other.source, other.line) < (doc.source, doc.line):
            report.error(doc.source, doc.line, f"external framework '{doc.spec.slug}' is also defined in {other.source}:{other.line}")


def parse_crosswalk(reader: DocumentReader, report: Report) -> CrosswalkSpec | None:
    reader.check_keys(["kind", "slug", "framework", "title", "description", "schemes"])
    slug = _slug(reader)
    framework = _slug(reader, "framework")
    title = reader.string("title")
    schemes = []
    entry_lines = []
    for scheme_reader, code in _coded_entries(reader, "schemes", "scheme", NAME_CODE_RE):
        scheme_reader.where = f"scheme {code}"
        scheme_reader.check_keys(["code", "name", "type", "sector", "note", "entries"])
        scheme_type = scheme_reader.string("type")
        if scheme_type is not None and scheme_type not in SCHEME_TYPES:
            scheme_reader.error(f"unknown scheme type '{scheme_type}' {_suggest(scheme_type, list(SCHEME_TYPES))}", key="type")
        sector = scheme_reader.string("sector", required=False)
        if sector is not None and sector not in SECTORS:
            scheme_reader.error(f"unknown sector '{sector}' {_suggest(sector, list(SECTORS))}", key="sector")
        entries = []
        seen: dict[str, int] = {}
        for entry in scheme_reader.mapping_list("entries"):
            entry.where = scheme_reader.where
            entry.check_keys(["label", "level", "levels", "notes", "sectors"])
            label = entry.string("label")
            if "levels" in entry.data:
                # A band or title that spans levels (Band 8a posts are advanced or consultant).
                if "level" in entry.data:
                    entry.error("give either 'level' or 'levels', not both", key="levels")
                spanned = entry.string_list("levels", required=True)
                if len(spanned) < 2 and entry.report.ok:
                    entry.error("'levels' lists at least two levels; use 'level' for one", key="levels")
                levels = tuple(dict.fromkeys(value for value, _ in spanned))
                level_lines = [(value, line) for value, line in spanned]
            else:
                single = entry.string("level")
                levels = (single,) if single is not None else ()
                level_lines = [(single, entry.line_of("level"))] if single is not None else []
            if label is not None and label.lower() in seen:
                entry.error(f"'{label}' is listed twice (first on line {seen[label.lower()]})", key="label")
                continue
            if label is None or not levels:
                continue
            seen[label.lower()] = entry.line_of("label")
            for value, line in level_lines:
                entry_lines.append((code, label, value, line))
            entries.append(CrosswalkEntrySpec(label=label, level=levels[0], notes=entry.string("notes", required=False, default="") or "",
                                              sectors=_sectors(entry), levels=levels if len(levels) > 1 else ()))
        schemes.append(CrosswalkSchemeSpec(code=code, name=scheme_reader.string("name") or code, type=scheme_type or "grade",
                                           sector=sector, note=scheme_reader.string("note", required=False, default="") or "",
                                           entries=tuple(entries)))
    if None in (slug, framework, title):
        return None
    return CrosswalkSpec(slug=slug, framework=framework, title=title, schemes=tuple(schemes),
                         description=reader.string("description", required=False, default="") or "", source=reader.source,
                         entry_lines=tuple(entry_lines))


def link_crosswalk(doc: LoadedDocument, context: LoadContext, report: Report) -> None:
    spec: CrosswalkSpec = doc.spec
    target = context.find("framework", spec.framework)
    if target is None:
        report.error(doc.source, doc.line, f"crosswalk '{spec.slug}' refers to unknown framework '{spec.framework}'")
        return
    level_codes = [level.code for level in target.spec.levels]
    for scheme_code, label, level, line in spec.entry_lines:
        if level not in level_codes:
            report.error(doc.source, line, f"scheme {scheme_code}: '{label}' maps to unknown level code '{level}' {_suggest(level, level_codes)}")
