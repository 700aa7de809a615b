"""The aggregate queries give the figures a lead would work out by hand, on SQLite and PostgreSQL alike."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from competency.extensions import db
from competency.preceptorship.models import PauseReason
from competency.preceptorship.services import record_pause
from competency.reporting import queries
from competency.signoff.models import RequestState, SignOffRequest
from tests.evidence_support import make_framework
from tests.factories import OrganisationFactory, make_person
from tests.programmes_support import enrol_on, make_team

NOW = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)


def decided_request(org, practitioner, assessor, version, capability, days: float, *, state=RequestState.signed,
                    asked: datetime | None = None):
    asked = asked or NOW - timedelta(days=30)
    request = SignOffRequest(practitioner_id=practitioner.id, assessor_id=assessor.id, organisation_id=org.id,
                             capability_uuid=capability.uuid, framework_version_id=version.id, state=state,
                             closed_at=asked + timedelta(days=days) if state != RequestState.pending else None,
                             created_at=asked)
    db.session.add(request)
    return request


@pytest.fixture
def people(db):
    org = OrganisationFactory()
    other = OrganisationFactory()
    version = make_framework(per_cell=3)
    return org, other, make_person("practitioner", org), make_person("preceptor", org), version


class TestTurnaround:
    def test_median_and_90th_percentile_interpolate_between_decisions(self, people):
        org, other, practitioner, preceptor, version = people
        for capability, days in zip(version.capabilities, [1, 2, 3, 4, 10]):
            decided_request(org, practitioner, preceptor, version, capability, days)
        # Returned requests count too; withdrawn and pending ones are not decisions.
        decided_request(org, practitioner, preceptor, version, version.capabilities[5], 3,
                        state=RequestState.returned)
        decided_request(org, practitioner, preceptor, version, version.capabilities[6], 50,
                        state=RequestState.withdrawn)
        decided_request(org, practitioner, preceptor, version, version.capabilities[7], 0, state=RequestState.pending)
        db.session.flush()
        spreads = queries.turnaround([org.id, other.id], NOW.date())
        spread = spreads[org.id]
        assert spread.count == 6
        # Sorted: 1, 2, 3, 3, 4, 10. Median between the 3s; 90th percentile at 0.9 * 5 = 4.5 -> 4 + 0.5 * 6.
        assert spread.median == pytest.approx(3.0)
        assert spread.p90 == pytest.approx(7.0)
        assert other.id not in spreads
        assert spreads[None].count == 6 and spreads[None].median == pytest.approx(3.0)

    def test_only_requests_made_in_the_last_three_months_count(self, people):
        org, _, practitioner, preceptor, version = people
        decided_request(org, practitioner, preceptor, version, version.capabilities[0], 2)
        decided_request(org, practitioner, preceptor, version, version.capabilities[1], 90,
                        asked=NOW - timedelta(days=120))
        db.session.flush()
        assert queries.turnaround([org.id], NOW.date())[org.id].count == 1

    def test_waiting_requests_fall_into_bands_by_age(self, people):
        org, _, practitioner, preceptor, version = people
        for capability, age in zip(version.capabilities, [1, 6, 10, 20, 40, 90]):
            decided_request(org, practitioner, preceptor, version, capability, 0, state=RequestState.pending,
                            asked=NOW - timedelta(days=age))
        db.session.flush()
        bands = {band: n for _, band, n in queries.waiting_by_band([org.id], NOW)}
        assert bands == {0: 2, 1: 1, 2: 1, 3: 2}
        oldest = queries.oldest_waiting([org.id], limit=2)
        assert [(NOW - w.requested_at).days for w in oldest] == [90, 40]
        assert oldest[0].practitioner_name == practitioner.display_name


class TestPreceptorship:
    START = date(2027, 1, 4)

    def test_states_follow_the_review_windows_and_pauses(self, db):
        team = make_team()
        enrolment = enrol_on(team)
        org = [team.org.id]

        def state_on(day):
            return {state: n for _, state, n in queries.preceptorship_states(org, day)}

        assert state_on(self.START + timedelta(days=1)) == {"on_track": 1}
        assert state_on(date(2027, 1, 12)) == {"overdue": 1}    # no supervision yet: the first one is late
        from competency.preceptorship.logs import record_supervision
        record_supervision(enrolment, held_on=date(2027, 1, 8), minutes=60, by=team.preceptor, on=date(2027, 1, 8))
        assert state_on(date(2027, 1, 12)) == {"due_soon": 1}   # learning agreement due 18 Jan, window 7 days
        assert state_on(date(2027, 1, 25)) == {"overdue": 1}
        record_pause(enrolment, start_on=date(2027, 1, 20), end_on=date(2027, 2, 20), reason=PauseReason.sickness,
                     by=team.lead, on=date(2027, 1, 20))
        assert state_on(date(2027, 1, 25)) == {"paused": 1}

    def test_completion_times_are_counted_from_programme_start(self, db):
        team = make_team()
        enrolment = enrol_on(team)
        enrolment.status = enrolment.status.completed
        enrolment.completed_on = self.START + timedelta(days=380)
        db.session.flush()
        spread = queries.completion_times([team.org.id])[team.org.id]
        assert spread.count == 1 and spread.median == pytest.approx(380)


def test_workforce_counts_current_posts_only(db):
    org = OrganisationFactory()
    make_person("practitioner", org, level_code="support", profession="Therapy support worker")
    make_person("practitioner", org, level_code="support", profession="Therapy support worker")
    person = make_person("practitioner", org, level_code="registered")
    person.is_active_account = False
    db.session.flush()
    rows = queries.workforce([org.id], date.today())
    assert rows == [(org.id, "support", "Therapy support worker", 2)]
