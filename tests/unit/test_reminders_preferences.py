"""People choose immediate e-mails or a weekly digest, and mute kinds (never escalations)."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from competency.errors import DomainError
from competency.reminders import digest, notices, planning
from competency.reminders.models import Notification, OutboxEmail, PlannedReminder, PlannedState
from competency.reminders.preferences import EmailMode, preferences_of, set_preferences
from tests.factories import OrganisationFactory, make_person
from tests.unit.reminders_helpers import at, signoff_request


def emails_to(db, user) -> list[OutboxEmail]:
    return list(db.session.scalars(sa.select(OutboxEmail).filter_by(user_id=user.id).order_by(OutboxEmail.id)))


def notes_for(db, user) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).filter_by(user_id=user.id)))


@pytest.fixture
def waiting(db):
    """Two requests to one assessor, both a week old on 9 March 2026."""
    org = OrganisationFactory()
    practitioner = make_person("practitioner", org)
    assessor = make_person("preceptor", org)
    lead = make_person("lead", org)
    for _ in range(2):
        signoff_request(practitioner, assessor, org, made_at=at(2026, 3, 2))
    return assessor, lead


def request_paths(db, assessor) -> list[str]:
    from competency.signoff.models import SignOffRequest

    return [f"/review/requests/{request_id}" for request_id in db.session.scalars(
        sa.select(SignOffRequest.id).where(SignOffRequest.assessor_id == assessor.id))]


def run(on: date) -> None:
    planning.plan(on)
    while notices.deliver_planned():
        pass


def test_immediate_is_the_default(db, waiting):
    assessor, _ = waiting
    run(date(2026, 3, 9))
    # The day's two requests come as one reminder that lists both.
    (email,) = emails_to(db, assessor)
    (note,) = notes_for(db, assessor)
    assert note.title == email.subject == "2 sign-off requests are waiting for your decision"
    assert note.body.count("is waiting for your decision on") == 2
    assert all(path in email.body_text and path in email.body_html for path in request_paths(db, assessor))


def test_digest_users_get_notifications_now_and_one_email_on_monday(db, waiting):
    assessor, _ = waiting
    set_preferences(assessor, email_mode=EmailMode.digest, muted=set(), by=assessor)
    run(date(2026, 3, 9))

    assert emails_to(db, assessor) == []
    assert len(notes_for(db, assessor)) == 1

    assert digest.queue_digests(date(2026, 3, 16)) == 1
    assert digest.queue_digests(date(2026, 3, 16)) == 0, "a second run sends nothing new"
    (email,) = emails_to(db, assessor)
    assert email.body_text.count("2 sign-off requests are waiting for your decision") == 1
    assert email.body_text.count("is waiting for your decision on") == 2
    assert "week of 16 March 2026" in email.subject
    states = set(db.session.scalars(sa.select(PlannedReminder.state)))
    assert states == {PlannedState.digested}


def test_a_muted_kind_is_listed_as_read_and_not_emailed(db, waiting):
    assessor, _ = waiting
    set_preferences(assessor, email_mode=EmailMode.immediate, muted={"signoff_waiting"}, by=assessor)
    run(date(2026, 3, 9))

    assert emails_to(db, assessor) == []
    assert [note.read_at is not None for note in notes_for(db, assessor)] == [True]


def test_escalations_cannot_be_muted_and_skip_the_digest(db, waiting):
    _, lead = waiting
    with pytest.raises(DomainError, match="Escalations cannot be muted"):
        set_preferences(lead, email_mode=EmailMode.immediate, muted={"escalation"}, by=lead)
    lead.preferences = {"email": "digest", "muted": ["escalation"]}  # even if stored somehow
    db.session.flush()

    run(date(2026, 3, 23))

    (email,) = emails_to(db, lead)
    assert email.subject == "2 sign-off requests have waited 3 weeks"
    assert email.body_text.count("sign-off request has waited 3 weeks") == 2
    assert [note.read_at for note in notes_for(db, lead)] == [None]


def test_only_the_person_themself_changes_their_settings(db, waiting):
    assessor, lead = waiting
    with pytest.raises(DomainError):
        set_preferences(assessor, email_mode=EmailMode.digest, muted=set(), by=lead)
    assert preferences_of(assessor).email_mode is EmailMode.immediate


def test_other_areas_event_kinds_can_be_muted_too(db, waiting):
    assessor, _ = waiting
    prefs = set_preferences(assessor, email_mode=EmailMode.immediate, muted={"signoff_requested"}, by=assessor)
    assert prefs.is_muted("signoff_requested")
    assert assessor.preferences["muted"] == ["signoff_requested"]
