"""Plain, validated descriptions of programme templates (``kind: programme_template``).

YAML files become these specs (see :mod:`competency.preceptorship.schema`); the
template service turns a spec into immutable database rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

PARTIES = ("preceptee", "preceptor", "lead")
PARTY_LABELS = {"preceptee": "Preceptee", "preceptor": "Preceptor", "lead": "Lead"}
PROGRAMME_KINDS = {
    "preceptorship": "Preceptorship",
    "asye": "Assessed and supported year in employment",
    "induction": "Induction",
    "apprenticeship_readiness": "Apprenticeship readiness",
}
# The kinds of evidence a milestone can ask for (the evidence area's kinds).
EVIDENCE_KINDS = {
    "reflection": "reflections",
    "direct_observation": "direct observations",
    "supervision_note": "supervision notes",
    "certificate": "certificates",
    "case_study": "case studies or assessed written reports",
    "feedback": "pieces of feedback or testimony",
    # Feedback split by who gave it (the ASYE asks for both).
    "feedback_people": "pieces of feedback from people who draw on care and support or their carers",
    "feedback_professionals": "pieces of feedback from other professionals",
    "cpd_record": "CPD records",
    "other": "other pieces of evidence",
}
OUTCOMES = ("completion", "pass_fail")
REQUIRED_WHEN = ("concern_raised",)


@dataclass(frozen=True)
class CadenceRule:
    """Supervision at least every ``every_days`` days or ``every_months`` months until programme day ``until_day``.

    The last rule has ``until_day=None`` and applies to the rest of the programme.
    """

    until_day: int | None
    every_days: int | None = None
    every_months: int | None = None

    def describe(self) -> str:
        if self.every_months:
            every = "monthly" if self.every_months == 1 else f"every {self.every_months} months"
        elif self.every_days == 7:
            every = "weekly"
        elif self.every_days == 14:
            every = "fortnightly"
        else:
            every = f"every {self.every_days} days"
        return f"{every} to day {self.until_day}" if self.until_day is not None else f"{every} after that"

    def as_dict(self) -> dict:
        return {"until_day": self.until_day, "every_days": self.every_days, "every_months": self.every_months}

    @classmethod
    def from_dict(cls, data: dict) -> CadenceRule:
        return cls(until_day=data.get("until_day"), every_days=data.get("every_days"),
                   every_months=data.get("every_months"))


@dataclass(frozen=True)
class MilestoneSpec:
    code: str
    title: str
    due_day: int
    window_days: int
    signed_by: tuple[str, ...]
    description: str = ""
    # kind -> how many pieces, counted from the programme start (cumulative).
    evidence: tuple[tuple[str, int], ...] = ()
    enforce_evidence: bool = False
    is_optional: bool = False
    # When an optional milestone becomes required (e.g. "concern_raised").
    required_when: str | None = None
    completes_programme: bool = False
    # Stays open after the programme completes (a consolidation follow-up).
    is_after_completion: bool = False
    prompts_checkin: bool = True


@dataclass(frozen=True)
class TemplateSpec:
    slug: str
    version: str
    title: str
    programme_kind: str
    duration_days: int
    milestones: tuple[MilestoneSpec, ...]
    cadence: tuple[CadenceRule, ...]
    description: str = ""
    publisher: str = ""
    professions: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    supervision_minimum_minutes: int = 0
    protected_time_percent: int = 0
    outcome: str = "completion"
    is_moderated: bool = False
    framework: str = "shared-capability-framework"
    checkin_pillars: tuple[str, ...] = ()
    # Local words for the parties, e.g. {"preceptor": "ASYE assessor"}.
    party_labels: tuple[tuple[str, str], ...] = ()
    source: str = field(default="", compare=False, hash=False)
    line: int = field(default=1, compare=False, hash=False)

    @property
    def completion_milestone(self) -> MilestoneSpec:
        return next(m for m in self.milestones if m.completes_programme)

    def milestone(self, code: str) -> MilestoneSpec | None:
        return next((m for m in self.milestones if m.code == code), None)
