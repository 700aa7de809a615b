"""Signing in and out, forgotten passwords, invitations, the profile and personal access tokens.

Every test drives the real HTML forms (CSRF token included) through the test client.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import time_machine
from flask import current_app

from competency.accounts import services
from competency.accounts.models import ApiToken, Membership, Role, User
from competency.accounts.tokens import digest
from competency.audit.models import AuditEvent
from competency.db import utcnow
from competency.extensions import db
from tests.factories import PASSWORD, OrganisationFactory, UserFactory, make_person

NEW_PASSWORD = "lantern-orchard-pebble"


def sign_in(browser, email: str, password: str, next_url: str | None = None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return browser.submit(url, {"email": email, "password": password})


def page_text(response) -> str:
    return response.get_data(as_text=True)


class TestSignIn:
    def test_the_right_password_signs_in_and_shows_the_home_page(self, browser, db):
        person = make_person("practitioner", display_name="Ada Lovelace")

        response = sign_in(browser, person.email, PASSWORD)

        assert response.status_code == 302
        assert response.headers["Location"] == "/"
        home = browser.get("/")
        assert "Hello, Ada Lovelace" in page_text(home)
        assert db.session.get(User, person.id).last_login_at is not None

    def test_email_is_matched_whatever_its_case(self, browser, db):
        person = make_person("practitioner", email="mixed.case@example.org")

        assert sign_in(browser, "  Mixed.Case@Example.ORG ", PASSWORD).status_code == 302

    def test_every_demo_account_signs_in_through_the_form(self, browser, db):
        from competency.demo.accounts import PEOPLE, seed_accounts
        from competency.demo.context import DemoContext

        seed_accounts(DemoContext(password=PASSWORD))
        db.session.commit()

        for email, name, *_ in PEOPLE:  # .test addresses, which some e-mail validators refuse
            assert sign_in(browser, email, PASSWORD).status_code == 302, email
            assert f"Hello, {name}" in page_text(browser.get("/"))
            browser.post("/logout")

    def test_a_wrong_password_shows_an_error_and_is_audited(self, browser, db):
        person = make_person("practitioner")

        response = sign_in(browser, person.email, "not-the-password")

        assert response.status_code == 400
        assert "The email address or password is not correct" in page_text(response)
        assert "There is a problem" in page_text(response)
        assert browser.get("/profile").status_code == 302  # still signed out
        failures = db.session.scalars(sa.select(AuditEvent).filter_by(action="auth.login_failed")).all()
        assert [e.subject_id for e in failures] == [str(person.id)]

    def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(self, browser, db):
        response = sign_in(browser, "nobody@example.org", "whatever-it-is")

        assert response.status_code == 400
        assert "The email address or password is not correct" in page_text(response)

    def test_an_inactive_account_cannot_sign_in_even_with_the_right_password(self, browser, db):
        person = make_person("practitioner", is_active_account=False)

        response = sign_in(browser, person.email, PASSWORD)

        assert response.status_code == 400
        assert "The email address or password is not correct" in page_text(response)
        assert browser.get("/profile").status_code == 302

    def test_a_deactivated_account_is_signed_out_of_its_open_session(self, browser, db):
        person = make_person("practitioner")
        sign_in(browser, person.email, PASSWORD)
        assert browser.get("/profile").status_code == 200

        person.is_active_account = False
        db.session.commit()

        assert browser.get("/profile").status_code == 302

    def test_sign_in_returns_to_the_page_asked_for(self, browser, db):
        person = make_person("practitioner")
        assert browser.get("/profile").headers["Location"].startswith("/login?next=")

        response = sign_in(browser, person.email, PASSWORD, next_url="/profile")

        assert response.headers["Location"] == "/profile"

    def test_sign_in_never_redirects_to_another_site(self, browser, db):
        for target in ("//evil.example/", "https://evil.example/", "/\\evil.example/"):
            person = make_person("practitioner")
            response = sign_in(browser, person.email, PASSWORD, next_url=target)
            assert response.status_code == 302
            assert response.headers["Location"] == "/", target
            browser.post("/logout")

    def test_a_signed_in_person_visiting_sign_in_goes_home(self, browser, db):
        person = make_person("practitioner")
        sign_in(browser, person.email, PASSWORD)

        assert browser.get("/login").headers["Location"] == "/"


class TestLockout:
    """Six rapid wrong passwords lock that account's sign-in for a while, and only that account."""

    LOCKED = "Too many failed attempts to sign in to this account"

    def test_six_wrong_passwords_lock_the_account_even_against_the_right_password(self, browser, db):
        person = make_person("practitioner")
        bystander = make_person("practitioner")

        answers = [sign_in(browser, person.email, f"wrong-guess-{n}") for n in range(6)]

        assert [a.status_code for a in answers[:5]] == [400] * 5
        assert answers[5].status_code == 429
        assert self.LOCKED in page_text(answers[5])
        right = sign_in(browser, person.email, PASSWORD)
        assert right.status_code == 429
        assert self.LOCKED in page_text(right)
        assert "Wait 15 minutes" in page_text(right)
        assert browser.get("/profile").status_code == 302  # not signed in
        # Another account from the same address is unaffected.
        assert sign_in(browser, bystander.email, PASSWORD).status_code == 302

    def test_successful_sign_ins_do_not_count_towards_the_lock(self, browser, db):
        person = make_person("practitioner")
        for _ in range(7):
            assert sign_in(browser, person.email, PASSWORD).status_code == 302
            browser.post("/logout")


