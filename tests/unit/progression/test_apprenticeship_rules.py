"""Issue 16.6: apprenticeships under the current England rules. Each test fails on the old code (20% of hours
spread evenly, 12-month thinking with no minimum checked, a manual "30 hours" tick, no hours item on the
assistant practitioner route)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from competency.errors import DomainError, PermissionDenied
from competency.extensions import db
from competency.progression import apprenticeships, queries
from competency.progression.catalogue import catalogue
from competency.progression.offthejob import OtjStatus, otj_progress, planned_by
from competency.progression.readiness import add_months
from competency.progression.specs import CriterionKind
from tests.unit.progression.scenario import OTA_PATHWAY, ota_world, ready_for_apprenticeship

TODAY = date(2026, 11, 23)
ST0517 = "Occupational therapist (degree) ST0517"


def start(world, **overrides):
    values = dict(provider="University of the South Coast", standard=ST0517, start_on=TODAY,
                  planned_end_on=TODAY + timedelta(days=4 * 365), planned_otj_hours=1200, by=world.lead, today=TODAY)
    values.update(overrides)
    return apprenticeships.start_apprenticeship(world.record, **values)


class TestTheData:
    def test_the_standard_has_a_published_minimum_of_hours_not_a_percentage(self):
        spec = catalogue().get(OTA_PATHWAY).stage("degree_apprentice").apprenticeship
        assert spec.otj_minimum_hours == 1160 and spec.otj_percent is None and spec.minimum_months == 8

    def test_the_earlier_version_keeps_its_twenty_percent(self):
        spec = catalogue().get(OTA_PATHWAY, "1.0.0").stage("degree_apprentice").apprenticeship
        assert spec.otj_percent == 20 and spec.otj_minimum_hours is None

    @pytest.mark.parametrize("step", ["ota_to_apprenticeship", "assistant_practitioner_to_apprenticeship"])
    def test_every_route_into_the_apprenticeship_asks_about_hours_worked(self, step):
        criterion = catalogue().get(OTA_PATHWAY).step(step).criterion("hours_worked")
        assert criterion is not None and criterion.kind is CriterionKind.hours_worked
        assert criterion.at_least_hours == 30


class TestStarting:
    def test_an_apprenticeship_lasts_at_least_eight_months(self, db):
        world = ota_world(TODAY)
        ready_for_apprenticeship(world, TODAY)
        with pytest.raises(DomainError, match="at least 8 months") as excinfo:
            start(world, planned_end_on=add_months(TODAY, 8) - timedelta(days=1))
        assert excinfo.value.field == "planned_end_on"
        assert start(world, planned_end_on=add_months(TODAY, 8)).planned_end_on == add_months(TODAY, 8)

    def test_planned_hours_meet_the_standards_minimum(self, db):
        world = ota_world(TODAY)
        ready_for_apprenticeship(world, TODAY)
        with pytest.raises(DomainError, match="minimum of 1,160") as excinfo:
            start(world, planned_otj_hours=1000)
        assert excinfo.value.field == "planned_otj_hours"
        apprenticeship = start(world, planned_otj_hours=1160)
        assert apprenticeship.otj_minimum_hours == 1160
        (block,) = apprenticeship.plan_blocks  # the schedule starts as one regular block the lead can reshape
        assert (block.starts_on, block.ends_on, block.hours) == (TODAY, apprenticeship.planned_end_on, 1160)


class TestPlannedAgainstLogged:
    START = date(2026, 9, 7)
    END = date(2029, 9, 6)
    # Two university teaching blocks, then regular study time.
    BLOCKS = [(date(2026, 9, 7), date(2026, 9, 25), Decimal(105)), (date(2027, 1, 4), date(2027, 1, 22), Decimal(105)),
              (date(2027, 2, 1), date(2029, 9, 6), Decimal(990))]

    def test_a_log_that_follows_the_university_blocks_is_on_track(self):
        entries = [(date(2026, 9, 7) + timedelta(days=d), Decimal(7)) for d in range(15)]  # 105 hours in the block
        on = date(2026, 12, 15)
        with_blocks = otj_progress(1200, self.START, self.END, entries, on, blocks=self.BLOCKS)
        assert with_blocks.status is OtjStatus.on_track and with_blocks.expected_hours == 105
        # The old even spread expected 108.5 hours by then and called the same log behind.
        even = otj_progress(1200, self.START, self.END, entries, on)
        assert even.status is OtjStatus.behind and even.expected_hours == Decimal("108.5")
        # After the January block has run, the plan expects both blocks.
        january = otj_progress(1200, self.START, self.END, entries, date(2027, 1, 23), blocks=self.BLOCKS)
        assert january.status is OtjStatus.behind and january.expected_hours == 210

    def test_the_even_spread_misfires_after_a_block(self):
        entries = [(date(2026, 9, 7) + timedelta(days=d), Decimal(7)) for d in range(15)]
        late_september = date(2026, 9, 26)
        assert otj_progress(1200, self.START, self.END, entries, late_september, blocks=self.BLOCKS).status \
            is OtjStatus.on_track
        # ...and between blocks nothing more is expected, however many weeks pass.
        assert planned_by(self.BLOCKS, date(2026, 12, 31)) == planned_by(self.BLOCKS, date(2026, 9, 25)) == 105

    def test_a_lead_adds_and_removes_blocks_and_the_apprentice_cannot(self, db):
        world = ota_world(TODAY)
        ready_for_apprenticeship(world, TODAY)
        apprenticeship = start(world)
        with pytest.raises(PermissionDenied):
            apprenticeships.add_plan_block(apprenticeship, label="Block", starts_on=TODAY, ends_on=TODAY, hours=7,
                                           by=world.ota)
        with pytest.raises(DomainError) as excinfo:
            apprenticeships.add_plan_block(apprenticeship, label="Block", starts_on=TODAY - timedelta(days=30),
                                           ends_on=TODAY, hours=7, by=world.lead)
        assert excinfo.value.field == "starts_on"
        for bad, field in ((dict(hours="lots"), "hours"), (dict(hours=-1), "hours"), (dict(label=" "), "label"),
                           (dict(ends_on=TODAY - timedelta(days=1)), "ends_on")):
            values = dict(label="University block", starts_on=TODAY, ends_on=TODAY + timedelta(days=13), hours=70)
            values.update(bad)
            with pytest.raises(DomainError) as excinfo:
                apprenticeships.add_plan_block(apprenticeship, by=world.lead, **values)
            assert excinfo.value.field == field
        (regular,) = apprenticeship.plan_blocks
        apprenticeships.remove_plan_block(regular, by=world.lead)
        apprenticeships.add_plan_block(apprenticeship, label="University block", starts_on=TODAY,
                                       ends_on=TODAY + timedelta(days=13), hours=70, by=world.lead)
        db.session.expire_all()
        otj = queries.apprenticeship_otj(queries.apprenticeship_detail(apprenticeship.id), TODAY + timedelta(days=13))
        assert otj.expected_hours == 70 and otj.status is OtjStatus.behind


class TestHoursWorkedFromFte:
    def test_a_part_time_post_under_thirty_hours_is_not_met_until_the_employer_confirms(self, db):
        from competency.progression import services

        world = ota_world(TODAY)
        world.ota.employments[0].fte = 0.6
        db.session.flush()
        result = queries.progress_of(world.record, TODAY).readiness.result("hours_worked")
        assert not result.is_met and result.summary.startswith("22.5 hours a week")
        services.confirm_item(world.record, "hours_worked", note="Compressed hours agreed with the university",
                              by=world.lead)
        assert queries.progress_of(world.record, TODAY).readiness.result("hours_worked").is_met

    def test_the_organisations_full_time_week_is_used(self, db):
        world = ota_world(TODAY)
        world.ota.employments[0].fte = 0.8
        world.council.settings = {"full_time_hours": 40}
        db.session.flush()
        result = queries.progress_of(world.record, TODAY).readiness.result("hours_worked")
        assert result.is_met and result.summary.startswith("32 hours a week")
