"""Readiness for a pathway step, as pure functions over plain facts.

Nothing here touches the database: :mod:`competency.progression.queries` gathers the
facts for one person or a whole page of people in a fixed number of queries, then
:func:`evaluate_step` turns them into a result per criterion.
"""
from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from competency.progression.specs import CapabilityRef, CriterionKind, CriterionSpec, StepSpec

PANEL_OUTCOME_LABELS = {"ready": "Ready", "not_yet": "Not yet", "deferred": "Deferred"}


@dataclass(frozen=True)
class EmploymentFact:
    organisation_id: int
    level_code: str
    start_on: date
    end_on: date | None = None
    fte: float = 1.0


@dataclass(frozen=True)
class ConfirmationFact:
    criterion_code: str
    confirmed_by: str
    confirmed_on: date
    note: str = ""


@dataclass(frozen=True)
class PanelFact:
    panel_id: int
    scheduled_on: date
    outcome: str | None = None  # ready | not_yet | deferred, None while undecided
    actions: str = ""


@dataclass(frozen=True)
class Facts:
    """Everything readiness depends on, for one person and one step."""

    organisation_id: int
    signed_capability_ids: frozenset[str] = frozenset()
    employments: tuple[EmploymentFact, ...] = ()
    evidence_counts: Mapping[str, int] = field(default_factory=dict)
    confirmations: Mapping[str, ConfirmationFact] = field(default_factory=dict)
    panel: PanelFact | None = None  # the latest panel for the step
    # The organisation's full-time week (its "full_time_hours" setting), for hours from FTE.
    full_time_hours: float = 37.5


@dataclass(frozen=True)
class CriterionResult:
    criterion: CriterionSpec
    is_met: bool
    done: int
    needed: int
    summary: str
    missing: tuple[str, ...] = ()
    missing_capabilities: tuple[CapabilityRef, ...] = ()

    @property
    def code(self) -> str:
        return self.criterion.code

    @property
    def kind(self) -> str:
        return self.criterion.kind.value


@dataclass(frozen=True)
class Readiness:
    step: StepSpec
    results: tuple[CriterionResult, ...]

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def met_count(self) -> int:
        return sum(1 for r in self.results if r.is_met)

    @property
    def percent(self) -> int:
        return round(100 * self.met_count / self.total) if self.total else 100

    @property
    def is_ready_for_panel(self) -> bool:
        """Every criterion except the panel itself is met."""
        return all(r.is_met for r in self.results if r.criterion.kind is not CriterionKind.panel)

    @property
    def is_ready(self) -> bool:
        """Every criterion, the panel included, is met: the next step can start."""
        return all(r.is_met for r in self.results)

    def result(self, code: str) -> CriterionResult | None:
        return next((r for r in self.results if r.code == code), None)


# ---------------------------------------------------------------- months in post

def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def whole_months_between(start: date, end: date) -> tuple[int, int]:
    """Whole calendar months from ``start`` up to ``end`` (exclusive), and the days left over."""
    if end <= start:
        return 0, 0
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if add_months(start, months) > end:
        months -= 1
    return months, (end - add_months(start, months)).days


