"""When things are due: one pure set of functions, no database, no clock.

Rules (the README's "Scheduling" section says the same in prose):

* **Due date** = programme start + ``offset_days / fte`` calendar days. The stretched
  offset is rounded half up to a whole day (91 days at FTE 0.6 is 151.67 -> 152;
  at FTE 0.8, 100 days is 125), so a part-timer's date is never earlier than
  the exact pro-rata day minus half a day, and FTE 1.0 gives the template's own days.
* **Start milestones** (due within the first ``START_WINDOW_DAYS`` = 28 days, such as the
  learning agreement at day 14) belong to the start of the programme, not to the
  amount of practice done, so they are *not* stretched by FTE: day 14 is day 14 at any
  FTE (pauses still move them).
* **Follow-up milestones** (``after_completion``) are anchored to the completion, in
  calendar months: ``months`` = (follow-up day - completion day) read as whole months
  (547 - 365 = 182 days = 6 months). Once the completion is recorded the follow-up is
  due that many calendar months after the recorded completion date; before that, after
  the projected completion (the final review's due date). So it always falls 6 months
  after completion at any FTE, however late the final review was.
* **Pauses** (sickness, parental leave, other) are inclusive date ranges: a pause
  from 2027-02-01 to 2027-03-02 is 30 days. Taking pauses in date order, every pause
  that begins on or before the (already moved) due date moves it later by the
  pause's length; pauses that begin after it leave it alone. Overlapping pauses are
  merged first, so a day is never counted twice. A due date therefore never falls
  inside a pause.
* **State on a given day**: ``done`` once complete; ``not_required`` for an optional
  milestone nobody asked for; ``overdue`` after the due date; ``due_soon`` from
  ``window_days`` before the due date up to and including it; ``upcoming`` before.
* **Supervision cadence**: each rule applies until a programme day (stretched and
  paused like a milestone), so a part-timer's weekly phase covers the same amount of
  practice as a full-timer's (6 weeks at FTE 1.0, 10 weeks at FTE 0.6); the intervals
  themselves stay in calendar time (weekly is weekly at any FTE), so nobody is ever
  supervised less often than the template says. The next supervision is due one interval after the last
  one (or after the start); the interval is the rule of the phase the last session
  fell in; pauses that begin in between push it later. A session later than its due
  date leaves a gap; a due date before today with no session is an overdue gap.
"""
from __future__ import annotations

import calendar
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from competency.preceptorship.specs import CadenceRule


@dataclass(frozen=True, order=True)
class Pause:
    start_on: date
    end_on: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end_on - self.start_on).days + 1


class MilestoneState(enum.Enum):
    upcoming = "upcoming"
    due_soon = "due_soon"
    overdue = "overdue"
    done = "done"
    not_required = "not_required"
    # Not done when the programme ended (withdrawn, or completed before an optional review).
    closed = "closed"


STATE_LABELS = {
    MilestoneState.upcoming: "Upcoming",
    MilestoneState.due_soon: "Due soon",
    MilestoneState.overdue: "Overdue",
    MilestoneState.done: "Done",
    MilestoneState.not_required: "Optional",
    MilestoneState.closed: "Closed",
}


