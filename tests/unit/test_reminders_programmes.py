"""Planning over preceptorship enrolments: milestone stages and supervision gaps."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from competency.preceptorship.models import PauseReason
from competency.preceptorship import logs, services
from competency.reminders import notices, planning, queries
from competency.reminders.models import Notification, PlannedReminder, ReminderKind
from tests.programmes_support import START, enrol_on, make_team, shipped_templates

LEARNING_AGREEMENT_DUE = START + timedelta(days=14)  # ahp-preceptorship: due day 14


@pytest.fixture
def team(db):
    return make_team(shipped_templates())


def stages(db, kind=ReminderKind.milestone, user=None) -> list[tuple[date, str]]:
    criteria = [PlannedReminder.kind == kind] + ([PlannedReminder.user_id == user.id] if user is not None else [])
    return [(item.due_on, item.stage) for item in queries.planned_items(*criteria)]


def plan_days(first: date, last: date) -> None:
    day = first
    while day <= last:
        planning.plan(day)
        day += timedelta(days=1)


def test_a_milestone_is_reminded_at_14_days_3_days_today_then_weekly(db, team):
    enrol_on(team)

    plan_days(START, LEARNING_AGREEMENT_DUE + timedelta(days=15))

    due = LEARNING_AGREEMENT_DUE
    assert [s for s in stages(db, user=team.practitioner) if s[0] == due] == [
        (due, "due-14"), (due, "due-3"), (due, "due-today"), (due, "overdue-1"), (due, "overdue-2"),
        (due, "overdue-3")]
    assert stages(db, user=team.preceptor) == stages(db, user=team.practitioner)


def test_planning_the_same_day_twice_plans_nothing_new(db, team):
    enrol_on(team)
    first = planning.plan(LEARNING_AGREEMENT_DUE - timedelta(days=3))
    second = planning.plan(LEARNING_AGREEMENT_DUE - timedelta(days=3))
    assert first.counts[("milestone", "due-3")] == 2  # preceptee and preceptor
    assert second.total == 0


def test_a_done_milestone_is_not_reminded_again(db, team):
    enrolment = enrol_on(team)
    planning.plan(START)
    enrolment.milestone("learning_agreement").completed_on = START + timedelta(days=5)
    db.session.flush()

    assert planning.plan(LEARNING_AGREEMENT_DUE - timedelta(days=3)).counts[("milestone", "due-3")] == 0


def test_a_pause_silences_reminders_and_the_moved_date_gets_its_own(db, team):
    enrolment = enrol_on(team)
    planning.plan(START)
    services.record_pause(enrolment, start_on=START + timedelta(days=2), end_on=START + timedelta(days=11),
                          reason=PauseReason.sickness, by=team.lead, on=START + timedelta(days=2))
    db.session.flush()
    moved = enrolment.milestone("learning_agreement").due_on
    assert moved == LEARNING_AGREEMENT_DUE + timedelta(days=10)

    assert planning.plan(START + timedelta(days=5)).total == 0  # paused
    plan_days(START + timedelta(days=12), moved)

    assert [s for s in stages(db, user=team.practitioner) if s[0] == moved] == [
        (moved, "due-14"), (moved, "due-3"), (moved, "due-today")]


def test_supervision_gaps_are_reminded_weekly_until_a_session_is_recorded(db, team):
    enrolment = enrol_on(team)
    first_due = enrolment.next_supervision_due_on
    assert first_due == START + timedelta(days=7)  # weekly for the first six weeks

    plan_days(START, first_due + timedelta(days=8))
    assert stages(db, ReminderKind.supervision, team.practitioner) == [(first_due, "overdue-1"),
                                                                       (first_due, "overdue-2")]

    held_on = first_due + timedelta(days=9)
    logs.record_supervision(enrolment, held_on=held_on, minutes=60, by=team.preceptor, on=held_on)
    planning.plan(held_on + timedelta(days=1))
    assert len(stages(db, ReminderKind.supervision, team.practitioner)) == 2


def test_notifications_name_the_milestone_and_link_to_it(db, team):
    enrolment = enrol_on(team)
    planning.plan(LEARNING_AGREEMENT_DUE - timedelta(days=3))
    notices.deliver_planned()

    mine = db.session.scalar(sa.select(Notification).filter_by(user_id=team.practitioner.id, kind="milestone"))
    theirs = db.session.scalar(sa.select(Notification).filter_by(user_id=team.preceptor.id, kind="milestone"))
    assert mine.title == "Your Learning agreement is due in 3 days"
    assert theirs.title == "Sam Preceptee's Learning agreement is due in 3 days"
    assert mine.link == f"/programmes/enrolments/{enrolment.id}/milestones/learning_agreement"