class TestSignOut:
    def test_signing_out_ends_the_session(self, browser, db):
        person = make_person("practitioner")
        sign_in(browser, person.email, PASSWORD)

        response = browser.post("/logout")

        assert response.status_code == 302
        assert response.headers["Location"] == "/login"
        login_page = browser.get("/login")
        assert "You have signed out." in page_text(login_page)
        assert browser.get("/profile").status_code == 302

    def test_sign_out_is_a_post_with_a_csrf_token(self, browser, db):
        person = make_person("practitioner")
        sign_in(browser, person.email, PASSWORD)

        assert browser.get("/logout").status_code == 405
        assert browser.client.post("/logout").status_code == 400
        assert browser.get("/profile").status_code == 200  # still signed in


class TestForgottenPassword:
    def test_the_emailed_link_sets_a_new_password_once(self, browser, db, mailbox):
        person = make_person("practitioner")

        sent = browser.submit("/forgot-password", {"email": person.email.upper()})

        assert sent.status_code == 200
        assert "Check your email" in page_text(sent)
        message = mailbox.last(person.email)
        assert message["Subject"] == "Reset your competency password"
        assert "works once and for 60 minutes" in mailbox.text(message)
        link = mailbox.link(person.email, "/reset-password/")
        token = link.rsplit("/", 1)[-1]
        assert token not in {r for r in db.session.scalars(sa.text("SELECT token_hash FROM password_reset"))}

        changed = browser.submit(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

        assert changed.status_code == 302 and changed.headers["Location"] == "/login"
        assert sign_in(browser, person.email, PASSWORD).status_code == 400
        assert sign_in(browser, person.email, NEW_PASSWORD).status_code == 302
        browser.post("/logout")
        again = browser.get(link)
        assert again.status_code == 404
        assert "This link is not valid" in page_text(again)

    def test_the_link_expires_after_one_hour(self, browser, db, mailbox):
        person = make_person("practitioner")
        with time_machine.travel(utcnow(), tick=True) as clock:
            browser.submit("/forgot-password", {"email": person.email})
            link = mailbox.link(person.email, "/reset-password/")
            clock.shift(timedelta(minutes=59))
            assert browser.get(link).status_code == 200
            clock.shift(timedelta(minutes=2))

            expired = browser.get(link)
            assert expired.status_code == 404
            assert "Links work once and for one hour" in page_text(expired)
            late = browser.submit("/login", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, post_url=link)
            assert late.status_code == 404
        assert sign_in(browser, person.email, PASSWORD).status_code == 302

    def test_a_new_link_retires_older_ones_once_used(self, browser, db, mailbox):
        person = make_person("practitioner")
        browser.submit("/forgot-password", {"email": person.email})
        first = mailbox.link(person.email, "/reset-password/")
        browser.submit("/forgot-password", {"email": person.email})
        second = mailbox.link(person.email, "/reset-password/")
        assert first != second

        browser.submit(second, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

        assert browser.get(first).status_code == 404

    def test_an_unknown_email_gets_the_same_page_and_no_mail(self, browser, db, mailbox):
        before = len(mailbox.messages())

        sent = browser.submit("/forgot-password", {"email": "no.such.person@example.org"})

        assert sent.status_code == 200
        assert "Check your email" in page_text(sent)
        assert len(mailbox.messages()) == before

    def test_a_weak_or_mismatched_new_password_is_refused_with_a_message(self, browser, db, mailbox):
        person = make_person("practitioner")
        browser.submit("/forgot-password", {"email": person.email})
        link = mailbox.link(person.email, "/reset-password/")

        short = browser.submit(link, {"password": "short", "confirm": "short"})
        mismatch = browser.submit(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})

        assert "Enter a password of at least 12 characters" in page_text(short)
        assert "The passwords do not match" in page_text(mismatch)
        assert browser.get(link).status_code == 200  # the link still works


class TestInvitation:
    def invite(self, db, email: str, roles=(Role.practitioner,)):
        organisation = OrganisationFactory(name="Downshire County Council")
        admin = make_person("admin", organisation)
        with current_app.test_request_context():  # as from the admin page; its e-mail builds URLs
            _, secret = services.invite(organisation, email, set(roles), by=admin)
        db.session.commit()
        return organisation, f"/invitations/{secret}"

    def test_a_new_person_creates_their_account_and_joins(self, browser, db):
        organisation, link = self.invite(db, "new.starter@example.org", roles=(Role.practitioner, Role.preceptor))

        page = browser.get(link)
        assert "Join Downshire County Council" in page_text(page)
        response = browser.submit(link, {"display_name": "Nia Starter", "password": NEW_PASSWORD})

        assert response.status_code == 302
        assert "Welcome to Downshire County Council" in page_text(browser.get("/"))
        user = services.find_user_by_email("new.starter@example.org")
        roles = {m.role for m in user.memberships if m.organisation_id == organisation.id and m.is_active}
        assert roles == {Role.practitioner, Role.preceptor}
        browser.post("/logout")
        assert sign_in(browser, "new.starter@example.org", NEW_PASSWORD).status_code == 302
        browser.post("/logout")
        used = browser.get(link)
        assert used.status_code == 404
        assert "expired or been used already" in page_text(used)

    def test_a_new_person_must_choose_a_strong_password(self, browser, db):
        _, link = self.invite(db, "weak@example.org")

        empty = browser.submit(link, {"display_name": "Weak", "password": ""})
        response = browser.submit(link, {"display_name": "Weak", "password": "too-short"})

        assert "Enter a password" in page_text(empty)
        assert response.status_code == 200
        assert "Enter a password of at least 12 characters" in page_text(response)
        assert services.find_user_by_email("weak@example.org") is None

    def test_an_existing_account_joins_with_its_own_password(self, browser, db):
        elsewhere = make_person("practitioner", email="moving.on@example.org", display_name="Kit Mover")
        organisation, link = self.invite(db, "moving.on@example.org")

        page = browser.get(link)
        assert "There is already an account for" in page_text(page)
        wrong = browser.submit(link, {"display_name": "Kit Mover", "password": "not-my-password"})
        assert "Enter the password of your existing account" in page_text(wrong)
        assert browser.get("/profile").status_code == 302

        joined = browser.submit(link, {"display_name": "Kit Mover", "password": PASSWORD})

        assert joined.status_code == 302
        db.session.refresh(elsewhere)
        orgs = {m.organisation_id for m in elsewhere.memberships if m.is_active}
        assert organisation.id in orgs and len(orgs) == 2  # the old membership stays
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)
                                 .where(User.email == "moving.on@example.org")) == 1

    def test_an_existing_account_already_signed_in_joins_without_a_password(self, browser, db):
        person = make_person("practitioner", email="signed.in@example.org")
        organisation, link = self.invite(db, "signed.in@example.org", roles=(Role.lead,))
        sign_in(browser, person.email, PASSWORD)

        page = page_text(browser.get(link))
        assert 'type="password"' not in page

        response = browser.submit(link, {})

        assert response.status_code == 302
        assert db.session.scalar(sa.select(Membership).filter_by(
            user_id=person.id, organisation_id=organisation.id, role=Role.lead)) is not None

    def test_an_expired_invitation_is_refused(self, browser, db):
        _, link = self.invite(db, "late@example.org")
        with time_machine.travel(utcnow() + timedelta(days=15)):
            assert browser.get(link).status_code == 404


