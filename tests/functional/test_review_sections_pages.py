"""The milestone review page with a section per party, through the real form (issue 15.3).

Regression: the preceptee added a sentence after the preceptor signed; the old page saved
it at once, voided the preceptor's signature and said "Review signed."
"""
from __future__ import annotations

import html
import re
from datetime import date

import pytest
import time_machine

from competency.extensions import db
from competency.preceptorship.models import Enrolment
from competency.preceptorship.reviews import outstanding_parties
from tests.programmes_support import enrol_on, make_team, shipped_templates

REFLECTION = "Three months in, I hold my own caseload."


@pytest.fixture
def team(db):
    return make_team(shipped_templates())


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(date(2027, 1, 11), tick=False):
        yield


@pytest.fixture
def login(browser, client):
    """Sign in as ``user`` through the real forms, signing out first."""
    from tests.factories import PASSWORD

    def _switch(user):
        with client.session_transaction() as session:
            signed_in = "_user_id" in session
        if signed_in:
            browser.post("/logout")
        assert browser.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return user

    return _switch


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


@pytest.fixture
def signed_by_preceptor(browser, login, team):
    """Sam wrote the 3-month review's reflection; Tom wrote his section and signed."""
    enrolment = enrol_on(team)
    url = f"/programmes/enrolments/{enrolment.id}/milestones/review_3m"
    login(team.practitioner)
    assert browser.submit(url, {"reflection": REFLECTION, "action": "save"}).status_code == 302
    login(team.preceptor)
    response = browser.submit(url, {"preceptor_feedback": "Sam has grown in confidence.", "action": "sign"})
    assert response.status_code == 302
    assert "You signed the 3-month review as preceptor. Still to sign: Sam Preceptee (preceptee)." \
        in text(browser.get(url))
    return enrolment, url


def test_a_change_that_voids_a_signature_is_checked_first_and_nothing_is_saved(browser, login, team,
                                                                              signed_by_preceptor):
    enrolment, url = signed_by_preceptor
    login(team.practitioner)
    response = browser.submit(url, {"reflection": REFLECTION + " Home visits are easier.", "action": "sign"})
    page = text(response)
    assert response.status_code == 200
    assert "Check before you save" in page
    assert "Tom Preceptor (preceptor): they signed having read the preceptee's section as it was." in page
    assert "Tom Preceptor will be told and asked to sign again." in page
    # The typed text travels with the check page, and nothing is saved yet.
    assert 'value="Three months in, I hold my own caseload. Home visits are easier."' in page
    db.session.expire_all()
    milestone = db.session.get(Enrolment, enrolment.id).milestone("review_3m")
    assert milestone.reflection == REFLECTION and outstanding_parties(milestone) == ["preceptee"]


def test_confirming_saves_signs_and_says_exactly_what_happened(browser, login, team, signed_by_preceptor):
    enrolment, url = signed_by_preceptor
    login(team.practitioner)
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.client.get(url).get_data(as_text=True))[1]
    response = browser.client.post(url, data={"csrf_token": token, "reflection": REFLECTION + " Easier now.",
                                              "action": "sign", "confirm": "preceptor"})
    assert response.status_code == 302
    page = text(browser.get(url))
    assert ("Saved the preceptee's section. Tom Preceptor (preceptor) needs to sign again and has been told. "
            "You signed the 3-month review as preceptee. Still to sign: Tom Preceptor (preceptor).") in page
    assert "Review signed." not in page
    assert "Needs signing again" in page
    db.session.expire_all()
    milestone = db.session.get(Enrolment, enrolment.id).milestone("review_3m")
    assert outstanding_parties(milestone) == ["preceptor"]


def test_going_back_from_the_check_keeps_what_was_typed(browser, login, team, signed_by_preceptor):
    _, url = signed_by_preceptor
    login(team.practitioner)
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.client.get(url).get_data(as_text=True))[1]
    response = browser.client.post(url, data={"csrf_token": token, "reflection": REFLECTION + " Easier now.",
                                              "action": "edit"})
    page = text(response)
    assert response.status_code == 200 and f"{REFLECTION} Easier now.</textarea>" in page


def test_each_person_edits_only_their_own_section(browser, login, team, signed_by_preceptor):
    _, url = signed_by_preceptor
    login(team.practitioner)
    page = text(browser.get(url))
    assert "Tom Preceptor signed having read this section. If you change it, they will need to sign again" in page
    assert 'name="reflection"' in page and 'name="preceptor_feedback"' not in page
    assert "Sam has grown in confidence." in page  # Tom's section, read-only
    # A field of someone else's section sent anyway is ignored, not saved.
    assert browser.submit(url, {"preceptor_feedback": "Rewritten", "action": "save"}).status_code == 302
    assert "Rewritten" not in text(browser.get(url))


def test_the_api_lists_who_would_need_to_sign_again_until_confirmed(client, team, signed_by_preceptor):
    from competency.accounts.services import create_api_token

    enrolment, _ = signed_by_preceptor
    token = create_api_token(team.practitioner, name="test")[1]
    url = f"/api/v1/enrolments/{enrolment.id}/milestones/review_3m/signatures"
    headers = {"Authorization": f"Bearer {token}"}
    refused = client.post(url, json={"reflection": REFLECTION + " More."}, headers=headers)
    assert refused.status_code == 409 and refused.content_type == "application/problem+json"
    assert "Tom Preceptor (preceptor) will need to sign again" in refused.get_json()["detail"]
    done = client.post(url, json={"reflection": REFLECTION + " More.", "confirm_resign": ["preceptor"]},
                       headers=headers)
    assert done.status_code == 201 and done.get_json()["awaiting"] == ["preceptor"]
