"""Plausible start dates, changing the start instead of withdrawing, and telling people (issue 15.5).

Defects: a start date five years out was accepted; the start date could not be changed;
the preceptor was never told of a withdrawal.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from competency.audit.models import AuditEvent
from competency.errors import PermissionDenied
from competency.extensions import db
from competency.preceptorship import logs, services
from competency.preceptorship.enrolment_preview import preview_enrolment
from competency.preceptorship.errors import EnrolmentRuleError
from competency.preceptorship.models import Enrolment
from competency.preceptorship.start_dates import change_start_date
from competency.reminders.models import Notification
from tests.programmes_support import enrol_on
from tests.unit.preceptorship.conftest import START

TODAY = date(2027, 1, 11)


def notes_for(user) -> list[str]:
    return list(db.session.scalars(sa.select(Notification.title).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def events(enrolment, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.subject_id == str(enrolment.id))))


class TestPlausibleStartDates:
    def test_a_start_five_years_out_is_refused_with_the_limits_in_the_message(self, team):
        with pytest.raises(EnrolmentRuleError) as refused:
            enrol_on(team, start_on=date(2032, 1, 4), on=TODAY)
        assert refused.value.field == "start_on" and refused.value.rule == "start-date-plausible"
        assert refused.value.message == ("The start date must be no more than 6 months from today, so on or before "
                                         "13 July 2027. You entered 4 January 2032: check the year.")
        assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 0

    def test_more_than_a_year_back_is_refused(self, team):
        with pytest.raises(EnrolmentRuleError, match="no more than 12 months ago, so on or after 11 January 2026"):
            enrol_on(team, start_on=date(2025, 12, 1), on=TODAY)

    def test_the_limits_themselves_are_allowed(self, team):
        from tests.factories import EmploymentFactory

        EmploymentFactory(user=team.practitioner, organisation=team.org, start_on=date(2025, 12, 1), fte=1.0)
        db.session.flush()
        db.session.refresh(team.practitioner)
        assert enrol_on(team, start_on=TODAY + timedelta(days=183), on=TODAY).start_on == date(2027, 7, 13)


class TestChangingTheStartDate:
    def test_the_due_dates_move_and_the_change_is_audited_and_told(self, team):
        enrolment = enrol_on(team, start_on=date(2027, 2, 1), on=TODAY)
        assert enrolment.milestone("learning_agreement").due_on == date(2027, 2, 15)
        change = change_start_date(enrolment, START, reason="Typed the wrong month", by=team.lead, on=TODAY)
        assert enrolment.start_on == START
        assert enrolment.milestone("learning_agreement").due_on == date(2027, 1, 18)
        assert enrolment.milestone("final_review").due_on == date(2028, 1, 4)
        assert (date(2027, 2, 15), date(2027, 1, 18)) == change.moved[0][1:]
        assert len(change.moved) == len(enrolment.milestones)
        [event] = events(enrolment, "programme.start_changed")
        assert event.data["before"] == "2027-02-01" and event.data["after"] == "2027-01-04"
        assert event.data["reason"] == "Typed the wrong month" and event.actor_id == team.lead.id
        assert "Your programme now starts on 4 January 2027" in notes_for(team.practitioner)
        assert "Sam Preceptee's programme now starts on 4 January 2027" in notes_for(team.preceptor)
        assert enrolment.status.value == "active" and enrolment.withdrawal_reason is None

    def test_a_start_cannot_move_past_what_is_already_recorded(self, team):
        enrolment = enrol_on(team, on=TODAY)
        logs.record_supervision(enrolment, held_on=date(2027, 1, 8), minutes=60, by=team.preceptor, on=TODAY)
        with pytest.raises(EnrolmentRuleError, match="cannot start after 8 January 2027, when a supervision session"):
            change_start_date(enrolment, date(2027, 1, 11), reason="Later", by=team.lead, on=TODAY)

    def test_the_same_limits_and_a_reason_apply(self, team):
        enrolment = enrol_on(team, on=TODAY)
        with pytest.raises(EnrolmentRuleError, match="check the year"):
            change_start_date(enrolment, date(2032, 1, 4), reason="x", by=team.lead, on=TODAY)
        with pytest.raises(EnrolmentRuleError, match="Say why"):
            change_start_date(enrolment, date(2027, 1, 5), reason=" ", by=team.lead, on=TODAY)
        with pytest.raises(EnrolmentRuleError, match="has no employment at Downshire County Council on 01 December 2026"):
            change_start_date(enrolment, date(2026, 12, 1), reason="Earlier", by=team.lead, on=TODAY)

    def test_only_a_lead_changes_it(self, team):
        enrolment = enrol_on(team, on=TODAY)
        with pytest.raises(PermissionDenied):
            change_start_date(enrolment, date(2027, 1, 5), reason="x", by=team.preceptor, on=TODAY)


def test_withdrawal_tells_the_preceptor_and_the_preceptee(team):
    enrolment = enrol_on(team, on=TODAY)
    services.withdraw(enrolment, reason="Left the council", by=team.lead, on=TODAY)
    title = "Sam Preceptee's AHP multiprofessional preceptorship (ASYE-aligned) has been withdrawn"
    assert title in notes_for(team.preceptor)
    assert "Your AHP multiprofessional preceptorship (ASYE-aligned) has been withdrawn" in notes_for(team.practitioner)
    assert not [t for t in notes_for(team.lead) if "withdrawn" in t]  # the lead withdrew it


def test_the_preview_says_what_enrolling_will_do_and_keeps_nothing(team):
    audit_before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    preview = preview_enrolment(practitioner=team.practitioner, template=team.templates["ot-social-care-asye"],
                                organisation=team.org, preceptor=team.preceptor, lead=team.lead,
                                start_on=date(2027, 2, 15), fte=None, by=team.lead, on=TODAY)
    assert preview.warnings and "63 days after" in preview.warnings[0]
    assert preview.milestones[0][1] == date(2027, 3, 1) and preview.fte == 1.0
    assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == audit_before
    assert notes_for(team.practitioner) == [] and notes_for(team.preceptor) == []
    with pytest.raises(EnrolmentRuleError, match="check the year"):
        preview_enrolment(practitioner=team.practitioner, template=team.templates["ahp-preceptorship"],
                          organisation=team.org, preceptor=team.preceptor, lead=team.lead,
                          start_on=date(2032, 1, 4), by=team.lead, on=TODAY)
