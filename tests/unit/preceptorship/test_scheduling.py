"""The one scheduling function: the issue's exact dates, FTE, pauses, states and supervision cadence."""
from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from competency.preceptorship.catalogue import shipped_specs
from competency.preceptorship.scheduling import (
    Gap,
    MilestoneState,
    Pause,
    add_months,
    check_supervision,
    due_on,
    expected_protected_minutes,
    milestone_state,
    schedule,
    stretched_days,
)
from competency.preceptorship.specs import CadenceRule

START = date(2027, 1, 4)
AHP = next(spec for spec in shipped_specs() if spec.slug == "ahp-preceptorship")
OFFSETS = {m.code: m.due_day for m in AHP.milestones}
FEBRUARY_PAUSE = Pause(date(2027, 2, 1), date(2027, 3, 2))
ASYE_CADENCE = (CadenceRule(42, every_days=7), CadenceRule(182, every_days=14), CadenceRule(None, every_months=1))


class TestTheAhpTemplateDates:
    def test_full_time_dates_are_the_ones_the_issue_gives(self):
        dates = schedule(START, OFFSETS, 1.0)
        assert dates["learning_agreement"] == date(2027, 1, 18)
        assert dates["review_3m"] == date(2027, 4, 5)
        assert dates["review_6m"] == date(2027, 7, 5)
        assert dates["final_review"] == date(2028, 1, 4)

    def test_half_time_doubles_every_offset(self):
        full, half = schedule(START, OFFSETS, 1.0), schedule(START, OFFSETS, 0.5)
        for code, offset in OFFSETS.items():
            assert (half[code] - START).days == 2 * offset == 2 * (full[code] - START).days

    def test_a_thirty_day_pause_moves_every_later_date_by_thirty_days_and_no_earlier_one(self):
        assert FEBRUARY_PAUSE.days == 30  # end_on is inclusive
        before, after = schedule(START, OFFSETS), schedule(START, OFFSETS, pauses=[FEBRUARY_PAUSE])
        assert after["learning_agreement"] == before["learning_agreement"] == date(2027, 1, 18)
        for code in ("review_3m", "review_6m", "review_9m", "final_review", "follow_up"):
            assert after[code] - before[code] == timedelta(days=30)
        assert after["review_3m"] == date(2027, 5, 5)


class TestRounding:
    def test_part_time_offsets_round_half_up_to_whole_days(self):
        assert stretched_days(91, 0.6) == 152  # 151.67
        assert stretched_days(14, 0.8) == 18  # 17.5
        assert stretched_days(14, 1.0) == 14

    def test_fte_outside_zero_to_one_is_refused(self):
        for bad in (0, -0.5, 1.01):
            try:
                stretched_days(10, bad)
            except ValueError:
                continue
            raise AssertionError(f"fte {bad} accepted")


class TestStates:
    def test_due_soon_from_the_window_until_the_due_date_then_overdue(self):
        due = date(2027, 4, 5)
        assert milestone_state(due, 14, date(2027, 3, 21)) == MilestoneState.upcoming
        assert milestone_state(due, 14, date(2027, 3, 22)) == MilestoneState.due_soon
        assert milestone_state(due, 14, due) == MilestoneState.due_soon
        assert milestone_state(due, 14, date(2027, 4, 6)) == MilestoneState.overdue
        assert milestone_state(due, 14, date(2027, 4, 6), is_done=True) == MilestoneState.done
        assert milestone_state(due, 14, date(2027, 4, 6), is_required=False) == MilestoneState.not_required


class TestSupervisionCadence:
    def test_supervision_only_in_weeks_one_to_three_leaves_week_four_overdue(self):
        sessions = [date(2027, 1, 5), date(2027, 1, 12), date(2027, 1, 19)]
        check = check_supervision(START, ASYE_CADENCE, sessions, date(2027, 1, 28))
        assert check.next_due_on == date(2027, 1, 26)
        assert check.is_overdue
        assert check.gaps == (Gap(date(2027, 1, 26), None),)

    def test_weekly_sessions_leave_no_gap(self):
        sessions = [START + timedelta(days=7 * week) for week in range(1, 4)]
        check = check_supervision(START, ASYE_CADENCE, sessions, date(2027, 1, 28))
        assert not check.is_overdue and check.gaps == ()
        assert check.next_due_on == date(2027, 2, 1)

    def test_after_day_182_monthly_is_enough(self):
        day_182 = START + timedelta(days=182)
        sessions = [START + timedelta(days=d) for d in range(7, 43, 7)]
        sessions += [START + timedelta(days=d) for d in range(56, 183, 14)]
        sessions += [add_months(day_182, months) for months in range(1, 6)]
        on = add_months(day_182, 5) + timedelta(days=20)
        check = check_supervision(START, ASYE_CADENCE, sessions, on)
        assert check.gaps == ()
        assert check.rule == ASYE_CADENCE[2]
        assert check.next_due_on == add_months(day_182, 6)

    def test_monthly_is_not_enough_in_the_fortnightly_phase(self):
        sessions = [START + timedelta(days=d) for d in range(7, 43, 7)] + [START + timedelta(days=72)]
        check = check_supervision(START, ASYE_CADENCE, sessions, START + timedelta(days=80))
        assert Gap(START + timedelta(days=56), START + timedelta(days=72)) in check.gaps

    def test_a_pause_suspends_the_cadence(self):
        sessions = [date(2027, 1, 26)]
        check = check_supervision(START, ASYE_CADENCE, sessions, date(2027, 2, 20), pauses=[FEBRUARY_PAUSE])
        assert check.next_due_on == date(2027, 3, 4)  # 2 Feb + 30 paused days
        assert not check.is_overdue

    def test_nothing_is_due_after_the_programme_ends(self):
        check = check_supervision(START, ASYE_CADENCE, [date(2027, 1, 8)], date(2027, 3, 1),
                                  ends_on=date(2027, 1, 10))
        assert check.next_due_on is None and not check.is_overdue


