"""Issue 16.5: the daily check lists newly registered starters not enrolled within 60 days to their lead.

On the old code the 60-day rule ran only at enrolment, so someone never enrolled was never flagged.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from competency.extensions import db
from competency.preceptorship.starters import not_enrolled_within_60_days
from competency.reminders import notices, planning, queries
from competency.reminders.models import Notification, PlannedReminder, ReminderKind
from tests.programmes_support import enrol_on, make_team, shipped_templates

STARTED = date(2027, 1, 4)
DAY_61 = STARTED + timedelta(days=61)


@pytest.fixture
def team(db):
    # The newly registered OT (registered 1 December 2026) starts on 4 January 2027.
    return make_team(shipped_templates(), employment_start=STARTED)


def planned(kind=ReminderKind.not_enrolled) -> list[tuple[int, str]]:
    return [(item.user_id, item.stage) for item in queries.planned_items(PlannedReminder.kind == kind)]


def test_on_day_61_the_lead_is_told_then_weekly_until_enrolled(team):
    planning.plan(STARTED + timedelta(days=60))
    assert planned() == []  # 60 days are allowed
    planning.plan(DAY_61)
    assert planned() == [(team.lead.id, "late-1")]
    notices.deliver_planned()
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == team.lead.id,
                                                           Notification.kind == "not_enrolled"))
    assert "Sam Preceptee is not on a preceptorship yet" in note.title and "61 days ago" in note.body
    assert note.link.startswith("/programmes/enrol?") and f"practitioner_id={team.practitioner.id}" in note.link
    planning.plan(DAY_61 + timedelta(days=1))
    assert len(planned()) == 1  # same week: nothing new
    planning.plan(DAY_61 + timedelta(days=7))
    assert planned()[-1] == (team.lead.id, "late-2")
    enrol_on(team, start_on=DAY_61 + timedelta(days=8))
    planning.plan(DAY_61 + timedelta(days=14))
    assert len(planned()) == 2


def test_someone_with_a_completed_preceptorship_is_not_a_starter(team):
    from competency.db import utcnow
    from competency.recognition.models import RecognisedKind, RecognisedProgramme

    db.session.add(RecognisedProgramme(
        user_id=team.practitioner.id, organisation_id=team.org.id, recognised_by_id=team.lead.id,
        recognised_at=utcnow(), kind=RecognisedKind.completion, credential_uri="urn:uuid:done", issuer_name="Trust",
        programme_name="AHP preceptorship", programme_kind="preceptorship"))
    db.session.flush()
    assert db.session.execute(not_enrolled_within_60_days(DAY_61)).all() == []


def test_people_registered_long_ago_or_not_at_the_registered_level_are_not_starters(team):
    team.practitioner.registered_on = date(2020, 1, 1)
    db.session.flush()
    assert db.session.execute(not_enrolled_within_60_days(DAY_61)).all() == []


def test_a_withdrawn_programme_does_not_count_as_enrolled(team):
    from competency.preceptorship import services

    enrolment = enrol_on(team, start_on=STARTED + timedelta(days=7))
    services.withdraw(enrolment, reason="Started on the wrong template", by=team.lead, on=STARTED + timedelta(days=8))
    rows = db.session.execute(not_enrolled_within_60_days(DAY_61)).all()
    assert [row.user_id for row in rows] == [team.practitioner.id]


def test_the_daily_check_has_its_own_beat_entry_and_task(app, team):
    from worker.celery_app import get_celery

    with app.app_context():
        celery = get_celery()
    entry = celery.conf.beat_schedule["check-unenrolled-starters"]
    assert entry["task"] == "worker.tasks.check_unenrolled_starters"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({6}, {45})
    db.session.commit()
    assert celery.tasks["worker.tasks.check_unenrolled_starters"].apply(args=[DAY_61.isoformat()]).get() == 1
    assert planned() == [(team.lead.id, "late-1")]
    assert [kind for (kind,) in db.session.execute(sa.select(PlannedReminder.kind).distinct())] \
        == [ReminderKind.not_enrolled]  # only this check ran
