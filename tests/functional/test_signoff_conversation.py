"""Sign-off as a conversation: feedback, replies, sending again, several at once, previews, notifications."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from competency.evidence import services as evidence_services
from competency.extensions import db
from competency.reminders.models import Notification
from competency.signoff import conversation, services
from competency.signoff.models import Outcome, RequestState, SignOffMessage, SignOffRequest
from competency.signoff.rules import RuleBroken
from tests.evidence_support import capability, log_evidence, signoff_world, switch_user
from tests.factories import make_person

FEEDBACK = "Add what research or guidance informed your proposal."


@pytest.fixture
def world(db):
    w = signoff_world()
    w.evidence = log_evidence(w.practitioner, [w.registered_cap], title="Case discussion")
    w.request = services.request_signoff(w.practitioner, w.registered_cap, [w.evidence], w.preceptor)
    services.decide(w.request, w.preceptor, Outcome.return_, FEEDBACK)
    db.session.commit()
    return w


def ask_again(browser, w, data=None):
    url = f"/progress/capabilities/{w.registered_cap.uuid}/request"
    return browser.submit(url, {"evidence_ids": [w.evidence.id], "assessor_id": w.preceptor.id, **(data or {})})


def latest(w) -> SignOffRequest:
    return db.session.scalar(sa.select(SignOffRequest).where(SignOffRequest.practitioner_id == w.practitioner.id)
                             .order_by(SignOffRequest.id.desc()).limit(1))


class TestSendingAgain:
    def test_an_unchanged_resend_is_refused_with_a_clear_message(self, world, client, browser):
        switch_user(client, world.practitioner)
        response = ask_again(browser, world)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "Nothing has changed since Tom Preceptor returned your request" in page
        assert "Add or change evidence, or reply to the feedback" in page
        assert latest(world).id == world.request.id  # nothing was sent

    def test_the_form_shows_the_feedback_and_goes_back_to_the_same_reviewer(self, world, client):
        switch_user(client, world.practitioner)
        page = client.get(f"/progress/capabilities/{world.registered_cap.uuid}/request").get_data(as_text=True)
        assert FEEDBACK in page and "Ask for sign-off of PP-5-01 again" in page
        assert f'value="{world.preceptor.id}" checked' in page

    def test_a_reply_in_the_conversation_allows_sending_again(self, world, client, browser):
        switch_user(client, world.practitioner)
        reply = browser.submit(f"/review/requests/{world.request.id}",
                               {"body": "I used the NICE guideline on falls; it is in the case notes."},
                               post_url=f"/review/requests/{world.request.id}/messages")
        assert reply.status_code == 302
        assert ask_again(browser, world).status_code == 302
        resent = latest(world)
        assert resent.resubmits_id == world.request.id and resent.state == RequestState.pending

    def test_a_note_with_the_request_counts_as_a_reply(self, world, client, browser):
        switch_user(client, world.practitioner)
        assert ask_again(browser, world, {"message": "The guidance is now named in paragraph two."}).status_code == 302
        assert latest(world).resubmits_id == world.request.id

    def test_edited_evidence_allows_sending_again(self, world, client, browser):
        e = world.evidence
        evidence_services.update_evidence(e, world.practitioner, kind=e.kind, title=e.title, occurred_on=e.occurred_on,
                                          text="Now citing the NICE guideline.")
        db.session.commit()
        switch_user(client, world.practitioner)
        assert ask_again(browser, world).status_code == 302

    def test_an_added_file_counts_as_changed_evidence(self, world):
        evidence_services.add_attachment(world.evidence, world.practitioner, filename="guideline.txt",
                                         data=b"NICE NG249 summary")
        resent = services.request_signoff(world.practitioner, world.registered_cap, [world.evidence],
                                          world.preceptor)
        assert resent.resubmits_id == world.request.id

    def test_other_evidence_allows_sending_again(self, world):
        other = log_evidence(world.practitioner, [world.registered_cap], title="Journal club notes")
        resent = services.request_signoff(world.practitioner, world.registered_cap, [world.evidence, other],
                                          world.preceptor)
        assert resent.resubmits_id == world.request.id

    def test_asking_someone_else_with_nothing_changed_is_refused_too(self, world):
        with pytest.raises(RuleBroken) as refused:
            services.request_signoff(world.practitioner, world.registered_cap, [world.evidence], world.lead)
        assert refused.value.rule == "unchanged_resend"

    def test_the_reviewer_sees_the_earlier_feedback_and_reply_on_the_resent_request(self, world, client, browser):
        conversation.post_message(world.request, world.practitioner, "I have named the guideline now.")
        resent = services.request_signoff(world.practitioner, world.registered_cap, [world.evidence],
                                          world.preceptor, message="Second try, with the guideline.")
        db.session.commit()
        switch_user(client, world.preceptor)
        page = client.get(f"/review/requests/{resent.id}").get_data(as_text=True)
        assert "Sent again after it was returned" in page
        assert FEEDBACK in page and "I have named the guideline now." in page
        assert "Second try, with the guideline." in page
        assert page.index(FEEDBACK) < page.index("Second try, with the guideline.")

    def test_the_old_request_takes_no_more_messages_once_sent_again(self, world):
        conversation.post_message(world.request, world.practitioner, "Reply before sending again.")
        services.request_signoff(world.practitioner, world.registered_cap, [world.evidence], world.preceptor)
        db.session.refresh(world.request)
        with pytest.raises(RuleBroken) as refused:
            conversation.post_message(world.request, world.preceptor, "Late answer")
        assert refused.value.rule == "conversation_closed"


class TestConversation:
    def test_both_sides_see_the_replies_and_are_told(self, world, client, browser):
        switch_user(client, world.practitioner)
        browser.submit(f"/review/requests/{world.request.id}", {"body": "Which guidance would you expect?"},
                       post_url=f"/review/requests/{world.request.id}/messages")
        switch_user(client, world.preceptor)
        page = client.get(f"/review/requests/{world.request.id}").get_data(as_text=True)
        assert "Which guidance would you expect?" in page
        response = browser.submit(f"/review/requests/{world.request.id}", {"body": "The NICE falls guideline."},
                                  post_url=f"/review/requests/{world.request.id}/messages")
        assert response.status_code == 302
        switch_user(client, world.practitioner)
        assert "The NICE falls guideline." in client.get(f"/review/requests/{world.request.id}").get_data(as_text=True)
        titles = set(db.session.scalars(sa.select(Notification.title).where(
            Notification.kind == "signoff_message")))
        assert titles == {"Sam Preceptee wrote about PP-5-01", "Tom Preceptor wrote about PP-5-01"}

    def test_nobody_else_sees_or_writes_in_the_conversation(self, world, client, browser, login):
        conversation.post_message(world.request, world.practitioner, "Private reply about my case.")
        db.session.commit()
        for outsider in (world.peer, world.foreign_preceptor):
            switch_user(client, outsider)
            assert client.get(f"/review/requests/{world.request.id}").status_code == 404
            response = browser.post(f"/review/requests/{world.request.id}/messages", {"body": "Hello"})
            assert response.status_code == 404
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SignOffMessage)) == 1

    def test_messages_are_escaped_and_keep_their_lines(self, world, client):
        conversation.post_message(world.request, world.practitioner, "<script>alert(1)</script>\nsecond line")
        db.session.commit()
        switch_user(client, world.preceptor)
        page = client.get(f"/review/requests/{world.request.id}").get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>second line" in page

    def test_an_empty_message_gets_a_form_error(self, world, client, browser):
        switch_user(client, world.practitioner)
        response = browser.submit(f"/review/requests/{world.request.id}", {"body": "   "},
                                  post_url=f"/review/requests/{world.request.id}/messages")
        assert response.status_code == 400
        assert "Write your message before sending it" in response.get_data(as_text=True)

    def test_messages_are_audited_and_immutable(self, world):
        from competency.audit.models import AuditEvent
        from competency.signoff.immutability import RecordImmutable

        message = conversation.post_message(world.request, world.practitioner, "A reply")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "signoff.message_posted")) == 1
        message.body = "Rewritten"
        with pytest.raises(RecordImmutable):
            db.session.flush()
        db.session.rollback()

    def test_the_return_notification_opens_the_conversation(self, world):
        note = db.session.scalar(sa.select(Notification).where(Notification.user_id == world.practitioner.id,
                                                               Notification.kind == "signoff_decided"))
        assert note.link == f"/review/requests/{world.request.id}"

    def test_the_capability_page_shows_the_feedback_at_the_top(self, world, client):
        switch_user(client, world.practitioner)
        page = client.get(f"/progress/capabilities/{world.registered_cap.uuid}").get_data(as_text=True)
        assert page.index("Returned with feedback") < page.index("<h2>History</h2>")
        assert page.index(FEEDBACK) < page.index("<h2>History</h2>")


class TestNotifications:
    def test_opening_a_notification_marks_it_read_and_goes_there(self, world, client):
        note = db.session.scalar(sa.select(Notification).where(Notification.user_id == world.practitioner.id))
        switch_user(client, world.practitioner)
        listing = client.get("/notifications").get_data(as_text=True)
        assert f'href="/notifications/{note.id}"' in listing
        response = client.get(f"/notifications/{note.id}")
        assert response.status_code == 302 and response.headers["Location"] == note.link
        db.session.refresh(note)
        assert note.read_at is not None
        assert "You have no unread notifications." in client.get("/notifications").get_data(as_text=True)

    def test_someone_elses_notification_is_not_found_and_stays_unread(self, world, client):
        note = db.session.scalar(sa.select(Notification).where(Notification.user_id == world.preceptor.id))
        switch_user(client, world.practitioner)
        assert client.get(f"/notifications/{note.id}").status_code == 404
        db.session.refresh(note)
        assert note.read_at is None

    def test_a_link_off_the_site_is_not_followed(self, world, client):
        from competency.reminders.outbox import notify

        note = notify(world.practitioner, kind="other", title="Odd", link="//evil.example/x")
        db.session.commit()
        switch_user(client, world.practitioner)
        response = client.get(f"/notifications/{note.id}")
        assert response.headers["Location"].endswith("/notifications")


class TestSeveralAtOnce:
    def test_one_submission_makes_one_request_per_capability(self, client, browser, db):
        w = signoff_world()
        second = capability(w.version, "registered", "leadership")
        log_evidence(w.practitioner, [w.registered_cap, second], title="Team huddle I led")
        db.session.commit()
        switch_user(client, w.practitioner)
        form = client.get("/progress/requests/new").get_data(as_text=True)
        assert "PP-5-01" in form and "LD-5-01" in form
        response = browser.submit("/progress/requests/new", {"capability_ids": [w.registered_cap.uuid, second.uuid],
                                                             "assessor_id": w.preceptor.id, "message": "Both please"})
        assert response.status_code == 302
        made = db.session.scalars(sa.select(SignOffRequest).where(SignOffRequest.practitioner_id == w.practitioner.id)
                                  ).all()
        assert sorted(r.capability_uuid for r in made) == sorted([w.registered_cap.uuid, second.uuid])
        assert all(r.state == RequestState.pending and r.message == "Both please" and r.evidence for r in made)
        assert "2 requests sent to Tom Preceptor" in client.get("/progress/requests").get_data(as_text=True)

    def test_nothing_is_sent_when_one_capability_cannot_be(self, client, browser, db):
        w = signoff_world()
        log_evidence(w.practitioner, [w.registered_cap, w.advanced_cap], title="Service improvement project")
        db.session.commit()
        switch_user(client, w.practitioner)
        response = browser.submit("/progress/requests/new", {"capability_ids": [w.registered_cap.uuid,
                                                                                w.advanced_cap.uuid],
                                                             "assessor_id": w.preceptor.id})
        assert response.status_code == 400
        assert "PP-7-01" in response.get_data(as_text=True) and "practises below" in response.get_data(as_text=True)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SignOffRequest)) == 0

    def test_the_named_preceptor_is_chosen_for_you(self, client, db):
        from tests.programmes_support import enrol_on, make_team

        team = make_team(employment_start=date(2026, 10, 5))
        enrol_on(team, start_on=date(2026, 11, 2), on=date(2026, 11, 2))
        version = signoff_world().version
        cap = capability(version, "support")
        log_evidence(team.practitioner, [cap])
        db.session.commit()
        switch_user(client, team.practitioner)
        for url in (f"/progress/capabilities/{cap.uuid}/request", "/progress/requests/new"):
            page = client.get(url).get_data(as_text=True)
            assert f'value="{team.preceptor.id}" checked' in page, url
            assert "Your named preceptor, Tom Preceptor, is chosen for you" in page


class TestPreview:
    PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
           b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB"
           b"`\x82")

    def test_images_are_shown_inline_safely_to_the_reviewer(self, world, client):
        image = evidence_services.add_attachment(world.evidence, world.practitioner, filename="hoist.png",
                                                 data=self.PNG)
        db.session.commit()
        switch_user(client, world.preceptor)
        page = client.get(f"/review/requests/{world.request.id}").get_data(as_text=True)
        preview = f"/evidence/{world.evidence.id}/files/{image.id}/preview"
        assert f'src="{preview}"' in page
        response = client.get(preview)
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert response.headers["Content-Disposition"].startswith("inline")
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]
        switch_user(client, world.peer)
        assert client.get(preview).status_code == 404

    def test_other_files_are_downloaded_not_shown(self, world, client):
        from tests.unit.evidence.test_uploads import DOCX

        attachment = evidence_services.add_attachment(world.evidence, world.practitioner, filename="plan.docx",
                                                      data=DOCX)
        db.session.commit()
        switch_user(client, world.preceptor)
        response = client.get(f"/evidence/{world.evidence.id}/files/{attachment.id}/preview")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/evidence/{world.evidence.id}/files/{attachment.id}")


def test_a_practitioner_without_the_request_cannot_write(db):
    w = signoff_world()
    evidence = log_evidence(w.practitioner, [w.registered_cap])
    request = services.request_signoff(w.practitioner, w.registered_cap, [evidence], w.preceptor)
    from competency.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        conversation.post_message(request, make_person("preceptor", w.org), "I am not the assessor")


def test_a_decision_made_before_digests_were_kept_compares_edit_times(world):
    """Requests returned before the migration have no stored digest: an edit after the decision counts."""
    from datetime import timedelta

    db.session.execute(sa.text("UPDATE signoff_decision SET evidence_digest = NULL"))
    db.session.expire_all()
    with pytest.raises(RuleBroken):
        services.request_signoff(world.practitioner, world.registered_cap, [world.evidence], world.preceptor)
    decided_at = world.request.decision.decided_at
    db.session.execute(sa.text("UPDATE evidence SET updated_at = :at WHERE id = :id"),
                       {"at": decided_at + timedelta(minutes=5), "id": world.evidence.id})
    db.session.expire_all()
    resent = services.request_signoff(world.practitioner, world.registered_cap, [world.evidence], world.preceptor)
    assert resent.resubmits_id == world.request.id