def months_in_post(employments: Iterable[EmploymentFact], today: date, *, levels: Iterable[str] = (),
                   organisation_id: int | None = None) -> int:
    """Whole months worked at any of ``levels`` (all levels when empty) up to today.

    A post that started a year ago today counts twelve months. Overlapping posts (two
    part-time jobs, a handover) count once; leftover days of separate posts add up in
    31-day months (never more than the calendar would give). ``end_on`` is the last day worked. With ``organisation_id`` only
    posts at that employer count.
    """
    wanted = set(levels)
    spans = sorted(
        (e.start_on, min(e.end_on + timedelta(days=1), today) if e.end_on else today)
        for e in employments
        if (not wanted or e.level_code in wanted)
        and (organisation_id is None or e.organisation_id == organisation_id)
        and e.start_on < today
    )
    merged: list[list[date]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    total_months = total_days = 0
    for start, end in merged:
        months, days = whole_months_between(start, end)
        total_months += months
        total_days += days
    return total_months + total_days // 31


# ---------------------------------------------------------------- criteria

def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _capabilities(c: CriterionSpec, facts: Facts) -> CriterionResult:
    missing = tuple(ref for ref in c.capabilities if ref.uuid not in facts.signed_capability_ids)
    done = len(c.capabilities) - len(missing)
    return CriterionResult(
        c, not missing, done, len(c.capabilities), f"{done} of {len(c.capabilities)} signed off",
        missing=tuple(f"{ref.code}: {ref.statement}" for ref in missing), missing_capabilities=missing)


def _months(c: CriterionSpec, facts: Facts, today: date) -> CriterionResult:
    months = months_in_post(facts.employments, today, levels=c.levels,
                            organisation_id=facts.organisation_id if c.same_employer else None)
    is_met = months >= c.months
    missing = () if is_met else (f"{_plural(c.months - months, 'more month')} in post",)
    return CriterionResult(c, is_met, min(months, c.months), c.months,
                           f"{_plural(months, 'month')} of {c.months}", missing=missing)


def _evidence(c: CriterionSpec, facts: Facts) -> CriterionResult:
    count = facts.evidence_counts.get(c.evidence_kind, 0) if c.evidence_kind else sum(facts.evidence_counts.values())
    label = (c.evidence_kind or "piece of evidence").replace("_", " ")
    is_met = count >= c.at_least
    missing = () if is_met else (f"{_plural(c.at_least - count, 'more ' + label, 'more ' + _plural_label(label))}",)
    return CriterionResult(c, is_met, min(count, c.at_least), c.at_least, f"{count} of {c.at_least} logged",
                           missing=missing)


def _plural_label(label: str) -> str:
    return "pieces of evidence" if label == "piece of evidence" else label + "s"


def _confirmation(c: CriterionSpec, facts: Facts) -> CriterionResult:
    found = facts.confirmations.get(c.code)
    if found is None:
        return CriterionResult(c, False, 0, 1, "Not confirmed yet",
                               missing=("Your employer confirms this item",))
    return CriterionResult(c, True, 1, 1, f"Confirmed by {found.confirmed_by} on {found.confirmed_on:%-d %B %Y}")


def _panel(c: CriterionSpec, facts: Facts) -> CriterionResult:
    panel = facts.panel
    if panel is None:
        return CriterionResult(c, False, 0, 1, "No panel scheduled yet", missing=("A panel decides you are ready",))
    when = f"{panel.scheduled_on:%-d %B %Y}"
    if panel.outcome is None:
        return CriterionResult(c, False, 0, 1, f"Panel scheduled for {when}", missing=("The panel's decision",))
    if panel.outcome == "ready":
        return CriterionResult(c, True, 1, 1, f"Panel on {when}: ready")
    outcome = PANEL_OUTCOME_LABELS[panel.outcome].lower()
    missing = (f"Actions from the panel: {panel.actions}",) if panel.actions else ("A further panel",)
    return CriterionResult(c, False, 0, 1, f"Panel on {when}: {outcome}", missing=missing)


def weekly_hours(facts: Facts, today: date) -> float | None:
    """Contracted hours a week at the pathway's organisation today, from the FTE of current posts."""
    posts = [e for e in facts.employments if e.organisation_id == facts.organisation_id and e.start_on <= today
             and (e.end_on is None or e.end_on >= today)]
    if not posts:
        return None
    return round(min(sum(e.fte for e in posts), 1.0) * facts.full_time_hours, 1)


def _hours(c: CriterionSpec, facts: Facts, today: date) -> CriterionResult:
    """Worked out from the FTE where a post is recorded; an employer confirmation covers the rest."""
    hours = weekly_hours(facts, today)
    confirmed = facts.confirmations.get(c.code)
    wanted = f"{c.at_least_hours:g}"
    if hours is not None and hours >= c.at_least_hours:
        return CriterionResult(c, True, 1, 1, f"{hours:g} hours a week from the FTE of your post "
                                              f"(at least {wanted} needed)")
    if confirmed is not None:
        return CriterionResult(c, True, 1, 1, f"Confirmed by {confirmed.confirmed_by} on "
                                              f"{confirmed.confirmed_on:%-d %B %Y}")
    if hours is None:
        return CriterionResult(c, False, 0, 1, "No current post recorded here",
                               missing=("Your employer records your post or confirms your hours",))
    return CriterionResult(c, False, 0, 1, f"{hours:g} hours a week from the FTE of your post; typically at "
                                           f"least {wanted}",
                           missing=(f"{c.at_least_hours - hours:g} more hours a week, or your employer confirms "
                                    "the arrangement",))


def evaluate_criterion(c: CriterionSpec, facts: Facts, today: date) -> CriterionResult:
    if c.kind is CriterionKind.capabilities:
        return _capabilities(c, facts)
    if c.kind is CriterionKind.months_in_post:
        return _months(c, facts, today)
    if c.kind is CriterionKind.evidence_count:
        return _evidence(c, facts)
    if c.kind is CriterionKind.confirmation:
        return _confirmation(c, facts)
    if c.kind is CriterionKind.hours_worked:
        return _hours(c, facts, today)
    return _panel(c, facts)


def evaluate_step(step: StepSpec, facts: Facts, today: date) -> Readiness:
    """Each criterion of ``step`` met or not yet, with what is missing."""
    return Readiness(step, tuple(evaluate_criterion(c, facts, today) for c in step.criteria))
