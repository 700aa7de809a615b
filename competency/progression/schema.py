"""Validation rules for ``kind: pathway`` documents.

``parse_pathway`` checks one document on its own; ``link_pathway`` checks that the
framework it names exists and that every capability code and level is in it.
"""
from __future__ import annotations

import difflib
import re

from competency.frameworks.loading import DocumentReader, LoadContext, LoadedDocument, Report
from competency.progression.specs import (
    CONFIRMATION_ITEMS,
    ApprenticeshipSpec,
    CriterionKind,
    CriterionSpec,
    PathwaySpec,
    StageKind,
    StageSpec,
    StepSpec,
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
SECTORS = ("health", "social_care", "voluntary", "education")
# The kinds of evidence a practitioner can log (see the evidence area).
EVIDENCE_KINDS = ("reflection", "direct_observation", "supervision_note", "certificate", "case_study",
                  "feedback", "cpd_record", "other")


def _options(value: str, options) -> str:
    options = list(options)
    close = difflib.get_close_matches(value, options, n=1)
    return f"(one of: {', '.join(options)})" + (f"; did you mean '{close[0]}'?" if close else "")


def _code(reader: DocumentReader, label: str, seen: dict[str, int]) -> str | None:
    code = reader.string("code")
    if code is None:
        return None
    if not CODE_RE.match(code):
        reader.error(f"{label} code '{code}' must be lowercase letters, digits and underscores", key="code")
        return None
    if code in seen:
        reader.error(f"duplicate {label} code '{code}' (first defined on line {seen[code]})", key="code")
        return None
    seen[code] = reader.line_of("code")
    return code


def _stage(entry: DocumentReader, seen: dict[str, int]) -> StageSpec | None:
    entry.check_keys(["code", "name", "level", "kind", "optional", "description", "apprenticeship"])
    code = _code(entry, "stage", seen)
    name = entry.string("name")
    level = entry.string("level")
    kind_text = entry.string("kind", required=False, default="role")
    kind = None
    if kind_text not in {k.value for k in StageKind}:
        entry.error(f"unknown stage kind '{kind_text}' {_options(kind_text, [k.value for k in StageKind])}", key="kind")
    else:
        kind = StageKind(kind_text)
    apprenticeship = None
    sub = entry.sub("apprenticeship")
    if kind is StageKind.apprenticeship and sub is None:
        entry.error("an apprenticeship stage needs an 'apprenticeship:' block (standard, typical_months)")
    if sub is not None:
        sub.check_keys(["standard", "typical_months", "off_the_job_percent", "off_the_job_minimum_hours",
                        "minimum_months"])
        standard = sub.string("standard")
        months = sub.integer("typical_months", minimum=1)
        percent = sub.integer("off_the_job_percent", required=False, minimum=1)
        minimum_hours = sub.integer("off_the_job_minimum_hours", required=False, minimum=1)
        minimum_months = sub.integer("minimum_months", required=False, default=8, minimum=1) or 8
        if standard and months:
            apprenticeship = ApprenticeshipSpec(standard=standard, typical_months=months, otj_percent=percent,
                                                otj_minimum_hours=minimum_hours, minimum_months=minimum_months)
    if None in (code, name, level, kind):
        return None
    return StageSpec(code=code, name=name, level=level, kind=kind, is_optional=entry.boolean("optional"),
                     description=entry.string("description", required=False, default="") or "",
                     apprenticeship=apprenticeship)


CRITERION_KEYS = {
    CriterionKind.capabilities: ["capabilities"],
    CriterionKind.months_in_post: ["months", "levels", "same_employer"],
    CriterionKind.evidence_count: ["evidence_kind", "at_least"],
    CriterionKind.confirmation: ["item"],
    CriterionKind.panel: [],
    CriterionKind.hours_worked: ["at_least_hours", "item"],
}


def _criterion(entry: DocumentReader, seen: dict[str, int], step_code: str | None,
               lines: dict[tuple[str, str], int]) -> CriterionSpec | None:
    kind_text = entry.string("kind")
    if kind_text is None:
        return None
    if kind_text not in {k.value for k in CriterionKind}:
        entry.error(f"unknown criterion kind '{kind_text}' {_options(kind_text, [k.value for k in CriterionKind])}",
                    key="kind")
        return None
    kind = CriterionKind(kind_text)
    entry.check_keys(["code", "kind", "title", "hint", *CRITERION_KEYS[kind]])
    code = _code(entry, "criterion", seen)
    title = entry.string("title")
    fields: dict = {}
    if kind is CriterionKind.capabilities:
        codes = entry.string_list("capabilities", required=True)
        if not codes and "capabilities" in entry.data:
            entry.error("list at least one capability code", key="capabilities")
        fields["capability_codes"] = tuple(dict.fromkeys(c for c, _ in codes))
        for capability_code, line in codes:
            lines.setdefault((step_code or "", capability_code), line)
    elif kind is CriterionKind.months_in_post:
        fields["months"] = entry.integer("months", minimum=1) or 0
        fields["levels"] = tuple(v for v, _ in entry.string_list("levels"))
        fields["same_employer"] = entry.boolean("same_employer")
        for value, line in entry.string_list("levels"):
            lines.setdefault((step_code or "", f"level:{value}"), line)
    elif kind is CriterionKind.evidence_count:
        evidence_kind = entry.string("evidence_kind", required=False)
        if evidence_kind is not None and evidence_kind not in EVIDENCE_KINDS:
            entry.error(f"unknown evidence kind '{evidence_kind}' {_options(evidence_kind, EVIDENCE_KINDS)}",
                        key="evidence_kind")
        fields["evidence_kind"] = evidence_kind
        fields["at_least"] = entry.integer("at_least", minimum=1) or 0
    elif kind is CriterionKind.hours_worked:
        fields["at_least_hours"] = entry.integer("at_least_hours", minimum=1) or 30
        item = entry.string("item", required=False, default="hours_worked") or "hours_worked"
        if item not in CONFIRMATION_ITEMS:
            entry.error(f"unknown checklist item '{item}' {_options(item, CONFIRMATION_ITEMS)}", key="item")
        fields["item"] = item
    elif kind is CriterionKind.confirmation:
        item = entry.string("item")
        if item is not None and item not in CONFIRMATION_ITEMS:
            entry.error(f"unknown checklist item '{item}' {_options(item, CONFIRMATION_ITEMS)}", key="item")
            item = None
        fields["item"] = item
    if code is None or title is None:
        return None
    return CriterionSpec(code=code, kind=kind, title=title,
                         hint=entry.string("hint", required=False, default="") or "", **fields)


def _step(entry: DocumentReader, seen: dict[str, int], stage_codes: dict[str, StageSpec],
          lines: dict[tuple[str, str], int]) -> StepSpec | None:
    entry.check_keys(["code", "from", "to", "title", "description", "criteria"])
    code = _code(entry, "step", seen)
    entry.where = f"step {code}" if code else ""
    from_stage, to_stage = entry.string("from"), entry.string("to")
    for key, value in (("from", from_stage), ("to", to_stage)):
        if value is not None and value not in stage_codes:
            entry.error(f"unknown stage '{value}' {_options(value, stage_codes)}", key=key)
    title = entry.string("title")
    criteria: list[CriterionSpec] = []
    criterion_codes: dict[str, int] = {}
    target = stage_codes.get(to_stage or "")
    source = stage_codes.get(from_stage or "")
    completed_by_qualifying = source is not None and source.kind is StageKind.apprenticeship
    for criterion_entry in entry.mapping_list("criteria", required=not completed_by_qualifying):
        criterion_entry.where = entry.where
        criterion = _criterion(criterion_entry, criterion_codes, code, lines)
        if criterion is not None:
            criteria.append(criterion)
    if completed_by_qualifying and criteria:
        entry.error("a step out of an apprenticeship stage is completed by recording qualification; "
                    "remove its 'criteria'", key="criteria")
    if not completed_by_qualifying and "criteria" in entry.data and not criteria and entry.report.ok:
        entry.error("a step needs at least one criterion", key="criteria")
    if target is not None and target.kind is StageKind.apprenticeship:
        if not any(c.kind is CriterionKind.panel for c in criteria):
            entry.error("a step into an apprenticeship must end with a 'panel' criterion", key="criteria")
    if sum(1 for c in criteria if c.kind is CriterionKind.panel) > 1:
        entry.error("a step has at most one panel", key="criteria")
    if None in (code, from_stage, to_stage, title) or source is None or target is None:
        return None
    if from_stage == to_stage:
        entry.error("'from' and 'to' must be different stages", key="to")
        return None
    return StepSpec(code=code, from_stage=from_stage, to_stage=to_stage, title=title, criteria=tuple(criteria),
                    description=entry.string("description", required=False, default="") or "")


def parse_pathway(reader: DocumentReader, report: Report) -> PathwaySpec | None:
    reader.check_keys(["kind", "slug", "version", "title", "framework", "description", "sectors", "stages", "steps"])
    slug = reader.string("slug")
    if slug is not None and not SLUG_RE.match(slug):
        reader.error(f"'slug' must be lowercase words joined by hyphens (got '{slug}')", key="slug")
        slug = None
    version = reader.string("version")
    if version is not None and not VERSION_RE.match(version):
        reader.error(f"'version' must look like \"1.0.0\" (got '{version}')", key="version")
        version = None
    title = reader.string("title")
    framework = reader.string("framework")
    sectors = []
    for value, line in reader.string_list("sectors"):
        if value not in SECTORS:
            reader.error(f"unknown sector '{value}' {_options(value, SECTORS)}", line=line)
        else:
            sectors.append(value)
    stage_seen: dict[str, int] = {}
    stages = [s for s in (_stage(e, stage_seen) for e in reader.mapping_list("stages")) if s is not None]
    by_code = {s.code: s for s in stages}
    lines: dict[tuple[str, str], int] = {}
    step_seen: dict[str, int] = {}
    steps = [s for s in (_step(e, step_seen, by_code, lines) for e in reader.mapping_list("steps")) if s is not None]
    seen_pairs: set[tuple[str, str]] = set()
    for step in steps:
        if (step.from_stage, step.to_stage) in seen_pairs:
            reader.error(f"step {step.code}: another step already leads from '{step.from_stage}' to '{step.to_stage}'",
                         line=step_seen.get(step.code))
        seen_pairs.add((step.from_stage, step.to_stage))
    for stage in stages:
        if stage.kind is StageKind.apprenticeship and not any(s.from_stage == stage.code for s in steps):
            reader.error(f"apprenticeship stage '{stage.code}' needs a step out of it (to the qualified stage)",
                         line=stage_seen.get(stage.code))
    if None in (slug, version, title, framework):
        return None
    return PathwaySpec(slug=slug, version=version, title=title, framework=framework,
                       description=reader.string("description", required=False, default="") or "",
                       sectors=tuple(sectors), stages=tuple(stages), steps=tuple(steps),
                       capability_lines=lines, source=reader.source)


def link_pathway(doc: LoadedDocument, context: LoadContext, report: Report) -> None:
    spec: PathwaySpec = doc.spec
    for other in context.of_kind("pathway"):
        if other is not doc and other.spec.slug == spec.slug and other.spec.version == spec.version \
                and (other.source, other.line) < (doc.source, doc.line):
            report.error(doc.source, doc.line, f"pathway '{spec.slug}' version {spec.version} is also defined in "
                                               f"{other.source}:{other.line}")
    framework = context.find("framework", spec.framework)
    if framework is None:
        report.error(doc.source, doc.line, f"pathway names unknown framework '{spec.framework}'")
        return
    levels = [level.code for level in framework.spec.levels]
    codes = {c.code for c in framework.spec.capabilities}
    for stage in spec.stages:
        if stage.level not in levels:
            report.error(doc.source, doc.line, f"stage {stage.code}: unknown level '{stage.level}' {_options(stage.level, levels)}")
    for step in spec.steps:
        for criterion in step.criteria:
            for code in criterion.capability_codes:
                if code not in codes:
                    line = spec.capability_lines.get((step.code, code), doc.line)
                    close = difflib.get_close_matches(code, sorted(codes), n=1)
                    hint = f"; did you mean '{close[0]}'?" if close else ""
                    report.error(doc.source, line, f"step {step.code}: '{code}' is not a capability of "
                                                   f"'{spec.framework}'{hint}")
            for level in criterion.levels:
                if level not in levels:
                    line = spec.capability_lines.get((step.code, f"level:{level}"), doc.line)
                    report.error(doc.source, line, f"step {step.code}: unknown level '{level}' {_options(level, levels)}")
