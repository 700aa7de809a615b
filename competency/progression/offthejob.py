"""Off-the-job training hours against the planned schedule, and the progress review schedule.

Current England rules (starts from August 2025) set a minimum of off-the-job hours for
each standard and no longer ask for them to be spread evenly: university blocks,
placements and regular study time come when they come. So the plan is a list of
*blocks*, each (first day, last day, hours); by a given day the plan expects every
finished block's hours and the share of a running block's hours for the days gone
(inclusive). A log below that is *behind*; the catch-up figure is the hours still to
log divided by the weeks left until the planned end. With no blocks recorded (records
from before blocks existed) the whole programme is one regular block, as before.
"""
from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

TENTH = Decimal("0.1")
# Apprentices have a progress review at least every twelve weeks, and at least four in all.
REVIEW_INTERVAL_DAYS = 84
MINIMUM_REVIEWS = 4


class OtjStatus(enum.Enum):
    not_started = "not_started"
    on_track = "on_track"
    behind = "behind"
    complete = "complete"


OTJ_STATUS_LABELS = {
    OtjStatus.not_started: "Not started",
    OtjStatus.on_track: "On track",
    OtjStatus.behind: "Behind",
    OtjStatus.complete: "Complete",
}


def _tenth(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class OtjProgress:
    today: date
    planned_hours: Decimal
    logged_hours: Decimal
    expected_hours: Decimal      # what the pro-rata plan expects by today
    plan_per_week: Decimal       # planned hours spread evenly over the programme
    weeks_remaining: Decimal
    status: OtjStatus
    # Hours a week from today to the planned end that would reach the plan (behind only;
    # None once the planned end has passed).
    catch_up_per_week: Decimal | None = None

    @property
    def hours_behind(self) -> Decimal:
        return max(Decimal(0), self.expected_hours - self.logged_hours)

    @property
    def hours_remaining(self) -> Decimal:
        return max(Decimal(0), self.planned_hours - self.logged_hours)

    @property
    def percent_logged(self) -> int:
        if not self.planned_hours:
            return 100
        return min(100, int(self.logged_hours * 100 / self.planned_hours))

    @property
    def is_behind(self) -> bool:
        return self.status is OtjStatus.behind

    @property
    def status_label(self) -> str:
        return OTJ_STATUS_LABELS[self.status]


def expected_hours(planned_hours: Decimal, start_on: date, planned_end_on: date, today: date) -> Decimal:
    """The hours one regular block from start to planned end expects by ``today`` (0 before, all from the end)."""
    total_days = (planned_end_on - start_on).days
    if total_days <= 0:
        return Decimal(planned_hours)
    elapsed = min(max((today - start_on).days, 0), total_days)
    return _tenth(Decimal(planned_hours) * elapsed / total_days)


def planned_by(blocks: Iterable[tuple[date, date, Decimal]], today: date) -> Decimal:
    """Hours the block plan expects by the end of ``today``: finished blocks whole, running ones pro rata by day."""
    total = Decimal(0)
    for first, last, hours in blocks:
        if today < first:
            continue
        days = (last - first).days + 1
        done = min((today - first).days + 1, days)
        total += Decimal(str(hours)) * done / days
    return _tenth(total)


def otj_progress(planned_hours: Decimal | int | float, start_on: date, planned_end_on: date,
                 entries: Iterable[tuple[date, Decimal]], today: date,
                 blocks: Iterable[tuple[date, date, Decimal]] | None = None) -> OtjProgress:
    """Running total against the plan. ``entries`` are (date, hours); future ones are ignored.

    ``blocks`` is the planned schedule (see the module docstring); None or empty means one
    regular block over the whole programme.
    """
    planned = _tenth(Decimal(str(planned_hours)))
    logged = _tenth(sum((Decimal(str(hours)) for on, hours in entries if on <= today), Decimal(0)))
    blocks = list(blocks or [])
    expected = planned_by(blocks, today) if blocks else expected_hours(planned, start_on, planned_end_on, today)
    total_weeks = Decimal(max((planned_end_on - start_on).days, 1)) / 7
    weeks_left = Decimal(max((planned_end_on - today).days, 0)) / 7
    plan_per_week = _tenth(planned / total_weeks)
    catch_up = None
    if today < start_on:
        status = OtjStatus.not_started
    elif logged >= planned:
        status = OtjStatus.complete
    elif logged < expected:
        status = OtjStatus.behind
        if weeks_left > 0:
            catch_up = ((planned - logged) / weeks_left).quantize(TENTH, rounding=ROUND_CEILING)
    else:
        status = OtjStatus.on_track
    return OtjProgress(today=today, planned_hours=planned, logged_hours=logged, expected_hours=expected,
                       plan_per_week=plan_per_week, weeks_remaining=_tenth(weeks_left), status=status,
                       catch_up_per_week=catch_up)


def review_due_dates(start_on: date, planned_end_on: date, *, interval_days: int = REVIEW_INTERVAL_DAYS,
                     minimum: int = MINIMUM_REVIEWS) -> list[date]:
    """Evenly spaced progress reviews, no more than ``interval_days`` apart, at least ``minimum``.

    The last review falls on the planned end date.
    """
    total_days = max((planned_end_on - start_on).days, minimum)
    count = max(minimum, math.ceil(total_days / interval_days))
    return [start_on + timedelta(days=round(total_days * k / count)) for k in range(1, count + 1)]
