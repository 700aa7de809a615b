"""Off-the-job hours against the pro-rata plan, and the progress review schedule."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from competency.progression.offthejob import OtjStatus, expected_hours, otj_progress, review_due_dates

START = date(2025, 1, 6)
END = START + timedelta(weeks=200)  # a 200-week programme: the plan is 2 hours a week
PLANNED = 400


class TestProRataPlan:
    def test_plan_expects_nothing_before_the_start_and_everything_at_the_end(self):
        assert expected_hours(Decimal(PLANNED), START, END, START - timedelta(days=3)) == 0
        assert expected_hours(Decimal(PLANNED), START, END, END) == PLANNED
        assert expected_hours(Decimal(PLANNED), START, END, END + timedelta(days=40)) == PLANNED

    def test_plan_grows_evenly(self):
        assert expected_hours(Decimal(PLANNED), START, END, START + timedelta(weeks=50)) == 100


class TestBehindAndCatchUp:
    def test_a_log_below_the_plan_is_behind_with_hours_per_week_to_catch_up(self):
        today = START + timedelta(weeks=100)  # plan expects 200 hours by now
        entries = [(START + timedelta(weeks=w), Decimal("1.5")) for w in range(100)]  # 150 hours
        progress = otj_progress(PLANNED, START, END, entries, today)
        assert progress.status is OtjStatus.behind
        assert progress.logged_hours == 150
        assert progress.expected_hours == 200
        assert progress.hours_behind == 50
        assert progress.plan_per_week == 2
        # 250 hours still to log over the 100 weeks left
        assert progress.catch_up_per_week == Decimal("2.5")

    def test_catch_up_rounds_up_so_following_it_reaches_the_plan(self):
        today = START + timedelta(weeks=197)  # three weeks left
        progress = otj_progress(PLANNED, START, END, [(START, Decimal(390))], today)
        assert progress.status is OtjStatus.behind
        assert progress.catch_up_per_week == Decimal("3.4")  # 10 / 3 = 3.33..., rounded up

    def test_even_a_small_shortfall_is_behind(self):
        today = START + timedelta(weeks=10)
        progress = otj_progress(PLANNED, START, END, [(START, Decimal("19.5"))], today)
        assert progress.status is OtjStatus.behind
        assert progress.hours_behind == Decimal("0.5")

    def test_at_or_above_the_plan_is_on_track(self):
        today = START + timedelta(weeks=10)
        assert otj_progress(PLANNED, START, END, [(START, Decimal(20))], today).status is OtjStatus.on_track
        assert otj_progress(PLANNED, START, END, [(START, Decimal(35))], today).status is OtjStatus.on_track
        assert otj_progress(PLANNED, START, END, [(START, Decimal(20))], today).catch_up_per_week is None

    def test_future_entries_do_not_count(self):
        today = START + timedelta(weeks=10)
        progress = otj_progress(PLANNED, START, END, [(today + timedelta(days=1), Decimal(40))], today)
        assert progress.logged_hours == 0
        assert progress.status is OtjStatus.behind

    def test_past_the_planned_end_there_is_no_weekly_figure(self):
        progress = otj_progress(PLANNED, START, END, [(START, Decimal(300))], END + timedelta(days=7))
        assert progress.status is OtjStatus.behind
        assert progress.catch_up_per_week is None
        assert progress.hours_remaining == 100

    def test_complete_and_not_started(self):
        assert otj_progress(PLANNED, START, END, [(START, Decimal(400))], START + timedelta(weeks=5)).status \
            is OtjStatus.complete
        assert otj_progress(PLANNED, START, END, [], START - timedelta(days=1)).status is OtjStatus.not_started


class TestReviewSchedule:
    def test_reviews_at_most_twelve_weeks_apart_ending_at_the_planned_end(self):
        end = START + timedelta(days=4 * 365)
        due = review_due_dates(START, end)
        assert due[-1] == end
        gaps = [(b - a).days for a, b in zip([START, *due], due)]
        assert max(gaps) <= 84
        assert len(due) == 18

    def test_a_short_programme_still_has_four_reviews(self):
        due = review_due_dates(START, START + timedelta(days=120))
        assert len(due) == 4
        assert due == sorted(set(due))
