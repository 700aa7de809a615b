"""Sessions end for good: a cookie copied before sign-out, a password change or reset, deactivation
or "sign out everywhere" gets the sign-in page when replayed, and so does every other device.

Each test keeps the session cookie from before the event and sends it again afterwards, as an
attacker who copied it would.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import g

from competency.accounts.models import ApiToken
from competency.audit.models import AuditEvent
from competency.extensions import db
from tests.conftest import Browser
from tests.factories import PASSWORD, OrganisationFactory, make_person

NEW_PASSWORD = "lantern-orchard-pebble"


@pytest.fixture
def fresh_client(app, client):
    """A client class whose every request finds the user from its cookie alone.

    The tests share one app context, so what Flask-Login (the user) and Flask-WTF (the CSRF
    token) cache on ``g`` would otherwise carry from one request, or one client, to the next,
    which no real request does.
    """

    class FreshClient(type(client)):
        def open(self, *args, **kwargs):
            for name in list(vars(g)):
                g.pop(name)
            return super().open(*args, **kwargs)

    return lambda: FreshClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def browser(fresh_client):
    return Browser(fresh_client())


@pytest.fixture
def device(fresh_client):
    """Another browser: a second client with its own cookies, sharing the test's database."""
    return lambda: Browser(fresh_client())


