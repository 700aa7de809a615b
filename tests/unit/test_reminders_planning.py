"""Planning: what is due on a day, planned once per (item, due date, stage, person)."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from competency.reminders import notices, planning, queries
from competency.reminders.models import Notification, OutboxEmail, PlannedReminder, ReminderKind
from tests.factories import OrganisationFactory, make_person
from tests.unit.reminders_helpers import at, signoff_request


def planned(db, kind=None):
    """Every (item, person) reminder planned, of ``kind`` if given."""
    return queries.planned_items(*([PlannedReminder.kind == kind] if kind else []))


def _people(db):
    org = OrganisationFactory()
    practitioner = make_person("practitioner", org)
    assessor = make_person("preceptor", org)
    lead = make_person(["lead", "preceptor"], org)
    return org, practitioner, assessor, lead


class TestSignOffRequestsWaiting:
    def test_a_request_waiting_a_week_reminds_its_assessor_once(self, db):
        org, practitioner, assessor, _lead = _people(db)
        request = signoff_request(practitioner, assessor, org, made_at=at(2026, 3, 2))

        assert planning.plan(date(2026, 3, 8)).total == 0  # six days: not yet
        first = planning.plan(date(2026, 3, 9))
        again = planning.plan(date(2026, 3, 9))
        next_day = planning.plan(date(2026, 3, 10))

        assert first.counts == {("signoff_waiting", "waiting-7"): 1}
        assert again.total == 0 and next_day.total == 0
        (row,) = planned(db, kind=ReminderKind.signoff_waiting)
        assert (row.item_id, row.due_on, row.stage, row.user_id) == (request.id, date(2026, 3, 9), "waiting-7",
                                                                    assessor.id)

    def test_after_three_weeks_the_leads_of_the_organisation_are_told(self, db):
        org, practitioner, assessor, lead = _people(db)
        other_lead = make_person("lead", org)
        signoff_request(practitioner, assessor, org, made_at=at(2026, 3, 2))

        result = planning.plan(date(2026, 3, 23))

        assert result.counts[("escalation", "waiting-21")] == 2
        assert {row.user_id for row in planned(db, kind=ReminderKind.escalation)} == {lead.id, other_lead.id}

    def test_decided_requests_and_inactive_people_get_nothing(self, db):
        from competency.signoff.models import RequestState

        org, practitioner, assessor, _lead = _people(db)
        decided = signoff_request(practitioner, assessor, org, made_at=at(2026, 3, 2))
        decided.state = RequestState.signed
        other_assessor = make_person("preceptor", org)
        other_assessor.is_active_account = False
        signoff_request(practitioner, other_assessor, org, made_at=at(2026, 3, 2))
        db.session.flush()

        assert planning.plan(date(2026, 3, 9)).total == 0

    def test_a_dry_run_counts_without_writing(self, db):
        org, practitioner, assessor, _lead = _people(db)
        signoff_request(practitioner, assessor, org, made_at=at(2026, 3, 2))

        result = planning.plan(date(2026, 3, 9), dry_run=True)

        assert result.counts == {("signoff_waiting", "waiting-7"): 1}
        assert planned(db) == []


class TestDeliveringPlannedReminders:
    def test_each_planned_reminder_becomes_one_notification_and_one_email(self, db):
        org, practitioner, assessor, _lead = _people(db)
        signoff_request(practitioner, assessor, org, made_at=at(2026, 3, 2))
        planning.plan(date(2026, 3, 9))

        assert notices.deliver_planned() == 1
        assert notices.deliver_planned() == 0

        (note,) = db.session.scalars(sa.select(Notification).filter_by(user_id=assessor.id))
        assert "waiting for your decision" in note.title and note.read_at is None
        (email,) = db.session.scalars(sa.select(OutboxEmail).filter_by(user_id=assessor.id))
        assert email.to_address == assessor.email
        assert note.link in email.body_text and note.link in email.body_html
        assert "<a href=" in email.body_html

    def test_a_request_decided_before_delivery_is_not_announced(self, db):
        from competency.signoff.models import RequestState

        org, practitioner, assessor, _lead = _people(db)
        request = signoff_request(practitioner, assessor, org, made_at=at(2026, 3, 2))
        planning.plan(date(2026, 3, 9))
        request.state = RequestState.signed
        db.session.flush()

        notices.deliver_planned()

        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 0


class TestShareLinksExpiring:
    def make_share(self, db, holder, expires_on, **kwargs):
        import secrets

        from competency.passport.models import ShareLink

        share = ShareLink(holder_id=holder.id, token_hash=secrets.token_hex(32), token_hint="ab12cd34",
                          note="For Harbourside Care", expires_on=expires_on, **kwargs)
        db.session.add(share)
        db.session.flush()
        return share

    def test_the_holder_is_told_once_in_the_week_before_expiry(self, db):
        holder = make_person("practitioner")
        share = self.make_share(db, holder, date(2026, 6, 30))

        assert planning.plan(date(2026, 6, 22)).total == 0
        assert planning.plan(date(2026, 6, 23)).counts == {("share_expiring", "expiring-7"): 1}
        assert planning.plan(date(2026, 6, 29)).total == 0
        notices.deliver_planned()

        (note,) = db.session.scalars(sa.select(Notification).filter_by(user_id=holder.id))
        assert note.title == "Your passport share link “For Harbourside Care” expires in 7 days"
        assert note.link == f"/passport/shares/{share.id}"

    def test_revoked_links_are_not_reminded(self, db):
        from competency.db import utcnow

        holder = make_person("practitioner")
        self.make_share(db, holder, date(2026, 6, 30), revoked_at=utcnow())
        assert planning.plan(date(2026, 6, 25)).total == 0
