"""Issue 16.5: follow-up anchored to the recorded completion, the learning agreement at the start,
supervision phases for part-timers. Each test fails on the old pro-rata-from-the-start rule."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from competency.preceptorship.catalogue import shipped_specs
from competency.preceptorship.scheduling import (
    Pause,
    Timing,
    add_months,
    check_supervision,
    months_after_completion,
    programme_dates,
)
from competency.preceptorship.specs import CadenceRule
from tests.unit.preceptorship.conftest import START
from tests.unit.preceptorship.test_reviews import sign_as_everyone, write

AHP = next(spec for spec in shipped_specs() if spec.slug == "ahp-preceptorship")
TIMINGS = [Timing(m.code, m.due_day, m.is_after_completion, m.completes_programme) for m in AHP.milestones]


def months_between(earlier: date, later: date) -> float:
    return (later - earlier).days / (365 / 12)


class TestFollowUpAfterTheRecordedCompletion:
    @pytest.mark.parametrize("fte", [1.0, 0.6, 0.4])
    @pytest.mark.parametrize("late_days", [0, 40])
    def test_follow_up_falls_six_to_twelve_months_after_the_completion_at_any_fte(self, enrol, team, fte,
                                                                                   late_days):
        enrolment = enrol(fte=fte)
        final = enrolment.milestone("final_review")
        completed_on = final.due_on + timedelta(days=late_days)  # a late final review pulls nothing forward
        write(final, team)
        sign_as_everyone(final, team, on=completed_on)
        assert enrolment.completed_on == completed_on
        follow_up = enrolment.milestone("follow_up").due_on
        assert follow_up == add_months(completed_on, 6)
        assert 6 <= round(months_between(completed_on, follow_up), 1) <= 12

    def test_before_completion_the_follow_up_is_six_months_after_the_projected_completion(self):
        for fte in (1.0, 0.6, 0.4):
            dates = programme_dates(START, TIMINGS, fte)
            assert dates["follow_up"] == add_months(dates["final_review"], 6)
        # The old rule gave start + 547 / 0.4 days: 15 months after completion at 0.4 FTE.
        assert (programme_dates(START, TIMINGS, 0.4)["follow_up"] - START).days != round(547 / 0.4)

    def test_the_follow_up_distance_is_read_from_the_template_in_whole_months(self):
        assert months_after_completion(547, 365) == 6
        assert months_after_completion(365 + 365, 365) == 12


class TestTheLearningAgreementBelongsToTheStart:
    @pytest.mark.parametrize("fte", [1.0, 0.8, 0.5, 0.4])
    def test_day_14_is_day_14_at_any_fte(self, fte):
        assert programme_dates(START, TIMINGS, fte)["learning_agreement"] == START + timedelta(days=14)

    def test_a_pause_still_moves_it(self):
        pause = Pause(START + timedelta(days=3), START + timedelta(days=12))
        assert programme_dates(START, TIMINGS, 0.5, [pause])["learning_agreement"] == START + timedelta(days=24)

    def test_reviews_still_stretch(self):
        assert (programme_dates(START, TIMINGS, 0.6)["review_3m"] - START).days == 152

    def test_an_enrolment_at_half_time_stores_the_start_date(self, enrol):
        enrolment = enrol(fte=0.5)
        assert enrolment.milestone("learning_agreement").due_on == date(2027, 1, 18)


class TestPartTimeSupervision:
    """Decision: phases cover the same amount of practice (stretched); intervals stay in calendar time."""

    RULES = (CadenceRule(42, every_days=7), CadenceRule(182, every_days=14), CadenceRule(None, every_months=1))

    def test_a_part_timer_is_supervised_weekly_for_the_stretched_first_phase(self):
        # At 0.6 FTE the weekly phase lasts 70 days (42 / 0.6); sessions every 7 days keep it clear.
        sessions = [START + timedelta(days=7 * k) for k in range(1, 10)]
        check = check_supervision(START, self.RULES, sessions, START + timedelta(days=64), fte=0.6)
        assert check.gaps == () and check.rule.every_days == 7
        assert check.next_due_on == sessions[-1] + timedelta(days=7)

    def test_after_the_stretched_phase_the_interval_is_fortnightly(self):
        sessions = [START + timedelta(days=7 * k) for k in range(1, 11)]  # last on day 70
        check = check_supervision(START, self.RULES, sessions, START + timedelta(days=71), fte=0.6)
        assert check.rule.every_days == 14
