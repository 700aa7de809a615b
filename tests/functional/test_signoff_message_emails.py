"""A message in a sign-off conversation is e-mailed to the other side, once, through the real outbox.

Before this, messages were notified in-app only: a preceptor away from the screen never heard
that the practitioner had replied to their feedback. Each test posts through the real page (or
the API), the request commits and hands the outbox to the (eager) worker task, which sends over
SMTP to a real server on loopback (aiosmtpd).
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from competency.accounts.services import create_api_token
from competency.extensions import db
from competency.reminders import delivery
from competency.reminders.models import Notification, OutboxEmail
from competency.signoff import notifications, services
from competency.signoff.models import Outcome, SignOffMessage
from tests.evidence_support import log_evidence, signoff_world, switch_user
from tests.unit.reminders_helpers import Inbox

REPLY = "I used the NICE guideline on falls; it is in the case notes."


@pytest.fixture
def inbox(app, monkeypatch):
    server = Inbox().start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", server.port)
    yield server
    server.stop()


@pytest.fixture
def world(db, inbox):
    w = signoff_world()
    w.evidence = log_evidence(w.practitioner, [w.registered_cap], title="Case discussion")
    w.request = services.request_signoff(w.practitioner, w.registered_cap, [w.evidence], w.preceptor)
    services.decide(w.request, w.preceptor, Outcome.return_, "Add what guidance informed your proposal.")
    db.session.commit()
    delivery.send_due()  # the request and its return go out first, so each test sees only its messages
    return w


def write(browser, w, body: str):
    return browser.submit(f"/review/requests/{w.request.id}", {"body": body},
                          post_url=f"/review/requests/{w.request.id}/messages")


def about(inbox, person, subject: str) -> list:
    return inbox.to(person.email, subject)


def test_a_reply_is_emailed_to_the_reviewer_once(world, inbox, client, browser):
    switch_user(client, world.practitioner)
    assert write(browser, world, REPLY).status_code == 302

    (email,) = about(inbox, world.preceptor, "Sam Preceptee wrote about PP-5-01")
    text = email.get_body(("plain",)).get_content()
    assert "Hello Tom Preceptor" in text and REPLY in text
    assert f"/review/requests/{world.request.id}" in text
    assert "notification settings" in text and "/notifications/preferences" in text
    # Run the sender again, and tell about the same message again: still one e-mail.
    delivery.send_due()
    message = db.session.scalar(sa.select(SignOffMessage).where(SignOffMessage.body == REPLY))
    notifications.message_posted(message, "PP-5-01")
    db.session.commit()
    delivery.send_due()
    assert len(about(inbox, world.preceptor, "wrote about")) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)
                             .where(OutboxEmail.dedupe_key == f"signoff-message:{message.id}")) == 1
    assert about(inbox, world.practitioner, "wrote about") == []  # the author is not told of their own message


def test_the_reviewers_answer_is_emailed_to_the_practitioner(world, inbox, client, browser):
    switch_user(client, world.preceptor)
    assert write(browser, world, "The NICE falls guideline is the one.").status_code == 302
    (email,) = about(inbox, world.practitioner, "Tom Preceptor wrote about PP-5-01")
    assert "on your request for PP-5-01" in email.get_body(("plain",)).get_content()


def test_a_muted_conversation_is_listed_as_read_and_not_emailed(world, inbox, client, browser):
    switch_user(client, world.preceptor)
    settings = browser.submit("/notifications/preferences", {"email_mode": "immediate", "muted": ["signoff_message"]})
    assert settings.status_code == 302
    switch_user(client, world.practitioner)
    assert write(browser, world, REPLY).status_code == 302
    delivery.send_due()
    assert about(inbox, world.preceptor, "wrote about") == []
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == world.preceptor.id,
                                                           Notification.kind == "signoff_message"))
    assert note is not None and note.read_at is not None


def test_a_deactivated_account_gets_no_email(world, inbox, client, browser):
    world.preceptor.is_active_account = False
    db.session.commit()
    switch_user(client, world.practitioner)
    assert write(browser, world, REPLY).status_code == 302
    delivery.send_due()
    assert about(inbox, world.preceptor, "wrote about") == []


def test_a_digest_reader_still_hears_of_a_message_at_once(world, inbox, client, browser):
    """The weekly digest is for reminders; a conversation is e-mailed as it happens, like the request
    and the decision it belongs to."""
    world.preceptor.preferences = {"email": "digest", "muted": []}
    db.session.commit()
    switch_user(client, world.practitioner)
    assert write(browser, world, REPLY).status_code == 302
    assert len(about(inbox, world.preceptor, "wrote about")) == 1


def test_a_message_written_through_the_api_is_emailed_too(world, inbox, client):
    _, secret = create_api_token(world.practitioner, "test")
    db.session.commit()
    response = client.post(f"/api/v1/signoff-requests/{world.request.id}/messages", json={"body": REPLY},
                           headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 201, response.get_json()
    (email,) = about(inbox, world.preceptor, "Sam Preceptee wrote about PP-5-01")
    assert REPLY in email.get_body(("plain",)).get_content()


def test_the_conversation_kind_is_on_the_settings_page(world, client):
    switch_user(client, world.preceptor)
    page = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'value="signoff_message"' in page
    assert "Someone writes in the conversation on a sign-off request" in page


def test_a_muted_decision_is_listed_as_read_and_not_emailed(world, inbox, client, browser):
    """Muting "your sign-off request is decided" files the notification as read; it used to drop it."""
    switch_user(client, world.practitioner)
    settings = browser.submit("/notifications/preferences", {"email_mode": "immediate", "muted": ["signoff_decided"]})
    assert settings.status_code == 302
    evidence = log_evidence(world.practitioner, [world.support_cap], title="Moving and handling")
    request = services.request_signoff(world.practitioner, world.support_cap, [evidence], world.preceptor)
    services.decide(request, world.preceptor, Outcome.sign, "Clear and safe.")
    db.session.commit()
    delivery.send_due()

    assert about(inbox, world.practitioner, "signed off") == []
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == world.practitioner.id,
                                                           Notification.kind == "signoff_decided",
                                                           Notification.title.contains("signed off")))
    assert note is not None and note.read_at is not None
