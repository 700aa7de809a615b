"""Asking, reviewing, signing, returning, withdrawing and revoking through the real pages."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from competency.extensions import db
from competency.reminders.models import Notification
from competency.signoff import services
from competency.signoff.models import RequestState, SignOff, SignOffRequest
from tests.evidence_support import log_evidence, signoff_world, switch_user


@pytest.fixture
def world(db):
    world = signoff_world()
    world.evidence = log_evidence(world.practitioner, [world.registered_cap], title="Kitchen assessment")
    db.session.commit()
    return world


def ask_through_form(world, client, browser, assessor=None, message="Please look at my kitchen assessment."):
    switch_user(client, world.practitioner)
    url = f"/progress/capabilities/{world.registered_cap.uuid}/request"
    form = client.get(url).get_data(as_text=True)
    assert world.preceptor.display_name in form and world.foreign_preceptor.display_name not in form
    response = browser.submit(url, {"evidence_ids": [str(world.evidence.id)],
                                    "assessor_id": str((assessor or world.preceptor).id), "message": message})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return db.session.scalar(sa.select(SignOffRequest).filter_by(practitioner_id=world.practitioner.id,
                                                                 state=RequestState.pending))


def test_ask_then_sign_off_then_see_it_in_progress(world, client, browser):
    request = ask_through_form(world, client, browser)
    assert request is not None and request.assessor_id == world.preceptor.id

    switch_user(client, world.preceptor)
    queue = client.get("/review/").get_data(as_text=True)
    assert world.practitioner.display_name in queue and world.registered_cap.code in queue
    page = client.get(f"/review/requests/{request.id}").get_data(as_text=True)
    assert "Kitchen assessment" in page and "Please look at my kitchen assessment." in page
    response = browser.submit(f"/review/requests/{request.id}", {"decision": "sign", "comment": "Clear and safe."},
                              post_url=f"/review/requests/{request.id}/decision")
    assert response.status_code == 302

    switch_user(client, world.practitioner)
    progress = client.get("/progress/").get_data(as_text=True)
    assert "1</strong> signed off" in progress
    capability_page = client.get(f"/progress/capabilities/{world.registered_cap.uuid}").get_data(as_text=True)
    assert "Signed off by Tom Preceptor" in capability_page and "Clear and safe." in capability_page
    assert "Ask for sign-off" not in capability_page
    note = db.session.scalar(sa.select(Notification).filter_by(user_id=world.practitioner.id))
    assert "signed off" in note.title


def test_returning_needs_feedback_and_is_shown_to_the_practitioner(world, client, browser):
    request = ask_through_form(world, client, browser)
    switch_user(client, world.preceptor)
    response = browser.submit(f"/review/requests/{request.id}", {"decision": "return", "comment": ""},
                              post_url=f"/review/requests/{request.id}/decision")
    assert response.status_code == 400
    assert "Give feedback so the practitioner knows what to add or change." in response.get_data(as_text=True)
    response = browser.submit(f"/review/requests/{request.id}",
                              {"decision": "return", "comment": "Add a direct observation."},
                              post_url=f"/review/requests/{request.id}/decision")
    assert response.status_code == 302
    switch_user(client, world.practitioner)
    page = client.get(f"/progress/capabilities/{world.registered_cap.uuid}").get_data(as_text=True)
    assert "Returned by Tom Preceptor" in page and "Add a direct observation." in page
    assert "Ask for sign-off" in page  # may ask again


def test_withdraw_while_pending(world, client, browser):
    request = ask_through_form(world, client, browser)
    response = browser.submit(f"/review/requests/{request.id}", {},
                              post_url=f"/progress/requests/{request.id}/withdraw")
    assert response.status_code == 302
    db.session.refresh(request)
    assert request.state == RequestState.withdrawn
    switch_user(client, world.preceptor)
    assert world.practitioner.display_name not in client.get("/review/").get_data(as_text=True)


def test_the_slower_of_two_reviewers_is_told_who_decided(world, client, browser):
    request = ask_through_form(world, client, browser)
    switch_user(client, world.lead)
    stale_form = client.get(f"/review/requests/{request.id}")
    assert stale_form.status_code == 200
    services.decide(request, world.preceptor, services.Outcome.sign)  # the preceptor is quicker
    db.session.commit()
    response = browser.submit(f"/review/requests/{request.id}", {"decision": "return", "comment": "Not yet"},
                              post_url=f"/review/requests/{request.id}/decision", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "has already been signed off by Tom Preceptor" in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignOff)) == 1


def test_a_practitioner_cannot_post_a_decision_on_their_own_request(world, client, browser):
    request = ask_through_form(world, client, browser)
    response = browser.post(f"/review/requests/{request.id}/decision", {"decision": "sign"})
    assert response.status_code == 403
    db.session.refresh(request)
    assert request.is_pending


def test_a_lead_revokes_with_a_reason(world, client, browser):
    request = ask_through_form(world, client, browser)
    services.decide(request, world.preceptor, services.Outcome.sign)
    db.session.commit()
    signoff = request.signoff
    switch_user(client, world.lead)
    page = client.get(f"/review/signoffs/{signoff.id}").get_data(as_text=True)
    assert "Revoke this sign-off" in page and "HCPC" in page
    response = browser.submit(f"/review/signoffs/{signoff.id}", {"reason": ""},
                              post_url=f"/review/signoffs/{signoff.id}/revoke")
    assert response.status_code == 400 and "Give the reason for revoking" in response.get_data(as_text=True)
    response = browser.submit(f"/review/signoffs/{signoff.id}", {"reason": "Signed against the wrong person."},
                              post_url=f"/review/signoffs/{signoff.id}/revoke", follow_redirects=True)
    assert "Signed against the wrong person." in response.get_data(as_text=True)
    switch_user(client, world.practitioner)
    history = client.get(f"/progress/capabilities/{world.registered_cap.uuid}").get_data(as_text=True)
    assert "Revoked" in history and "Signed against the wrong person." in history


def test_a_preceptor_who_did_not_sign_cannot_revoke(world, client, browser):
    request = ask_through_form(world, client, browser, assessor=world.lead)
    services.decide(request, world.lead, services.Outcome.sign)
    db.session.commit()
    switch_user(client, world.preceptor)
    page = client.get(f"/review/signoffs/{request.signoff.id}")
    assert page.status_code == 200 and "Revoke this sign-off" not in page.get_data(as_text=True)
    response = browser.post(f"/review/signoffs/{request.signoff.id}/revoke", {"reason": "No"})
    assert response.status_code == 403