def test_protected_time_expected_is_the_share_of_contracted_hours_over_unpaused_days():
    # 10% of 37.5 hours is 225 minutes a week; four weeks -> 900 minutes; half time -> 450.
    assert expected_protected_minutes(START, START + timedelta(days=27), fte=1.0, percent=10,
                                      full_time_hours=37.5) == 900
    assert expected_protected_minutes(START, START + timedelta(days=27), fte=0.5, percent=10,
                                      full_time_hours=37.5) == 450
    paused = expected_protected_minutes(START, date(2027, 3, 31), fte=1.0, percent=10, full_time_hours=37.5,
                                        pauses=[FEBRUARY_PAUSE])
    assert paused == expected_protected_minutes(START, date(2027, 3, 1), fte=1.0, percent=10, full_time_hours=37.5)


# --- properties ------------------------------------------------------------------------------

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
offsets = st.integers(min_value=0, max_value=800)
ftes = st.integers(min_value=1, max_value=100).map(lambda n: n / 100)


@st.composite
def pause_lists(draw, start=START):
    result = []
    for _ in range(draw(st.integers(0, 4))):
        begin = start + timedelta(days=draw(st.integers(0, 900)))
        result.append(Pause(begin, begin + timedelta(days=draw(st.integers(0, 120)))))
    return result


@settings(max_examples=100, deadline=None)
@given(start=days, a=offsets, b=offsets, fte=ftes, pauses=pause_lists())
def test_later_offsets_are_never_due_earlier(start, a, b, fte, pauses):
    low, high = sorted((a, b))
    assert due_on(start, low, fte, pauses) <= due_on(start, high, fte, pauses)


@settings(max_examples=100, deadline=None)
@given(offset=offsets, a=ftes, b=ftes, pauses=pause_lists())
def test_a_lower_fte_is_never_due_earlier(offset, a, b, pauses):
    low, high = sorted((a, b))
    assert due_on(START, offset, low, pauses) >= due_on(START, offset, high, pauses)


@settings(max_examples=100, deadline=None)
@given(offset=offsets, fte=ftes, pauses=pause_lists(), extra=pause_lists())
def test_adding_pauses_never_makes_anything_earlier(offset, fte, pauses, extra):
    assert due_on(START, offset, fte, pauses + extra) >= due_on(START, offset, fte, pauses)


@settings(max_examples=100, deadline=None)
@given(offset=offsets, fte=ftes, begin=st.integers(0, 900), length=st.integers(1, 200))
def test_one_pause_moves_a_date_by_its_length_exactly_when_it_begins_on_or_before_it(offset, fte, begin, length):
    pause = Pause(START + timedelta(days=begin), START + timedelta(days=begin + length - 1))
    plain = due_on(START, offset, fte)
    moved = due_on(START, offset, fte, [pause])
    assert pause.days == length
    if pause.start_on <= plain:
        assert moved == plain + timedelta(days=length)
        assert not pause.start_on <= moved <= pause.end_on  # never lands inside the pause
    else:
        assert moved == plain


@settings(max_examples=100, deadline=None)
@given(offset=offsets, fte=ftes, pauses=pause_lists())
def test_the_shift_is_exactly_the_paused_days_up_to_the_new_date(offset, fte, pauses):
    plain = due_on(START, offset, fte)
    moved = due_on(START, offset, fte, pauses)
    paused_days = {pause.start_on + timedelta(days=i) for pause in pauses for i in range(pause.days)}
    assert moved not in paused_days
    assert (moved - plain).days == sum(1 for day in paused_days if day <= moved)


@settings(max_examples=100, deadline=None)
@given(a=days, months=st.integers(0, 36))
def test_add_months_keeps_the_day_or_clamps_to_the_month_end(a, months):
    moved = add_months(a, months)
    assert (moved.year * 12 + moved.month) - (a.year * 12 + a.month) == months
    assert moved.day == a.day or moved.day < a.day and (moved + timedelta(days=1)).day == 1