def sign_in(browser: Browser, user, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session cookie the browser now holds."""
    response = browser.submit("/login", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert browser.get("/profile").status_code == 200
    return browser.client.get_cookie("session").value


def replay(browser: Browser, cookie: str):
    """GET /profile with ``cookie`` instead of whatever the browser holds now."""
    browser.client.set_cookie("session", cookie)
    return browser.get("/profile")


def is_sign_in_page(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def new_token(user) -> str:
    from competency.accounts.services import create_api_token

    _, secret = create_api_token(user, "script")
    db.session.commit()
    return secret


def api_status(browser: Browser, secret: str) -> int:
    return browser.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code


class TestSignOut:
    def test_a_cookie_copied_before_sign_out_gets_the_sign_in_page(self, browser, db):
        person = make_person("practitioner")
        cookie = sign_in(browser, person)

        browser.post("/logout")

        assert is_sign_in_page(replay(browser, cookie))

    def test_signing_out_on_one_device_signs_out_every_device(self, browser, device, db):
        person = make_person("practitioner")
        sign_in(browser, person)
        phone = device()
        sign_in(phone, person)

        browser.post("/logout")

        assert is_sign_in_page(phone.get("/profile"))

    def test_signing_in_again_afterwards_works_and_is_not_ended_by_the_old_sign_out(self, browser, db):
        person = make_person("practitioner")
        old = sign_in(browser, person)
        browser.post("/logout")

        sign_in(browser, person)

        assert browser.get("/profile").status_code == 200
        assert is_sign_in_page(replay(browser, old))

    def test_sign_out_is_audited_and_keeps_tokens(self, browser, db):
        person = make_person("practitioner")
        secret = new_token(person)
        sign_in(browser, person)

        browser.post("/logout")

        event = db.session.scalars(sa.select(AuditEvent).filter_by(action="auth.sessions_ended")).one()
        assert event.subject_id == str(person.id) and event.data == {"reason": "signed_out"}
        assert api_status(browser, secret) == 200


class TestPasswordReset:
    def test_a_cookie_from_before_a_reset_gets_the_sign_in_page_and_tokens_stop(self, browser, device, db,
                                                                                  mailbox):
        person = make_person("practitioner", email="forgetful@example.org")
        secret = new_token(person)
        cookie = sign_in(browser, person)

        other = device()
        other.submit("/forgot-password", {"email": person.email})
        link = mailbox.link(person.email, "/reset-password/")
        response = other.submit(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert response.status_code == 302

        assert is_sign_in_page(browser.get("/profile"))  # the open session ended
        assert is_sign_in_page(replay(browser, cookie))
        assert api_status(browser, secret) == 401
        sign_in(other, person, NEW_PASSWORD)


class TestPasswordChange:
    def test_changing_the_password_keeps_this_session_and_ends_every_other(self, browser, device, db):
        person = make_person("practitioner")
        secret = new_token(person)
        before = sign_in(browser, person)
        laptop = device()
        sign_in(laptop, person)

        response = browser.submit("/profile/password", {"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                        "confirm": NEW_PASSWORD})

        assert response.status_code == 302 and response.headers["Location"] == "/profile"
        assert "signed out everywhere else" in browser.get("/profile").get_data(as_text=True)
        assert is_sign_in_page(laptop.get("/profile"))
        after = browser.client.get_cookie("session").value
        assert is_sign_in_page(replay(browser, before))
        assert replay(browser, after).status_code == 200
        assert api_status(browser, secret) == 200  # whoever changed it knew the old password
        browser.post("/logout")
        sign_in(browser, person, NEW_PASSWORD)

    def test_the_current_password_must_be_right(self, browser, db):
        person = make_person("practitioner")
        sign_in(browser, person)

        response = browser.submit("/profile/password", {"current_password": "not-my-password",
                                                        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

        assert response.status_code == 400
        assert "Your current password is not correct" in response.get_data(as_text=True)
        assert browser.get("/profile").status_code == 200

    def test_a_weak_new_password_is_refused(self, browser, db):
        person = make_person("practitioner")
        sign_in(browser, person)

        response = browser.submit("/profile/password", {"current_password": PASSWORD, "password": "short",
                                                        "confirm": "short"})

        assert response.status_code == 400 and "at least 12 characters" in response.get_data(as_text=True)


class TestDeactivation:
    def test_a_deactivated_persons_cookie_gets_the_sign_in_page_and_their_tokens_stop(self, browser, device, db):
        council = OrganisationFactory()
        admin = make_person("admin", council)
        person = make_person("practitioner", council)
        secret = new_token(person)
        cookie = sign_in(browser, person)

        office = device()
        sign_in(office, admin)
        response = office.post(f"/admin/organisations/{council.id}/people/{person.id}/active")
        assert response.status_code == 302

        assert is_sign_in_page(browser.get("/profile"))
        assert is_sign_in_page(replay(browser, cookie))
        assert api_status(browser, secret) == 401
        assert db.session.scalar(sa.select(ApiToken.revoked_at).filter_by(user_id=person.id)) is not None


class TestSignOutEverywhere:
    def test_an_admin_signs_a_member_out_of_every_session(self, browser, device, db):
        council = OrganisationFactory()
        admin = make_person("admin", council)
        person = make_person("practitioner", council)
        cookie = sign_in(browser, person)
        office = device()
        sign_in(office, admin)

        response = office.post(f"/admin/organisations/{council.id}/people/{person.id}/sign-out")

        assert response.status_code == 302
        assert is_sign_in_page(replay(browser, cookie))
        assert office.get("/profile").status_code == 200  # the admin's own session carries on
        event = db.session.scalars(sa.select(AuditEvent).filter_by(action="auth.sessions_ended")).one()
        assert event.actor_id == admin.id and event.data == {"reason": "signed_out_everywhere"}

    def test_an_admin_of_another_organisation_cannot(self, browser, device, db):
        council = OrganisationFactory()
        person = make_person("practitioner", council)
        outsider = make_person("admin", OrganisationFactory())
        cookie = sign_in(browser, person)
        office = device()
        sign_in(office, outsider)

        response = office.post(f"/admin/organisations/{council.id}/people/{person.id}/sign-out")

        assert response.status_code == 404
        assert replay(browser, cookie).status_code == 200

    def test_a_person_signs_themselves_out_everywhere(self, browser, device, db):
        person = make_person("practitioner")
        cookie = sign_in(browser, person)
        phone = device()
        sign_in(phone, person)

        response = browser.post("/profile/sign-out-everywhere")

        assert is_sign_in_page(response)
        assert is_sign_in_page(phone.get("/profile"))
        assert is_sign_in_page(replay(browser, cookie))


def test_a_session_id_that_is_not_ours_is_refused(app, db):
    """A cookie from before generations existed, or a made-up id, signs nobody in."""
    from competency.accounts.sessions import user_for_session

    person = make_person("practitioner")
    assert user_for_session(person.get_id()) == person
    for value in (str(person.id), f"{person.id}:", f"{person.id}:x", f":{person.session_generation}",
                  f"{person.id}:{person.session_generation + 1}", f"{person.id}:-1", "1" * 30 + ":0", None, ""):
        assert user_for_session(value) is None, value
