"""Validation of ``kind: programme_template`` documents, plugged into the frameworks loader.

:func:`parse_template` checks one document on its own; :func:`link_template` checks
what it refers to (the framework whose pillars confidence check-ins rate) and that a
slug and version are defined once.
"""
from __future__ import annotations

import difflib
import re

from competency.frameworks.loading import DocumentReader, LoadContext, LoadedDocument, Report
from competency.frameworks.specs import SECTORS
from competency.preceptorship.specs import (
    EVIDENCE_KINDS,
    OUTCOMES,
    PARTIES,
    PROGRAMME_KINDS,
    REQUIRED_WHEN,
    CadenceRule,
    MilestoneSpec,
    TemplateSpec,
)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
TEMPLATE_KEYS = ["kind", "slug", "version", "title", "programme_kind", "description", "publisher", "professions",
                 "sectors", "duration_days", "framework", "checkin_pillars", "party_labels", "supervision",
                 "protected_time", "completion", "milestones"]
MILESTONE_KEYS = ["code", "title", "description", "due_day", "window_days", "signed_by", "evidence",
                  "enforce_evidence", "optional", "required_when", "completes_programme", "after_completion",
                  "prompts_checkin"]


def _one_of(value: str, options) -> str:
    options = list(options)
    close = difflib.get_close_matches(value, options, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"(one of: {', '.join(options)}){hint}"


def _cadence(reader: DocumentReader) -> tuple[tuple[CadenceRule, ...], int]:
    supervision = reader.sub("supervision", required=True)
    if supervision is None:
        return (), 0
    supervision.check_keys(["minimum_minutes", "cadence"])
    minimum = supervision.integer("minimum_minutes", required=False, default=0, minimum=0) or 0
    rules: list[CadenceRule] = []
    previous_until = 0
    entries = supervision.mapping_list("cadence")
    for index, entry in enumerate(entries):
        entry.check_keys(["until_day", "every_days", "every_months"])
        is_last = index == len(entries) - 1
        until = entry.integer("until_day", required=not is_last, minimum=1)
        if is_last and "until_day" in entry.data:
            entry.error("the last cadence rule applies to the rest of the programme: leave out 'until_day'",
                        key="until_day")
        if until is not None and until <= previous_until:
            entry.error(f"'until_day' must be later than the previous rule's ({previous_until})", key="until_day")
        every_days = entry.integer("every_days", required=False, minimum=1)
        every_months = entry.integer("every_months", required=False, minimum=1)
        if (every_days is None) == (every_months is None):
            entry.error("give exactly one of 'every_days' or 'every_months'")
            continue
        rules.append(CadenceRule(until_day=None if is_last else until, every_days=every_days,
                                 every_months=every_months))
        previous_until = until or previous_until
    if not entries and "cadence" in supervision.data:
        supervision.error("give at least one cadence rule", key="cadence")
    return tuple(rules), minimum


def _milestone(entry: DocumentReader, code: str, labels: dict) -> MilestoneSpec | None:
    entry.where = f"milestone {code}"
    entry.check_keys(MILESTONE_KEYS)
    title = entry.string("title")
    due_day = entry.integer("due_day", minimum=0)
    window = entry.integer("window_days", minimum=0)
    signers: list[str] = []
    for party, line in entry.string_list("signed_by", required=True):
        if party not in PARTIES:
            entry.error(f"unknown party '{party}' {_one_of(party, PARTIES)}", line=line)
        elif party in signers:
            entry.error(f"'{party}' is listed twice", line=line)
        else:
            signers.append(party)
    if "signed_by" in entry.data and not signers:
        entry.error("name at least one party who signs", key="signed_by")
    evidence: list[tuple[str, int]] = []
    counts = entry.sub("evidence")
    if counts is not None:
        for kind in counts.data:
            if kind not in EVIDENCE_KINDS:
                counts.error(f"unknown evidence kind '{kind}' {_one_of(str(kind), EVIDENCE_KINDS)}", key=kind)
                continue
            number = counts.integer(kind, minimum=1)
            if number is not None:
                evidence.append((kind, number))
    enforce = entry.boolean("enforce_evidence")
    if enforce and not evidence:
        entry.error("'enforce_evidence' needs evidence counts to enforce", key="enforce_evidence")
    optional = entry.boolean("optional")
    required_when = entry.string("required_when", required=False)
    if required_when is not None:
        if required_when not in REQUIRED_WHEN:
            entry.error(f"unknown condition '{required_when}' {_one_of(required_when, REQUIRED_WHEN)}",
                        key="required_when")
        elif not optional:
            entry.error("'required_when' only makes sense on an optional milestone", key="required_when")
    completes = entry.boolean("completes_programme")
    after = entry.boolean("after_completion")
    if completes and after:
        entry.error("a milestone cannot both complete the programme and come after completion")
    if completes and optional:
        entry.error("the milestone that completes the programme cannot be optional", key="optional")
    if None in (title, due_day, window) or not signers:
        return None
    return MilestoneSpec(code=code, title=title, due_day=due_day, window_days=window, signed_by=tuple(signers),
                         description=entry.string("description", required=False, default="") or "",
                         evidence=tuple(evidence), enforce_evidence=enforce, is_optional=optional,
                         required_when=required_when, completes_programme=completes, is_after_completion=after,
                         prompts_checkin=entry.boolean("prompts_checkin", default=True))


def _milestones(reader: DocumentReader, duration: int | None, labels: dict) -> tuple[MilestoneSpec, ...]:
    seen: dict[str, int] = {}
    milestones: list[MilestoneSpec] = []
    for entry in reader.mapping_list("milestones"):
        code = entry.string("code")
        if code is None:
            continue
        if not CODE_RE.match(code):
            entry.error(f"milestone code '{code}' must be lowercase letters, digits and underscores", key="code")
            continue
        if code in seen:
            entry.error(f"duplicate milestone code '{code}' (first defined on line {seen[code]})", key="code")
            continue
        seen[code] = entry.line_of("code")
        spec = _milestone(entry, code, labels)
        if spec is not None:
            milestones.append(spec)
    if not milestones and "milestones" in reader.data:
        reader.error("a programme template needs at least one milestone", key="milestones")
        return ()
    completing = [m for m in milestones if m.completes_programme]
    if milestones and len(completing) != 1:
        reader.error(f"exactly one milestone must have 'completes_programme: true' (found {len(completing)})",
                     key="milestones")
        return tuple(milestones)
    if completing:
        final = completing[0]
        for milestone in milestones:
            if milestone.is_after_completion and milestone.due_day <= final.due_day:
                reader.error(f"milestone {milestone.code}: comes after completion, so its due day must be later "
                             f"than {final.code}'s ({final.due_day})", key="milestones")
            if not milestone.is_after_completion and milestone.due_day > final.due_day:
                reader.error(f"milestone {milestone.code}: due after {final.code}; mark it 'after_completion: true' "
                             "or move it earlier", key="milestones")
        if duration is not None and final.due_day != duration:
            reader.error(f"'duration_days' ({duration}) must equal the due day of {final.code} ({final.due_day})",
                         key="duration_days")
    return tuple(milestones)


def parse_template(reader: DocumentReader, report: Report) -> TemplateSpec | None:
    reader.check_keys(TEMPLATE_KEYS)
    slug = reader.string("slug")
    if slug is not None and not SLUG_RE.match(slug):
        reader.error(f"'slug' must be lowercase words joined by hyphens (got '{slug}')", key="slug")
        slug = None
    version = reader.string("version")
    if version is not None and not VERSION_RE.match(version):
        reader.error(f"'version' must look like \"1.0.0\" (major.minor.patch), got '{version}'", key="version")
        version = None
    title = reader.string("title")
    programme_kind = reader.string("programme_kind")
    if programme_kind is not None and programme_kind not in PROGRAMME_KINDS:
        reader.error(f"unknown programme kind '{programme_kind}' {_one_of(programme_kind, PROGRAMME_KINDS)}",
                     key="programme_kind")
        programme_kind = None
    duration = reader.integer("duration_days", minimum=1)
    sectors = []
    for value, line in reader.string_list("sectors"):
        if value not in SECTORS:
            reader.error(f"unknown sector '{value}' {_one_of(value, SECTORS)}", line=line)
        else:
            sectors.append(value)
    labels: dict[str, str] = {}
    label_reader = reader.sub("party_labels")
    if label_reader is not None:
        for party in label_reader.data:
            if party not in PARTIES:
                label_reader.error(f"unknown party '{party}' {_one_of(str(party), PARTIES)}", key=party)
                continue
            value = label_reader.string(party)
            if value:
                labels[party] = value
    cadence, minimum = _cadence(reader)
    protected = reader.sub("protected_time")
    percent = 0
    if protected is not None:
        protected.check_keys(["share_percent"])
        percent = protected.integer("share_percent", minimum=0) or 0
        if percent > 100:
            protected.error("'share_percent' is a percentage of contracted hours: at most 100", key="share_percent")
    completion = reader.sub("completion", required=True)
    outcome, moderated = "completion", False
    if completion is not None:
        completion.check_keys(["outcome", "moderated"])
        outcome = completion.string("outcome", required=False, default="completion") or "completion"
        if outcome not in OUTCOMES:
            completion.error(f"unknown outcome '{outcome}' {_one_of(outcome, OUTCOMES)}", key="outcome")
        moderated = completion.boolean("moderated")
        if outcome == "pass_fail" and not moderated:
            completion.error("a pass/fail programme needs a moderation panel: set 'moderated: true'", key="moderated")
    milestones = _milestones(reader, duration, labels)
    framework = reader.string("framework", required=False, default="shared-capability-framework")
    pillars = tuple(value for value, _ in reader.string_list("checkin_pillars"))
    if None in (slug, version, title, programme_kind, duration) or not milestones or not cadence:
        return None
    return TemplateSpec(
        slug=slug, version=version, title=title, programme_kind=programme_kind, duration_days=duration,
        milestones=milestones, cadence=cadence,
        description=reader.string("description", required=False, default="") or "",
        publisher=reader.string("publisher", required=False, default="") or "",
        professions=tuple(value for value, _ in reader.string_list("professions")), sectors=tuple(sectors),
        supervision_minimum_minutes=minimum, protected_time_percent=percent, outcome=outcome,
        is_moderated=moderated, framework=framework or "shared-capability-framework", checkin_pillars=pillars,
        party_labels=tuple(sorted(labels.items())), source=reader.source, line=reader.line,
    )


def link_template(doc: LoadedDocument, context: LoadContext, report: Report) -> None:
    spec: TemplateSpec = doc.spec
    for other in context.of_kind("programme_template"):
        if (other is not doc and other.spec.slug == spec.slug and other.spec.version == spec.version
                and (other.source, other.line) < (doc.source, doc.line)):
            report.error(doc.source, doc.line,
                         f"programme template '{spec.slug}' version {spec.version} is also defined in "
                         f"{other.source}:{other.line}")
    framework = context.find("framework", spec.framework)
    if framework is None:
        report.error(doc.source, doc.line, f"programme template '{spec.slug}' refers to unknown framework "
                                           f"'{spec.framework}' (its pillars are rated at check-ins)")
        return
    codes = [pillar.code for pillar in framework.spec.pillars]
    for pillar in spec.checkin_pillars:
        if pillar not in codes:
            report.error(doc.source, doc.line, f"check-in pillar '{pillar}' is not a pillar of '{spec.framework}' "
                                               f"{_one_of(pillar, codes)}")
