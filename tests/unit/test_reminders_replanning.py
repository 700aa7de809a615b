"""Planning is recorded once: again it plans nothing, each reminder reaches each person once.

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL. The races of two planners at once
are in tests/integration/test_reminder_planning_races.py.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa

from competency.reminders import digest, notices, planning, queries
from competency.reminders.models import (Notification, OutboxEmail, PlannedReminder, PlannedReminderKey,
                                         PlannedState, ReminderKind)
from competency.reminders.preferences import EmailMode, set_preferences
from tests.factories import OrganisationFactory, make_person
from tests.programmes_support import START, enrol_on, make_team, shipped_templates
from tests.unit.reminders_helpers import at, signoff_request

WAITING, ESCALATION = ReminderKind.signoff_waiting, ReminderKind.escalation


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def key_days(db, kind: ReminderKind) -> list[date]:
    return list(db.session.scalars(sa.select(PlannedReminderKey.due_on).where(
        PlannedReminderKey.kind == kind, PlannedReminderKey.item_id == 0).order_by(PlannedReminderKey.due_on)))


def told(db, **filters) -> Counter:
    """(kind, item, due date, stage, person) -> how many planned reminders carry it."""
    return Counter((item.kind, item.item_id, item.due_on, item.stage, item.user_id)
                   for item in queries.planned_items())


@pytest.fixture
def world(db):
    """A preceptorship (milestones and supervision) and sign-off requests waiting at one trust."""
    team = make_team(shipped_templates())
    enrol_on(team)
    org = team.org
    assessor = make_person("preceptor", org)
    other_lead = make_person("lead", org)
    requests = [signoff_request(team.practitioner, assessor, org, made_at=at(2026, 6, day))
                for day in (1, 1, 2, 8)]
    return team, assessor, other_lead, requests


class TestPlanningAgain:
    def test_planning_twice_inserts_nothing(self, db, world):
        day = START + timedelta(days=11)
        first = planning.plan(day)
        rows, keys = count(db, PlannedReminder), count(db, PlannedReminderKey)
        again = planning.plan(day)

        assert first.total > 0 and first.reminders > 0
        assert (again.total, again.reminders) == (0, 0)
        assert (count(db, PlannedReminder), count(db, PlannedReminderKey)) == (rows, keys)

    def test_each_item_reaches_each_person_once_over_many_days(self, db, world):
        day = START - timedelta(days=30)
        while day <= START + timedelta(days=60):
            planning.plan(day)
            planning.plan(day)  # a second worker, or a retried task
            day += timedelta(days=1)

        reminders = told(db)
        assert reminders and set(reminders.values()) == {1}
        kinds = {kind for kind, *_ in reminders}
        assert {ReminderKind.milestone, ReminderKind.supervision, WAITING, ESCALATION} <= kinds

    def test_a_dry_run_counts_and_records_nothing(self, db, world):
        day = START + timedelta(days=11)
        dry = planning.plan(day, dry_run=True)

        assert dry.total > 0 and dry.reminders == 0
        assert (count(db, PlannedReminder), count(db, PlannedReminderKey)) == (0, 0)
        assert planning.plan(day).counts == dry.counts


class TestOneReminderPerPersonAndKind:
    def test_a_lead_gets_one_reminder_listing_the_days_escalations(self, db, world):
        team, assessor, other_lead, requests = world
        result = planning.plan(date(2026, 6, 30))  # the requests of 1, 2 and 8 June are 21 days old

        leads = {team.lead.id, other_lead.id}
        assert result.counts[("escalation", "waiting-21")] == 2 * len(requests)
        rows = list(db.session.scalars(sa.select(PlannedReminder).where(PlannedReminder.kind == ESCALATION)))
        assert sorted(row.user_id for row in rows) == sorted(leads)
        assert {row.item_count for row in rows} == {len(requests)}
        assert {(item.user_id, item.item_id) for item in queries.planned_items(PlannedReminder.kind == ESCALATION)} \
            == {(lead, request.id) for lead in leads for request in requests}

        while notices.deliver_planned():
            pass
        for lead in (team.lead, other_lead):
            (note,) = db.session.scalars(sa.select(Notification).filter_by(user_id=lead.id, kind="escalation"))
            (email,) = db.session.scalars(sa.select(OutboxEmail).filter_by(user_id=lead.id))
            assert note.title == email.subject == "4 sign-off requests have waited 3 weeks"
            assert all(f"/review/requests/{request.id}" in email.body_text for request in requests)

    def test_a_request_decided_before_delivery_drops_out_of_the_list(self, db, world):
        from competency.signoff.models import RequestState

        team, assessor, _other_lead, requests = world
        planning.plan(date(2026, 6, 9))  # the requests of 1 and 2 June have waited a week
        requests[0].state = RequestState.signed
        db.session.flush()
        notices.deliver_planned()

        (email,) = db.session.scalars(sa.select(OutboxEmail).filter_by(user_id=assessor.id))
        assert email.subject == "2 sign-off requests are waiting for your decision"
        assert f"/review/requests/{requests[0].id}" not in email.body_text


class TestExactlyOnceThroughDelivery:
    def test_every_planned_reminder_is_one_notification_and_one_email_or_digest_entry(self, db, world):
        team, assessor, other_lead, requests = world
        set_preferences(assessor, email_mode=EmailMode.digest, muted=set(), by=assessor)
        # The requests' weeks in June and July, then the first weeks of the preceptorship.
        days = [date(2026, 6, 1) + timedelta(days=n) for n in range(45)]
        days += [START - timedelta(days=14) + timedelta(days=n) for n in range(45)]
        for day in days:
            planning.plan(day)
            while notices.deliver_planned(limit=1):  # the smallest batches, one claim at a time
                pass
            notices.deliver_planned()
            if day.weekday() == 0:
                digest.queue_digests(day)
                digest.queue_digests(day)

        rows = list(db.session.scalars(sa.select(PlannedReminder)))
        notes = {note.dedupe_key: note for note in db.session.scalars(sa.select(Notification))}
        emails = Counter(email.dedupe_key for email in db.session.scalars(sa.select(OutboxEmail)))
        assert rows and all(row.state is not PlannedState.planned for row in rows)
        for row in rows:
            assert row.dedupe_key in notes and notes[row.dedupe_key].user_id == row.user_id
            if row.user_id == assessor.id:
                assert row.state is PlannedState.digested and row.dedupe_key not in emails
            else:
                assert row.state is PlannedState.delivered and emails[row.dedupe_key] == 1
        assert set(told(db).values()) == {1}
        assert {row.kind for row in rows} >= {ReminderKind.milestone, ReminderKind.supervision, WAITING, ESCALATION}
        digests = [key for key in emails if key.startswith("digest:")]
        assert digests and all(key.startswith(f"digest:{assessor.id}:") for key in digests)


class TestPlannedByDay:
    def test_the_days_planned_stay_one_unbroken_range(self, db, world):
        for day in (date(2026, 6, 9), date(2026, 6, 12), date(2026, 6, 15)):  # days missed in between
            planning.plan(day)

        days = key_days(db, WAITING)
        assert days == [date(2026, 6, 8) + timedelta(days=n) for n in range(8)]
        assert told(db)[(WAITING, world[3][3].id, date(2026, 6, 15), "waiting-7", world[1].id)] == 1

    def test_a_day_whose_requests_are_not_all_made_is_not_planned(self, db, world):
        _team, assessor, _lead, _requests = world
        now = datetime(2026, 6, 10, 9, tzinfo=timezone.utc)
        planning.plan(date(2026, 6, 20), now=now)  # 20 June's requests are made on the 13th

        assert key_days(db, WAITING)[-1] == date(2026, 6, 16)  # made on the 9th, the last finished day
        late = signoff_request(world[0].practitioner, assessor, world[0].org, made_at=at(2026, 6, 12))
        planning.plan(date(2026, 6, 20), now=now + timedelta(days=3))

        assert told(db)[(WAITING, late.id, date(2026, 6, 19), "waiting-7", assessor.id)] == 1

    def test_a_day_before_the_first_planned_leaves_those_kinds_alone(self, db, world):
        planning.plan(date(2026, 6, 20))
        before = told(db)
        earlier = planning.plan(date(2026, 6, 5))

        assert not any(kind in ("signoff_waiting", "escalation") for kind, _stage in earlier.counts)
        assert {key for key in told(db) if key[0] in (WAITING, ESCALATION)} \
            == {key for key in before if key[0] in (WAITING, ESCALATION)}

    def test_a_day_with_nothing_due_is_planned_too_so_the_next_run_reads_only_later_days(self, db):
        planning.plan(date(2026, 3, 1))
        assert key_days(db, WAITING) == [date(2026, 3, 1)]
        org = OrganisationFactory()
        request = signoff_request(make_person("practitioner", org), make_person("preceptor", org), org,
                                  made_at=datetime.combine(date(2026, 2, 23), time(9), tzinfo=timezone.utc))

        result = planning.plan(date(2026, 3, 2))

        assert result.counts == {("signoff_waiting", "waiting-7"): 1}
        (item,) = queries.planned_items(PlannedReminder.kind == WAITING)
        assert (item.item_id, item.due_on) == (request.id, date(2026, 3, 2))
