"""Plain, validated descriptions of progression pathways (from ``kind: pathway`` files).

A pathway is a ladder of *stages* (support worker, OT assistant, ...) joined by
*steps*. A step names the readiness criteria a person must meet before moving on;
a step into an apprenticeship stage starts an apprenticeship record, and the step
out of it is completed by recording qualification rather than by criteria.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field


class CriterionKind(enum.Enum):
    capabilities = "capabilities"          # a set of capabilities signed off (recognised prior sign-offs count)
    months_in_post = "months_in_post"      # from employment records
    evidence_count = "evidence_count"      # pieces of evidence of one kind (or any kind)
    confirmation = "confirmation"          # a checklist item the employer confirms
    panel = "panel"                        # a panel's outcome "ready"
    hours_worked = "hours_worked"          # weekly hours from the current post's FTE (or an employer confirmation)


# Checklist items an employer can confirm; a pathway may word each one its own way.
CONFIRMATION_ITEMS: dict[str, str] = {
    "sponsorship": "Employer sponsorship agreed",
    "hours_worked": "Hours worked in an OT-related role",
    "entry_qualifications": "University entry requirements met",
    "mentor_named": "Registered OT work-based mentor named",
    "managers_statement": "Manager's statement on values and conduct",
    "funding_route": "Funding route confirmed",
}


class StageKind(enum.Enum):
    role = "role"                      # a job at a level of practice
    apprenticeship = "apprenticeship"  # a degree apprenticeship (an apprenticeship record)
    registered = "registered"          # professionally registered; preceptorship follows


@dataclass(frozen=True)
class CapabilityRef:
    """A capability named by a pathway, resolved against the framework file."""

    code: str
    uuid: str
    statement: str
    level: str
    pillar: str


@dataclass(frozen=True)
class CriterionSpec:
    code: str
    kind: CriterionKind
    title: str
    hint: str = ""
    capability_codes: tuple[str, ...] = ()
    # filled in from the framework file when the catalogue loads (see catalogue.py)
    capabilities: tuple[CapabilityRef, ...] = ()
    months: int = 0
    levels: tuple[str, ...] = ()          # months_in_post: employment levels that count (empty: any)
    same_employer: bool = False            # months_in_post: only posts at the pathway's organisation count
    evidence_kind: str | None = None       # evidence_count: None means any kind
    at_least: int = 0
    item: str | None = None                # confirmation: one of CONFIRMATION_ITEMS
    at_least_hours: float = 0              # hours_worked: contracted hours a week (FTE x full-time hours)


@dataclass(frozen=True)
class ApprenticeshipSpec:
    """An apprenticeship standard as the pathway data states it.

    Current England rules (starts from August 2025): each standard has a published minimum of
    off-the-job training hours (``otj_minimum_hours``, data to check against the published list),
    delivered over any timeline (not evenly spread), and an apprenticeship lasts at least
    ``minimum_months`` (8). ``otj_percent`` is the rule before August 2025, kept so earlier pathway
    versions still read as they were written.
    """

    standard: str
    typical_months: int
    otj_percent: int | None = None
    otj_minimum_hours: int | None = None
    minimum_months: int = 8


@dataclass(frozen=True)
class StageSpec:
    code: str
    name: str
    level: str
    kind: StageKind = StageKind.role
    is_optional: bool = False
    description: str = ""
    apprenticeship: ApprenticeshipSpec | None = None


@dataclass(frozen=True)
class StepSpec:
    code: str
    from_stage: str
    to_stage: str
    title: str
    criteria: tuple[CriterionSpec, ...] = ()
    description: str = ""

    @property
    def has_panel(self) -> bool:
        return any(c.kind is CriterionKind.panel for c in self.criteria)

    def criterion(self, code: str) -> CriterionSpec | None:
        return next((c for c in self.criteria if c.code == code), None)


@dataclass(frozen=True)
class PathwaySpec:
    slug: str
    version: str
    title: str
    framework: str
    description: str = ""
    sectors: tuple[str, ...] = ()
    stages: tuple[StageSpec, ...] = ()
    steps: tuple[StepSpec, ...] = ()
    # (criterion code, capability code) -> line, for messages from the link step
    capability_lines: dict[tuple[str, str], int] = field(default_factory=dict, compare=False, hash=False)
    source: str = field(default="", compare=False, hash=False)

    def stage(self, code: str) -> StageSpec | None:
        return next((s for s in self.stages if s.code == code), None)

    def steps_from(self, stage_code: str) -> list[StepSpec]:
        return [s for s in self.steps if s.from_stage == stage_code]

    def step(self, code: str) -> StepSpec | None:
        return next((s for s in self.steps if s.code == code), None)

    def step_between(self, from_stage: str, to_stage: str) -> StepSpec | None:
        return next((s for s in self.steps if s.from_stage == from_stage and s.to_stage == to_stage), None)

    @property
    def label(self) -> str:
        return f"{self.title} (version {self.version})"
