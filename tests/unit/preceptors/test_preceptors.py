"""Preceptors from other organisations, change of preceptor, training, caseload and the time log."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from competency.audit.models import AuditEvent
from competency.errors import DomainError, NotFound, PermissionDenied
from competency.extensions import db
from competency.grants import services as grant_services
from competency.grants.models import GrantKind
from competency.preceptors import queries, services
from competency.preceptors.expectations import expectations
from competency.preceptors.models import ChangeReason, PreceptorAssignment
from competency.preceptors.policies import can_view_preceptor
from competency.preceptorship.policies import can_view_enrolment
from competency.preceptorship.preceptor_change import change_preceptor
from competency.reminders.models import Notification
from tests.factories import OrganisationFactory, make_person
from tests.programmes_support import START, enrol_on, make_team, shipped_templates

ON = START + timedelta(days=40)


@pytest.fixture
def team(db):
    team = make_team(shipped_templates())
    team.trust = OrganisationFactory(name="Valley NHS Trust")
    team.trust_preceptor = make_person("preceptor", team.trust, level_code="enhanced", display_name="Rachel Trust")
    return team


def preceptor_grant(team, **kwargs):
    options = dict(kind=GrantKind.preceptor, granting=team.org, grantee=team.trust_preceptor,
                   grantee_organisation=team.trust, starts_on=START - timedelta(days=7),
                   ends_on=START + timedelta(days=400), reason="Rotational post across the trust and the council.",
                   by=team.lead, on=START - timedelta(days=7))
    options.update(kwargs)
    return grant_services.create_grant(**options)


class TestPreceptorsFromOtherOrganisations:
    def test_without_a_grant_a_preceptor_elsewhere_cannot_be_named(self, team):
        with pytest.raises(NotFound) as excinfo:
            enrol_on(team, preceptor=team.trust_preceptor)
        assert excinfo.value.field == "preceptor_id"

    def test_a_preceptor_grant_lets_them_be_named_and_the_history_names_their_organisation(self, team):
        grant = preceptor_grant(team)
        enrolment = enrol_on(team, preceptor=team.trust_preceptor)
        (first,) = queries.history(enrolment.id)
        assert (first.preceptor_id, first.organisation_id, first.grant_id) == (team.trust_preceptor.id, team.trust.id,
                                                                                grant.id)
        assert can_view_enrolment(team.trust_preceptor, enrolment)
        assert team.trust_preceptor in queries.preceptor_candidates(team.org, START)

    def test_a_grant_naming_other_people_does_not_cover_this_preceptee(self, team):
        other = make_person("practitioner", team.org)
        preceptor_grant(team, person_ids=[other.id])
        with pytest.raises(NotFound):
            enrol_on(team, preceptor=team.trust_preceptor)


class TestChangeOfPreceptor:
    def test_the_change_keeps_the_history_and_tells_both_preceptors_and_the_preceptee(self, team):
        preceptor_grant(team)
        enrolment = enrol_on(team)
        assignment = change_preceptor(enrolment, team.trust_preceptor, reason=ChangeReason.rotation,
                                      detail="Rotating to the trust's acute team.", by=team.lead, on=ON)
        assert enrolment.preceptor_id == team.trust_preceptor.id
        old, new = queries.history(enrolment.id)
        assert (old.preceptor_id, old.started_on, old.ended_on) == (team.preceptor.id, START, ON)
        assert (new.preceptor_id, new.reason, new.organisation_id) == (team.trust_preceptor.id,
                                                                         ChangeReason.rotation, team.trust.id)
        assert new == assignment
        told = set(db.session.scalars(sa.select(Notification.user_id).filter_by(kind="programme.preceptor_changed")))
        assert told == {team.preceptor.id, team.trust_preceptor.id, team.practitioner.id}
        event = db.session.scalar(sa.select(AuditEvent).filter_by(action="programme.preceptor_changed"))
        assert event.data["reason"] == "rotation" and event.data["from_preceptor_id"] == team.preceptor.id
        # The old preceptor no longer sees the programme; the new one does.
        assert not can_view_enrolment(team.preceptor, enrolment) and can_view_enrolment(team.trust_preceptor, enrolment)

    def test_only_a_lead_with_a_reason_to_an_eligible_preceptor(self, team):
        enrolment = enrol_on(team)
        with pytest.raises(PermissionDenied):
            change_preceptor(enrolment, team.lead, reason=ChangeReason.preceptor_left, by=team.preceptor, on=ON)
        with pytest.raises(DomainError) as excinfo:
            change_preceptor(enrolment, team.lead, reason=ChangeReason.other, by=team.lead, on=ON)
        assert excinfo.value.field == "detail"
        with pytest.raises(NotFound):  # no grant
            change_preceptor(enrolment, team.trust_preceptor, reason=ChangeReason.rotation, by=team.lead, on=ON)
        with pytest.raises(DomainError) as excinfo:
            change_preceptor(enrolment, team.preceptor, reason=ChangeReason.rotation, by=team.lead, on=ON)
        assert excinfo.value.rule == "preceptor-unchanged"
        with pytest.raises(DomainError) as excinfo:
            change_preceptor(enrolment, team.practitioner, reason=ChangeReason.rotation, by=team.lead, on=ON)
        assert excinfo.value.rule == "preceptor-not-self"
        assert len(queries.history(enrolment.id)) == 1

    def test_an_enrolment_from_before_the_history_was_kept_gets_its_first_row_on_change(self, team):
        enrolment = enrol_on(team)
        db.session.execute(sa.delete(PreceptorAssignment))
        change_preceptor(enrolment, team.lead, reason=ChangeReason.preceptor_left, by=team.lead, on=ON)
        assert [a.preceptor_id for a in queries.history(enrolment.id)] == [team.preceptor.id, team.lead.id]

    def test_revoking_a_preceptor_grant_asks_the_lead_to_choose_again(self, team):
        grant = preceptor_grant(team)
        enrolment = enrol_on(team, preceptor=team.trust_preceptor)
        grant_services.revoke_grant(grant, reason="Rotation ended.", by=team.lead)
        note = db.session.scalar(sa.select(Notification).filter_by(user_id=team.lead.id, kind="grant.revoked"))
        assert note.link == f"/programmes/enrolments/{enrolment.id}/preceptor"


class TestTrainingCaseloadAndTime:
    def test_the_expectations_are_data_8_and_12_hours_a_year(self):
        assert [(e.code, e.hours_per_year) for e in expectations()] == [("core", 8.0), ("gold", 12.0)]

    def test_caseload_training_and_hours_against_the_expectations(self, team):
        enrol_on(team)
        enrol_on(team, practitioner=make_person("practitioner", team.org))
        services.record_training(team.preceptor, course="Preceptor development", completed_on=START,
                                 expires_on=START + timedelta(days=730), by=team.lead, on=ON)
        for days, minutes in ((10, 240), (30, 300), (400, 600)):  # the last is more than a year ago
            services.log_time(team.preceptor, spent_on=ON - timedelta(days=days), minutes=minutes,
                              activity="Preceptor meeting", by=team.preceptor, on=ON)
        summary = queries.summary(team.preceptor, ON)
        assert len(summary.caseload) == 2 and summary.has_current_training
        assert summary.hours_last_year == 9.0
        core, gold = summary.against
        assert core.is_met and not gold.is_met and gold.hours_short == 3.0

    def test_only_the_preceptor_logs_their_time_and_the_entries_are_checked(self, team):
        with pytest.raises(PermissionDenied):
            services.log_time(team.preceptor, spent_on=ON, minutes=30, activity="", by=team.lead, on=ON)
        for spent_on, minutes in ((ON + timedelta(days=1), 30), (ON, 0), (ON, 601), (ON - timedelta(days=800), 30)):
            with pytest.raises(DomainError):
                services.log_time(team.preceptor, spent_on=spent_on, minutes=minutes, activity="", by=team.preceptor,
                                  on=ON)

    def test_training_dates_are_checked_and_leads_elsewhere_cannot_record_it(self, team):
        with pytest.raises(DomainError):
            services.record_training(team.preceptor, course="Course", completed_on=ON + timedelta(days=1),
                                     by=team.preceptor, on=ON)
        with pytest.raises(DomainError):
            services.record_training(team.preceptor, course="Course", completed_on=ON,
                                     expires_on=ON - timedelta(days=1), by=team.preceptor, on=ON)
        elsewhere = make_person("lead", team.trust)
        with pytest.raises(PermissionDenied):
            services.record_training(team.preceptor, course="Course", completed_on=ON, by=elsewhere, on=ON)

    def test_a_lead_whose_programme_a_granted_preceptor_runs_sees_their_page(self, team):
        preceptor_grant(team)
        other_lead = make_person("lead", team.org)
        assert not can_view_preceptor(other_lead, team.trust_preceptor)
        enrol_on(team, preceptor=team.trust_preceptor)
        assert can_view_preceptor(other_lead, team.trust_preceptor)
        assert not can_view_preceptor(make_person("lead", OrganisationFactory()), team.trust_preceptor)