class TestProfile:
    def test_a_person_edits_their_details(self, browser, db):
        person = make_person("practitioner")
        sign_in(browser, person.email, PASSWORD)

        response = browser.submit("/profile", {
            "display_name": "Sam Okafor", "profession": "Occupational therapist",
            "registration_body": "HCPC", "registration_number": "OT99876",
        })

        assert response.status_code == 302
        page = page_text(browser.get("/profile"))
        assert "Your details have been saved." in page
        db.session.refresh(person)
        assert (person.display_name, person.registration_body, person.registration_number) == (
            "Sam Okafor", "HCPC", "OT99876")

    def test_a_blank_name_is_refused(self, browser, db):
        person = make_person("practitioner", display_name="Kept Name")
        sign_in(browser, person.email, PASSWORD)

        response = browser.submit("/profile", {"display_name": "", "profession": ""})

        assert "Enter your name" in page_text(response)
        db.session.refresh(person)
        assert person.display_name == "Kept Name"


class TestPersonalAccessTokens:
    def create_token(self, browser, name="ESR export script") -> str:
        page = browser.submit("/profile", {"name": name}, post_url="/profile/tokens")
        assert page.status_code == 200
        html = page_text(page)
        assert "Copy your new token now" in html
        secret = html.split('id="new-token">', 1)[1].split("<", 1)[0]
        assert secret.startswith("cpt_")
        return secret

    def test_a_token_is_shown_once_stored_hashed_and_works_on_the_api(self, browser, db):
        person = make_person("practitioner")
        sign_in(browser, person.email, PASSWORD)

        secret = self.create_token(browser)

        stored = db.session.scalar(sa.select(ApiToken).filter_by(user_id=person.id))
        assert stored.token_hash == digest(secret) and secret not in stored.token_hash
        profile = page_text(browser.get("/profile"))
        assert "ESR export script" in profile and secret not in profile
        assert secret[:10] in profile  # the prefix helps recognise it
        me = browser.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert me.status_code == 200 and me.json["email"] == person.email
        assert "Never" not in page_text(browser.get("/profile"))  # last used is shown

    def test_a_revoked_token_answers_401(self, browser, db):
        person = make_person("practitioner")
        sign_in(browser, person.email, PASSWORD)
        secret = self.create_token(browser)
        token = db.session.scalar(sa.select(ApiToken).filter_by(user_id=person.id))

        response = browser.submit("/profile", {}, post_url=f"/profile/tokens/{token.id}/revoke")

        assert response.status_code == 302
        assert "has been revoked" in page_text(browser.get("/profile"))
        refused = browser.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert refused.status_code == 401
        assert refused.content_type == "application/problem+json"

    def test_nobody_can_revoke_someone_elses_token(self, browser, db):
        owner = make_person("practitioner")
        token, secret = services.create_api_token(owner, "owner's")
        db.session.commit()
        other = make_person("admin")
        sign_in(browser, other.email, PASSWORD)

        response = browser.submit("/profile", {}, post_url=f"/profile/tokens/{token.id}/revoke")

        assert response.status_code == 404
        assert browser.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200

    def test_a_token_without_a_name_is_refused(self, browser, db):
        person = make_person("practitioner")
        sign_in(browser, person.email, PASSWORD)

        response = browser.submit("/profile", {"name": ""}, post_url="/profile/tokens")

        assert response.status_code == 302
        assert "Give the token a name" in page_text(browser.get("/profile"))
        assert db.session.scalar(sa.select(ApiToken).filter_by(user_id=person.id)) is None
