"""Moodle competency framework CSV, in the column layout of Moodle's
"Import competency framework" tool (admin tool lpimportcsv).

The framework row comes first, then each pillar (taxonomy "domain"), each level
within a pillar ("level") and each capability under its pillar-level row
("competency"). Capabilities are rated on a two-point scale: not yet demonstrated,
signed off (proficient).

The crosswalk travels in "Cross-referenced competency ID numbers": a capability
lists the ID numbers of the external items it can evidence (``<slug>-<code>``).
Moodle relates competencies of one framework only, so each external framework
that is referred to follows as a top-level row with the referred items under it.
"""
from __future__ import annotations

import csv
import io
import json
from html import escape

from competency.frameworks.specs import ExternalFrameworkSpec, FrameworkSpec

MOODLE_HEADERS = (
    "Parent ID number",
    "ID number",
    "Short name",
    "Description",
    "Description format",
    "Scale values",
    "Scale configuration",
    "Rule type (optional)",
    "Rule outcome (optional)",
    "Rule config (optional)",
    "Cross-referenced competency ID numbers",
    "Exported ID (optional)",
    "Is framework",
    "Taxonomy",
)
FORMAT_HTML = "1"
SCALE_VALUES = "Not yet demonstrated,Signed off"
# First entry names the scale (the importer swaps in the local scale id); then, per
# scale item (1-based), whether it is the default and whether it means proficient.
SCALE_CONFIGURATION = json.dumps(
    [{"scaleid": "1"}, {"id": 1, "scaledefault": 1, "proficient": 0}, {"id": 2, "scaledefault": 0, "proficient": 1}],
    separators=(",", ":"),
)
TAXONOMIES = "domain,level,competency"
SHORT_NAME_LIMIT = 100


def _short(text: str, limit: int = SHORT_NAME_LIMIT) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "\u2026"


def _html(*paragraphs: str) -> str:
    return "".join(f"<p>{escape(p, quote=False)}</p>" for p in paragraphs if p)


def level_row_id(pillar_code: str, pillar_abbreviation: str | None, level_code: str, level_abbreviation: str | None) -> str:
    return f"{pillar_abbreviation or pillar_code}-{level_abbreviation or level_code}"


def external_row_id(slug: str, code: str) -> str:
    return f"{slug}-{code}"


def framework_to_moodle_csv(spec: FrameworkSpec, externals: dict[str, ExternalFrameworkSpec] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MOODLE_HEADERS)
    writer.writerow(["", f"{spec.slug}-{spec.version}", _short(f"{spec.title} {spec.version}"), _html(spec.description),
                     FORMAT_HTML, SCALE_VALUES, SCALE_CONFIGURATION, "", "", "", "", "", "1", TAXONOMIES])
    export_id = 0

    def row(parent: str, idnumber: str, short: str, description: str, related: str = "") -> list[str]:
        nonlocal export_id
        export_id += 1
        return [parent, idnumber, _short(short), description, FORMAT_HTML, "", "", "", "0", "null", related, str(export_id), "", ""]

    by_cell: dict[tuple[str, str], list] = {}
    for capability in spec.capabilities:
        by_cell.setdefault((capability.pillar, capability.level), []).append(capability)
    for pillar in spec.pillars:
        writer.writerow(row("", pillar.code, pillar.name, _html(pillar.description)))
        for level in spec.levels:
            cell = by_cell.get((pillar.code, level.code))
            if not cell:
                continue
            cell_id = level_row_id(pillar.code, pillar.abbreviation, level.code, level.abbreviation)
            writer.writerow(row(pillar.code, cell_id, f"{pillar.name}: {level.name}", _html(level.description)))
            for capability in cell:
                related = ",".join(external_row_id(slug, code) for slug, code in capability.mappings)
                writer.writerow(row(cell_id, capability.code, f"{capability.code} {capability.statement}",
                                    _html(capability.statement, f"Good evidence: {capability.guidance}"), related))
    referred: dict[str, list[str]] = {}
    for capability in spec.capabilities:
        for slug, code in capability.mappings:
            if code not in referred.setdefault(slug, []):
                referred[slug].append(code)
    for slug, codes in referred.items():
        external = (externals or {}).get(slug)
        writer.writerow(row("", slug, external.title if external else slug, _html(external.note if external else "")))
        for code in codes:
            item = external.item(code) if external else None
            writer.writerow(row(slug, external_row_id(slug, code), f"{code} {item.name}" if item else code,
                                _html(item.description if item else "")))
    return out.getvalue()
