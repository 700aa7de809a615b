"""Organisation administration: invitations, roles, employment and deactivation, through the real forms."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from competency.accounts.models import Employment, Invitation, Membership, Role
from competency.audit.models import AuditEvent
from tests.factories import OrganisationFactory, make_person


@pytest.fixture
def council(db):
    return OrganisationFactory(name="Downshire County Council")


@pytest.fixture
def admin(council, login):
    return login(make_person("admin", council, display_name="Alex Admin"))


def roles_at(db, person, organisation) -> set[Role]:
    db.session.expire_all()
    return {m.role for m in db.session.scalars(sa.select(Membership).filter_by(
        user_id=person.id, organisation_id=organisation.id, is_active=True))}


class TestOrganisationPage:
    def test_an_admin_with_one_organisation_lands_on_its_people_page(self, browser, council, admin):
        member = make_person("practitioner", council, display_name="Pat Member")

        landing = browser.get("/admin/")
        assert landing.status_code == 302
        page = browser.get(landing.headers["Location"])

        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "<h1>Downshire County Council</h1>" in html
        assert "Pat Member" in html and member.email in html and "Alex Admin" in html

    def test_an_admin_of_several_organisations_chooses_one(self, browser, db, council, admin):
        other = OrganisationFactory(name="Harbourside Care Ltd")
        from competency.accounts.services import ensure_membership

        ensure_membership(admin, other, Role.admin)
        db.session.commit()

        page = browser.get("/admin/").get_data(as_text=True)

        assert "Downshire County Council" in page and "Harbourside Care Ltd" in page

    def test_people_are_listed_a_page_at_a_time(self, browser, db, app, council, admin):
        for _ in range(app.config["PAGE_SIZE"] + 2):
            make_person("practitioner", council)

        first = browser.get(f"/admin/organisations/{council.id}").get_data(as_text=True)
        second = browser.get(f"/admin/organisations/{council.id}?page=2").get_data(as_text=True)

        assert first.count('<tr class="nhsuk-table__row">') == app.config["PAGE_SIZE"] + 1  # + header row
        assert "Next" in first and "Previous" in second
        assert second.count('<tr class="nhsuk-table__row">') == 3 + 1

    def test_the_page_runs_a_bounded_number_of_queries(self, browser, council, admin, count_queries):
        for _ in range(3):
            make_person("practitioner", council)
        with count_queries() as few:
            browser.get(f"/admin/organisations/{council.id}")
        for _ in range(12):
            make_person(["practitioner", "preceptor"], council)
        with count_queries() as many:
            browser.get(f"/admin/organisations/{council.id}")

        assert len(many) == len(few)


class TestInvite:
    def test_an_admin_invites_someone_who_gets_an_email_with_a_working_link(self, browser, db, council, admin,
                                                                            mailbox):
        response = browser.submit(f"/admin/organisations/{council.id}",
                                  {"email": "new.ot@example.org", "roles": ["practitioner", "preceptor"]},
                                  post_url=f"/admin/organisations/{council.id}/invitations")

        assert response.status_code == 302
        assert "Invitation sent to new.ot@example.org" in browser.get(response.headers["Location"]).get_data(
            as_text=True)
        invitation = db.session.scalar(sa.select(Invitation).filter_by(email="new.ot@example.org"))
        assert sorted(invitation.roles) == ["practitioner", "preceptor"]
        message = mailbox.last("new.ot@example.org")
        assert "Alex Admin has invited you to join Downshire County Council" in mailbox.text(message)
        link = mailbox.link("new.ot@example.org", "/invitations/")
        browser.post("/logout")
        assert "Join Downshire County Council" in browser.get(link).get_data(as_text=True)
        assert db.session.scalar(sa.select(AuditEvent).filter_by(action="invitation.sent")) is not None

    def test_an_invitation_needs_an_email_and_a_role(self, browser, db, council, admin):
        response = browser.submit(f"/admin/organisations/{council.id}", {"email": "not-an-email"},
                                  post_url=f"/admin/organisations/{council.id}/invitations")

        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "Enter an email address like name@example.org" in html
        assert "Choose at least one role" in html
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0


class TestPersonPage:
    def test_an_admin_changes_someones_roles(self, browser, db, council, admin):
        person = make_person("practitioner", council)
        url = f"/admin/organisations/{council.id}/people/{person.id}"

        response = browser.submit(url, {"roles": ["practitioner", "preceptor"]})

        assert response.status_code == 302
        assert roles_at(db, person, council) == {Role.practitioner, Role.preceptor}
        browser.submit(url, {"roles": ["preceptor"]})
        assert roles_at(db, person, council) == {Role.preceptor}
        event = db.session.scalars(sa.select(AuditEvent).filter_by(action="membership.roles_changed")
                                   .order_by(AuditEvent.seq.desc())).first()
        assert event.data == {"before": ["practitioner", "preceptor"], "after": ["preceptor"]}
        assert event.actor_id == admin.id

    def test_an_admin_cannot_remove_their_own_admin_role(self, browser, db, council, admin):
        url = f"/admin/organisations/{council.id}/people/{admin.id}"

        response = browser.submit(url, {"roles": ["practitioner"]})

        assert "You cannot remove your own administrator role" in response.get_data(as_text=True)
        assert Role.admin in roles_at(db, admin, council)

    def test_an_admin_records_employment(self, browser, db, council, admin):
        person = make_person("practitioner", council, employed=False)
        url = f"/admin/organisations/{council.id}/people/{person.id}"

        response = browser.submit(url, {"role_title": "Occupational Therapist", "level_code": "registered",
                                        "band_label": "Grade 8", "start_on": "2026-09-07", "fte": "0.6"},
                                  post_url=url + "/employments")

        assert response.status_code == 302
        job = db.session.scalar(sa.select(Employment).filter_by(user_id=person.id))
        assert (job.role_title, job.level_code, job.band_label, job.start_on, job.fte) == (
            "Occupational Therapist", "registered", "Grade 8", date(2026, 9, 7), 0.6)
        assert "Grade 8" in browser.get(url).get_data(as_text=True)

    def test_employment_dates_and_fte_are_checked(self, browser, db, council, admin):
        person = make_person("practitioner", council, employed=False)
        url = f"/admin/organisations/{council.id}/people/{person.id}"

        backwards = browser.submit(url, {"role_title": "OT", "level_code": "registered", "start_on": "2026-09-07",
                                         "end_on": "2026-01-01", "fte": "1"}, post_url=url + "/employments")
        too_much = browser.submit(url, {"role_title": "OT", "level_code": "registered", "start_on": "2026-09-07",
                                        "fte": "1.5"}, post_url=url + "/employments")

        assert backwards.status_code == 400
        assert "The end date must be on or after the start date" in backwards.get_data(as_text=True)
        assert "FTE must be more than 0 and at most 1" in too_much.get_data(as_text=True)
        assert db.session.scalar(sa.select(Employment).filter_by(user_id=person.id)) is None

    def test_deactivating_removes_access_here_and_reactivating_restores_it(self, browser, db, council, admin):
        person = make_person(["practitioner", "preceptor"], council)
        url = f"/admin/organisations/{council.id}/people/{person.id}"

        response = browser.submit(url, {}, post_url=url + "/active")

        assert response.status_code == 302
        assert "has been deactivated" in browser.get(url).get_data(as_text=True)
        assert roles_at(db, person, council) == set()
        assert "Deactivated" in browser.get(f"/admin/organisations/{council.id}").get_data(as_text=True)
        browser.submit(url, {}, post_url=url + "/active")
        assert roles_at(db, person, council) == {Role.practitioner, Role.preceptor}

    def test_an_admin_cannot_deactivate_themselves(self, browser, db, council, admin):
        url = f"/admin/organisations/{council.id}/people/{admin.id}"

        browser.submit(url, {}, post_url=url + "/active")

        assert "You cannot deactivate yourself" in browser.get(url).get_data(as_text=True)
        assert Role.admin in roles_at(db, admin, council)


class TestOtherOrganisations:
    """An admin of another organisation sees nothing of ours: every admin URL answers 404."""

    def test_every_admin_page_and_action_answers_404(self, browser, db, council, login, mailbox):
        person = make_person("practitioner", council)
        elsewhere = OrganisationFactory(name="Harbourside Care Ltd")
        foreign_admin = login(make_person("admin", elsewhere))
        base = f"/admin/organisations/{council.id}"
        person_url = f"{base}/people/{person.id}"
        own_page = f"/admin/organisations/{elsewhere.id}"

        assert browser.get(base).status_code == 404
        assert browser.get(person_url).status_code == 404
        posts = {
            base + "/invitations": {"email": "x@example.org", "roles": ["admin"]},
            person_url: {"roles": ["admin"]},
            person_url + "/employments": {"role_title": "OT", "level_code": "registered",
                                          "start_on": "2026-01-05", "fte": "1"},
            person_url + "/active": {},
        }
        for url, data in posts.items():
            assert browser.submit(own_page, data, post_url=url).status_code == 404, url
        assert roles_at(db, person, council) == {Role.practitioner}
        assert mailbox.messages("x@example.org") == []
        # Nor can they reach our person through their own organisation's URL.
        assert browser.get(f"{own_page}/people/{person.id}").status_code == 404
        assert foreign_admin.id != person.id

    def test_people_without_the_admin_role_are_refused(self, browser, council, login):
        login(make_person(["lead", "preceptor"], council))

        assert browser.get("/admin/").status_code == 403
        assert browser.get(f"/admin/organisations/{council.id}").status_code == 404

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, council):
        response = client.get(f"/admin/organisations/{council.id}")

        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
