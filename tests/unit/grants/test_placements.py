"""Placements: the host's assessors stand as for employees, for the placement's dates only (DESIGN.md rule 1)."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from competency.audit.models import AuditEvent
from competency.errors import Conflict, DomainError, PermissionDenied
from competency.extensions import db
from competency.placements import services
from competency.placements.models import LearnerKind
from competency.placements.policies import can_view_placement
from competency.reminders.models import Notification
from competency.signoff.rules import eligible_assessors
from tests.factories import EmploymentFactory
from tests.workforce_support import TODAY, ask, council_placement, one_workforce_world, sign


@pytest.fixture
def w(db):
    return one_workforce_world()


def test_setting_up_a_placement_is_audited_and_the_learner_and_supervisor_are_told(w):
    placement = council_placement(w)
    event = db.session.scalar(sa.select(AuditEvent).filter_by(action="placement.created"))
    assert event.organisation_id == w.council.id and event.data["supervisor_id"] == w.council_preceptor.id
    told = set(db.session.scalars(sa.select(Notification.user_id).filter_by(kind="placement.created")))
    assert told == {w.student.id, w.council_preceptor.id}
    assert can_view_placement(w.university_lead, placement) and can_view_placement(w.student, placement)
    assert not can_view_placement(w.trust_lead, placement)


def test_every_preceptor_or_lead_at_the_host_can_sign_for_the_placement_not_only_the_supervisor(w):
    council_placement(w)
    assert {w.council_preceptor, w.council_lead} <= set(eligible_assessors(w.student, w.pre_registration_cap, TODAY))
    assert w.trust_lead not in eligible_assessors(w.student, w.pre_registration_cap, TODAY)


@pytest.mark.parametrize(("change", "rule"), [
    (dict(ends_on=date(2026, 10, 1), starts_on=date(2026, 9, 1)), "placement_in_past"),
    (dict(ends_on=date(2026, 11, 1)), "placement_dates_ordered"),
    (dict(ends_on=date(2029, 1, 1)), "placement_too_long"),
])
def test_bad_dates_are_refused(w, change, rule):
    with pytest.raises(DomainError) as excinfo:
        council_placement(w, **change)
    assert excinfo.value.rule == rule


def test_the_host_leads_set_it_up_for_a_learner_of_the_home_organisation(w):
    base = dict(learner=w.student, learner_kind=LearnerKind.student, host=w.council, home=w.university,
                supervisor=w.council_preceptor, starts_on=TODAY, ends_on=date(2026, 12, 18), on=TODAY)
    with pytest.raises(PermissionDenied):
        services.create_placement(**base, by=w.university_lead)
    with pytest.raises(DomainError) as excinfo:
        services.create_placement(**{**base, "learner": w.council_ot}, by=w.council_lead)
    assert excinfo.value.rule == "placement_learner"
    with pytest.raises(DomainError) as excinfo:
        services.create_placement(**{**base, "supervisor": w.senior_support}, by=w.council_lead)
    assert excinfo.value.rule == "placement_supervisor"


def test_a_learner_already_employed_at_the_host_needs_no_placement(w):
    EmploymentFactory(user=w.student, organisation=w.council, level_code="pre_registration", start_on=date(2026, 1, 5))
    db.session.refresh(w.student)
    with pytest.raises(DomainError) as excinfo:
        council_placement(w)
    assert excinfo.value.rule == "placement_employed"


def test_overlapping_placements_at_one_host_are_refused(w):
    council_placement(w)
    with pytest.raises(Conflict):
        council_placement(w, starts_on=date(2026, 12, 1), ends_on=date(2027, 1, 31))


def test_ending_a_placement_early_ends_the_hosts_standing(w):
    placement = council_placement(w)
    request = ask(w, w.student, w.pre_registration_cap, w.council_preceptor)
    services.end_placement(placement, reason="The student withdrew from the course.", by=w.university_lead)
    assert placement.is_ended_early
    with pytest.raises(DomainError):
        sign(request, w.council_preceptor)
    with pytest.raises(Conflict):
        services.end_placement(placement, reason="Again", by=w.council_lead)
    with pytest.raises(PermissionDenied):
        services.end_placement(placement, reason="Not mine", by=w.trust_lead)
