"""Account services and policies, called as a worker or the CLI would: no request involved."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from competency.accounts import policies, services
from competency.accounts.models import Invitation, Role, User
from competency.accounts.passwords import check_password, hash_password, password_problem
from competency.accounts.tokens import digest
from competency.db import utcnow
from competency.errors import Conflict, DomainError, NotFound, PermissionDenied
from tests.factories import PASSWORD, OrganisationFactory, make_person


class TestUsers:
    def test_email_is_stored_lower_case_and_unique_whatever_the_case(self, db):
        user = services.create_user("  Sam.Okafor@Example.ORG ", "Sam Okafor", password=PASSWORD)

        assert user.email == "sam.okafor@example.org"
        assert services.find_user_by_email("SAM.OKAFOR@example.org") is user
        with pytest.raises(Conflict, match="already exists"):
            services.create_user("sam.okafor@EXAMPLE.org", "Someone Else")

    def test_the_database_itself_refuses_a_duplicate_email(self, db):
        services.create_user("twin@example.org", "One")
        db.session.add(User(email="twin@example.org", display_name="Two"))

        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()

    def test_passwords_are_argon2id_hashes(self, db):
        user = services.create_user("hash@example.org", "Hash", password=PASSWORD)

        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        assert check_password(user.password_hash, PASSWORD)
        assert not check_password(user.password_hash, PASSWORD + "!")
        assert not check_password(None, PASSWORD)
        assert not check_password("not-a-hash", PASSWORD)

    def test_weak_passwords_get_a_message(self):
        assert password_problem("short") == "Enter a password of at least 12 characters"
        assert password_problem("password1234") == "Choose a password that is harder to guess"
        assert password_problem("lantern-orchard-pebble") is None

    def test_authenticate_refuses_wrong_passwords_and_closed_accounts(self, db):
        user = make_person("practitioner")
        closed = make_person("practitioner", is_active_account=False)

        assert services.authenticate(user.email.upper(), PASSWORD) is user
        assert user.last_login_at is not None
        assert services.authenticate(user.email, "wrong") is None
        assert services.authenticate(closed.email, PASSWORD) is None
        assert services.authenticate("nobody@example.org", PASSWORD) is None


class TestRolesAndEmployment:
    def test_set_roles_makes_the_roles_exactly_those_given(self, db):
        organisation = OrganisationFactory()
        admin = make_person("admin", organisation)
        person = make_person("practitioner", organisation)

        services.set_roles(person, organisation, {Role.preceptor, Role.lead}, by=admin)

        assert policies.org_ids_with_role(person, Role.preceptor) == {organisation.id}
        assert policies.has_role(person, organisation, Role.lead)
        assert not policies.has_role(person, organisation, Role.practitioner)
        assert policies.can_lead(person, organisation) and not policies.can_admin(person, organisation)

    def test_only_an_admin_of_that_organisation_sets_roles(self, db):
        organisation = OrganisationFactory()
        person = make_person("practitioner", organisation)
        lead = make_person("lead", organisation)
        foreign_admin = make_person("admin")

        for actor in (lead, foreign_admin):
            with pytest.raises(PermissionDenied):
                services.set_roles(person, organisation, {Role.admin}, by=actor)
        assert not policies.can_admin(person, organisation)

    def test_roles_combine_across_organisations(self, db):
        council, trust = OrganisationFactory(), OrganisationFactory()
        person = make_person("practitioner", council)
        services.ensure_membership(person, trust, Role.preceptor)

        assert policies.org_ids_with_role(person) == {council.id, trust.id}
        assert policies.org_ids_with_role(person, Role.preceptor) == {trust.id}

    def test_staff_see_people_of_their_organisations_only(self, db):
        council, trust = OrganisationFactory(), OrganisationFactory()
        person = make_person("practitioner", council)
        preceptor = make_person("preceptor", council)
        peer = make_person("practitioner", council)
        foreign_lead = make_person("lead", trust)

        assert policies.can_see_person(person, person)
        assert policies.can_see_person(preceptor, person)
        assert not policies.can_see_person(peer, person)
        assert not policies.can_see_person(foreign_lead, person)
        assert not policies.can_see_person(None, person)

    def test_employment_is_current_between_its_dates(self, db):
        organisation = OrganisationFactory()
        admin = make_person("admin", organisation)
        person = make_person("practitioner", organisation, employed=False)

        job = services.add_employment(person, organisation, role_title="OT", level_code="registered",
                                      start_on=date(2024, 1, 1), end_on=date(2024, 12, 31), fte=0.8, by=admin)

        assert job.is_current_on(date(2024, 6, 1))
        assert not job.is_current_on(date(2025, 1, 1))
        assert policies.current_employer_ids(person, date(2024, 6, 1)) == {organisation.id}
        with pytest.raises(DomainError, match="FTE"):
            services.add_employment(person, organisation, role_title="OT", level_code="registered",
                                    start_on=date(2024, 1, 1), fte=0, by=admin)


class TestInvitationsAndResets:
    def test_an_invitation_is_single_use_and_stores_only_a_hash(self, app, db):
        organisation = OrganisationFactory()
        admin = make_person("admin", organisation)
        with app.test_request_context():
            invitation, secret = services.invite(organisation, "New@Example.org", {Role.practitioner}, by=admin)

        assert invitation.email == "new@example.org"
        assert invitation.token_hash == digest(secret)
        user = services.accept_invitation(secret, display_name="New Person", password="lantern-orchard-pebble")
        assert policies.has_role(user, organisation, Role.practitioner)
        with pytest.raises(NotFound):
            services.accept_invitation(secret, display_name="Again", password="lantern-orchard-pebble")

    def test_holding_the_link_is_not_enough_to_join_as_an_existing_account(self, app, db):
        organisation = OrganisationFactory()
        admin = make_person("admin", organisation)
        existing = make_person("practitioner")
        with app.test_request_context():
            _, secret = services.invite(organisation, existing.email, {Role.preceptor}, by=admin)

        with pytest.raises(DomainError, match="password of your existing account"):
            services.accept_invitation(secret, display_name="Intruder", password="guess-guess-guess")
        with pytest.raises(DomainError):
            services.accept_invitation(secret, display_name="Intruder", password=None, by=admin)
        assert services.accept_invitation(secret, display_name="", password=None, by=existing) is existing
        assert existing.display_name != "Intruder"

    def test_only_admins_invite_and_an_invitation_needs_a_role(self, app, db):
        organisation = OrganisationFactory()
        lead = make_person("lead", organisation)
        admin = make_person("admin", organisation)
        with app.test_request_context():
            with pytest.raises(PermissionDenied):
                services.invite(organisation, "x@example.org", {Role.practitioner}, by=lead)
            with pytest.raises(DomainError, match="Choose at least one role"):
                services.invite(organisation, "x@example.org", set(), by=admin)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0

    def test_a_reset_link_works_once_within_the_hour(self, app, db):
        person = make_person("practitioner")
        with time_machine.travel(utcnow(), tick=False) as clock, app.test_request_context():
            services.request_password_reset(person.email)
            from competency.reminders.models import OutboxEmail

            email = db.session.scalar(sa.select(OutboxEmail).filter_by(to_address=person.email))
            secret = email.body_text.split("/reset-password/", 1)[1].split()[0]
            clock.shift(timedelta(minutes=59, seconds=59))
            services.reset_password(secret, "lantern-orchard-pebble")
            assert check_password(person.password_hash, "lantern-orchard-pebble")
            with pytest.raises(NotFound):
                services.reset_password(secret, "another-long-password")

    def test_resets_for_unknown_or_closed_accounts_send_nothing(self, app, db):
        closed = make_person("practitioner", is_active_account=False)
        from competency.reminders.models import OutboxEmail

        with app.test_request_context():
            services.request_password_reset("nobody@example.org")
            services.request_password_reset(closed.email)

        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 0


class TestApiTokens:
    def test_a_token_is_returned_once_stored_hashed_and_revocable(self, db):
        person = make_person("practitioner")

        token, secret = services.create_api_token(person, "  script  ")

        assert token.name == "script" and token.token_hash == digest(secret) and token.prefix == secret[:10]
        assert services.user_for_api_token(secret) is person
        services.revoke_api_token(token, by=person)
        assert services.user_for_api_token(secret) is None

    def test_only_the_owner_revokes_and_a_name_is_needed(self, db):
        person, other = make_person("practitioner"), make_person("admin")
        token, secret = services.create_api_token(person, "script")

        with pytest.raises(NotFound):
            services.revoke_api_token(token, by=other)
        with pytest.raises(DomainError, match="Give the token a name"):
            services.create_api_token(person, "   ")
        assert services.user_for_api_token(secret) is person

    def test_fast_test_hashes_are_still_argon2id(self):
        assert hash_password("x" * 12).startswith("$argon2id$")