def stretched_days(offset_days: int, fte: float) -> int:
    """``offset_days / fte`` rounded half up to a whole day."""
    if offset_days < 0:
        raise ValueError("offset_days must not be negative")
    fraction = Decimal(str(fte))
    if not Decimal(0) < fraction <= Decimal(1):
        raise ValueError("fte must be more than 0 and at most 1")
    return int((Decimal(offset_days) / fraction).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def merge_pauses(pauses: Iterable[Pause]) -> list[Pause]:
    """Pauses in date order with overlapping or touching ranges joined."""
    merged: list[Pause] = []
    for pause in sorted(pauses):
        if merged and pause.start_on <= merged[-1].end_on + timedelta(days=1):
            last = merged[-1]
            merged[-1] = Pause(last.start_on, max(last.end_on, pause.end_on))
        else:
            merged.append(pause)
    return merged


def shift_past_pauses(day: date, pauses: Iterable[Pause], after: date | None = None) -> date:
    """Move ``day`` later by every pause beginning on or before it (and after ``after``, when given)."""
    for pause in merge_pauses(pauses):
        if after is not None and pause.start_on <= after:
            continue
        if pause.start_on <= day:
            day += timedelta(days=pause.days)
    return day


def due_on(start_on: date, offset_days: int, fte: float = 1.0, pauses: Iterable[Pause] = ()) -> date:
    """The due date of a milestone ``offset_days`` into a programme (see the module docstring)."""
    return shift_past_pauses(start_on + timedelta(days=stretched_days(offset_days, fte)), pauses)


def schedule(start_on: date, offsets: dict[str, int], fte: float = 1.0,
             pauses: Iterable[Pause] = ()) -> dict[str, date]:
    """Plain stretched offsets (:func:`due_on` for each); see :func:`programme_dates` for the template rules."""
    pauses = merge_pauses(pauses)
    return {code: due_on(start_on, offset, fte, pauses) for code, offset in offsets.items()}


# Milestones due within the first four weeks belong to the start and are never stretched.
START_WINDOW_DAYS = 28


@dataclass(frozen=True)
class Timing:
    """What scheduling needs to know about one template milestone."""

    code: str
    due_day: int
    is_after_completion: bool = False
    completes_programme: bool = False


def credited_offset(offset_days: int, credited_days: int) -> int:
    """A milestone's offset once ``credited_days`` are done; start milestones keep theirs."""
    if not credited_days or is_start_milestone(offset_days):
        return offset_days
    return max(offset_days - credited_days, 0)


def is_start_milestone(offset_days: int) -> bool:
    return offset_days <= START_WINDOW_DAYS


def months_after_completion(offset_days: int, completion_offset_days: int) -> int:
    """A follow-up's distance from completion as whole calendar months (182 days -> 6), at least 1."""
    return max(1, round((offset_days - completion_offset_days) * 12 / 365))


def milestone_due_on(start_on: date, offset_days: int, fte: float = 1.0, pauses: Iterable[Pause] = ()) -> date:
    """A milestone before completion: start milestones in calendar days, the rest stretched by FTE."""
    if is_start_milestone(offset_days):
        return shift_past_pauses(start_on + timedelta(days=offset_days), pauses)
    return due_on(start_on, offset_days, fte, pauses)


def programme_dates(start_on: date, timings: Sequence[Timing], fte: float = 1.0, pauses: Iterable[Pause] = (),
                    completed_on: date | None = None, credited_days: int = 0) -> dict[str, date]:
    """Every milestone's due date under the rules in the module docstring.

    ``completed_on`` is the recorded completion; follow-ups are anchored to it (or, before
    it exists, to the completing milestone's due date). ``credited_days`` are full-time
    programme days already done elsewhere (a mid-programme move): later milestones come
    that much sooner, never before the new start.
    """
    pauses = merge_pauses(pauses)
    dates = {t.code: milestone_due_on(start_on, credited_offset(t.due_day, credited_days), fte, pauses)
             for t in timings if not t.is_after_completion}
    final = next((t for t in timings if t.completes_programme), None)
    for timing in timings:
        if not timing.is_after_completion:
            continue
        if final is None:
            dates[timing.code] = due_on(start_on, timing.due_day, fte, pauses)
            continue
        anchor = completed_on or dates[final.code]
        dates[timing.code] = add_months(anchor, months_after_completion(timing.due_day, final.due_day))
    return dates


def due_soon_on(due: date, window_days: int) -> date:
    return due - timedelta(days=window_days)


def milestone_state(due: date, window_days: int, on: date, *, is_done: bool = False,
                    is_required: bool = True) -> MilestoneState:
    if is_done:
        return MilestoneState.done
    if not is_required:
        return MilestoneState.not_required
    if on > due:
        return MilestoneState.overdue
    if on >= due_soon_on(due, window_days):
        return MilestoneState.due_soon
    return MilestoneState.upcoming


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Gap:
    """Supervision was expected by ``expected_by`` but next held on ``held_on`` (None: not yet)."""

    expected_by: date
    held_on: date | None

    def days_late(self, on: date) -> int:
        return ((self.held_on or on) - self.expected_by).days


@dataclass(frozen=True)
class SupervisionCheck:
    next_due_on: date | None
    is_overdue: bool
    gaps: tuple[Gap, ...]
    rule: CadenceRule | None


def _phase_ends(start_on: date, rules: Sequence[CadenceRule], fte: float, pauses: list[Pause],
                credited_days: int = 0) -> list[date | None]:
    return [due_on(start_on, max(rule.until_day - credited_days, 0), fte, pauses) if rule.until_day is not None
            else None for rule in rules]


def _rule_at(day: date, rules: Sequence[CadenceRule], ends: list[date | None]) -> CadenceRule:
    for rule, end in zip(rules, ends):
        if end is None or day < end:
            return rule
    return rules[-1]


def _next_due(prev: date, rule: CadenceRule, pauses: list[Pause]) -> date:
    due = add_months(prev, rule.every_months) if rule.every_months else prev + timedelta(days=rule.every_days or 0)
    return shift_past_pauses(due, pauses, after=prev)


def check_supervision(start_on: date, rules: Sequence[CadenceRule], session_dates: Iterable[date], on: date,
                      *, fte: float = 1.0, pauses: Iterable[Pause] = (), ends_on: date | None = None,
                      credited_days: int = 0) -> SupervisionCheck:
    """Next supervision due and every gap, as seen on day ``on``.

    Only sessions from the start up to ``on`` count. ``ends_on`` (the programme's completion
    or withdrawal) stops the expectation: nothing is due after it. ``credited_days`` done
    elsewhere move the phase changes earlier (a mover does not restart weekly supervision).
    """
    if not rules:
        return SupervisionCheck(None, False, (), None)
    pauses = merge_pauses(pauses)
    ends = _phase_ends(start_on, rules, fte, pauses, credited_days)
    held = sorted({d for d in session_dates if start_on <= d <= on})
    gaps: list[Gap] = []
    prev = start_on
    for session in held:
        expected = _next_due(prev, _rule_at(prev, rules, ends), pauses)
        if session > expected and (ends_on is None or expected <= ends_on):
            gaps.append(Gap(expected, session))
        prev = session
    rule = _rule_at(prev, rules, ends)
    next_due = _next_due(prev, rule, pauses)
    if ends_on is not None and next_due > ends_on:
        return SupervisionCheck(None, False, tuple(gaps), rule)
    is_overdue = next_due < on
    if is_overdue:
        gaps.append(Gap(next_due, None))
    return SupervisionCheck(next_due, is_overdue, tuple(gaps), rule)


def expected_protected_minutes(start_on: date, on: date, *, fte: float, percent: int, full_time_hours: float,
                               pauses: Iterable[Pause] = (), ends_on: date | None = None) -> int:
    """Protected time expected so far: ``percent`` of contracted hours over the unpaused weeks elapsed."""
    until = min(on, ends_on) if ends_on else on
    if until < start_on:
        return 0
    days = (until - start_on).days + 1
    for pause in merge_pauses(pauses):
        overlap_start, overlap_end = max(pause.start_on, start_on), min(pause.end_on, until)
        if overlap_end >= overlap_start:
            days -= (overlap_end - overlap_start).days + 1
    weekly_minutes = Decimal(str(full_time_hours)) * 60 * Decimal(str(fte)) * Decimal(percent) / 100
    return int((weekly_minutes * Decimal(days) / 7).quantize(Decimal(1), rounding=ROUND_HALF_UP))
