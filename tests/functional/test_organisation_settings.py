"""Issue 16: an organisation's administrator changes its words (the people served, role titles, grades) on a page,
sees what the crosswalk makes of them, and two administrators saving at once never lose a change unawares."""
from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa

from competency.accounts.models import Organisation, OrgKind, Sector
from competency.accounts.organisation_settings import current_words, fingerprint, save_local_words
from competency.audit.models import AuditEvent
from competency.evidence.models import EvidenceKind, FeedbackSource
from tests.conftest import csrf_token_from
from tests.evidence_support import log_evidence
from tests.factories import OrganisationFactory, make_person
from tests.unit.frameworks_helpers import import_shipped

BASED_ON_RE = re.compile(r'name="based_on"[^>]*value="([0-9a-f]*)"|value="([0-9a-f]*)"[^>]*name="based_on"')


def based_on(html: str) -> str:
    match = BASED_ON_RE.search(html)
    assert match, "the settings form carries no based_on fingerprint"
    return match.group(1) or match.group(2)


def textarea(html: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no {name} textarea"
    return unescape(match.group(1))


def checked_word(html: str) -> str | None:
    match = re.search(r'name="people_served" type="radio" value="([^"]*)" checked', html)
    return match.group(1) if match else None


@pytest.fixture
def trust(db):
    return OrganisationFactory(name="Wessex Valley trust", settings={"people_served": "patient"})


@pytest.fixture
def admin(trust, login):
    return login(make_person("admin", trust, display_name="Alex Admin"))


class Form:
    """The settings page as a person sees it: fetched, then posted with what was changed."""

    def __init__(self, client, organisation):
        self.client = client
        self.url = f"/admin/organisations/{organisation.id}/settings"

    def open(self) -> dict:
        html = self.client.get(self.url).get_data(as_text=True)
        return {"csrf_token": csrf_token_from(html), "based_on": based_on(html),
                "people_served": checked_word(html) or "", "other_word": "", "people_served_plural": "",
                "role_titles": textarea(html, "role_titles"), "grades": textarea(html, "grades")}

    def post(self, data: dict, **changes):
        return self.client.post(self.url, data={**data, **changes})

    def save(self, **changes):
        return self.post(self.open(), **changes)


def sign_in_as(login, person):
    """Sign someone else in: requests share the test's app context, so forget the last request's user and token."""
    from flask import g

    for key in ("_login_user", "csrf_token"):
        g.pop(key, None)
    return login(person)


def saved(db, organisation) -> dict:
    db.session.expire_all()
    return dict(db.session.get(Organisation, organisation.id).settings)


def settings_events(db) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).filter_by(action="organisation.settings_changed")
                                   .order_by(AuditEvent.id)))


class TestThePage:
    def test_the_organisation_page_links_to_the_settings_which_show_the_saved_words(self, client, db, trust, admin):
        trust.settings = {"people_served": "patient", "role_titles": ["Physiotherapist"], "grades": ["Band 5"]}
        db.session.commit()

        people = client.get(f"/admin/organisations/{trust.id}").get_data(as_text=True)
        assert f'href="/admin/organisations/{trust.id}/settings"' in people
        assert "People served are called ‘patients’" in people

        html = client.get(f"/admin/organisations/{trust.id}/settings").get_data(as_text=True)
        assert "<h1>Organisation settings</h1>" in html
        assert checked_word(html) == "patient"
        assert textarea(html, "role_titles").strip() == "Physiotherapist"
        assert textarea(html, "grades").strip() == "Band 5"
        assert "We will use ‘patients’ unless you enter another." in html

    def test_an_organisation_with_no_word_shows_the_default_chosen(self, client, db, login):
        council = OrganisationFactory(settings={})
        login(make_person("admin", council))

        html = client.get(f"/admin/organisations/{council.id}/settings").get_data(as_text=True)

        assert checked_word(html) == "person who draws on care and support"

    def test_a_word_of_its_own_is_shown_as_another_word(self, client, db, login):
        council = OrganisationFactory(settings={"people_served": "tenant"})
        login(make_person("admin", council))

        html = client.get(f"/admin/organisations/{council.id}/settings").get_data(as_text=True)

        assert checked_word(html) == "other"
        assert re.search(r'name="other_word" type="text" value="tenant"', html)

    def test_administrators_of_other_organisations_and_other_staff_here_are_refused(self, client, db, trust, login):
        form_url = f"/admin/organisations/{trust.id}/settings"
        login(make_person("admin", OrganisationFactory(name="Elsewhere")))
        assert client.get(form_url).status_code == 404
        sign_in_as(login, make_person(["lead", "preceptor"], trust))
        assert client.get(form_url).status_code == 404
        page = client.get("/").get_data(as_text=True)
        response = client.post(form_url, data={"csrf_token": csrf_token_from(page), "people_served": "client",
                                               "based_on": fingerprint(current_words(trust))})
        assert response.status_code == 404
        assert saved(db, trust) == {"people_served": "patient"}


class TestSaving:
    def test_saving_a_word_and_lists_shows_what_the_crosswalk_makes_of_them(self, client, db, trust, admin):
        import_shipped()
        form = Form(client, trust)

        response = form.save(people_served="service user", role_titles="Physiotherapist\nOT assistant\nSenior OT",
                             grades="Band 5\nBand 8a")

        assert response.status_code == 302
        assert saved(db, trust) == {"people_served": "service user",
                                    "role_titles": ["Physiotherapist", "OT assistant", "Senior OT"],
                                    "grades": ["Band 5", "Band 8a"]}
        html = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Organisation settings saved." in html
        rows = {unescape(re.sub(r"<[^>]+>", "", cells[0])).strip(): unescape(re.sub(r"<[^>]+>", "", cells[2])).strip()
                for cells in (re.findall(r'<td class="nhsuk-table__cell">(.*?)</td>', row, re.S)
                              for row in re.findall(r'<tr class="nhsuk-table__row">(.*?)</tr>', html, re.S))
                if cells}
        assert rows["OT assistant"] == "Senior support worker / OT assistant"
        assert rows["Band 5"] == "Registered practitioner"
        assert rows["Band 8a"] == "Advanced practitioner or Consultant practitioner"
        assert rows["Senior OT"] == "Not in the crosswalk"

    def test_the_change_is_audited_with_before_and_after(self, client, db, trust, admin):
        Form(client, trust).save(people_served="client", people_served_plural="clients of the service",
                                 grades="Band 6")

        (event,) = settings_events(db)
        assert event.actor_id == admin.id and event.organisation_id == trust.id
        assert event.data == {
            "before": {"people_served": "patient", "people_served_plural": None, "role_titles": [], "grades": []},
            "after": {"people_served": "client", "people_served_plural": "clients of the service",
                      "role_titles": [], "grades": ["Band 6"]}}

    def test_another_word_is_saved_and_used_for_the_people_who_work_there(self, client, db, trust, admin, login):
        nurse = make_person("practitioner", trust)
        evidence = log_evidence(nurse, kind=EvidenceKind.feedback, feedback_source=FeedbackSource.person_served,
                                title="Thanks from Mr B")

        response = Form(client, trust).save(people_served="other", other_word="expert by experience")

        assert response.status_code == 302
        assert saved(db, trust)["people_served"] == "expert by experience"
        sign_in_as(login, nurse)
        page = client.get(f"/evidence/{evidence.id}").get_data(as_text=True)
        assert "An expert by experience" in page and "patient" not in page.lower()
        form = client.get("/evidence/new").get_data(as_text=True)
        assert "An expert by experience" in form

    def test_clearing_the_plural_and_the_lists_removes_them_and_keeps_other_settings(self, client, db, trust, admin):
        trust.settings = {"people_served": "patient", "people_served_plural": "the patients", "grades": ["Band 5"],
                          "something_else": {"kept": True}}
        db.session.commit()

        Form(client, trust).save(people_served_plural="", grades="")

        assert saved(db, trust) == {"people_served": "patient", "something_else": {"kept": True}}

    def test_blank_lines_spaces_and_repeats_are_tidied_and_the_repeats_named(self, client, db, trust, admin):
        response = Form(client, trust).save(role_titles="  Physiotherapist \n\n\nphysiotherapist\nOT   assistant\n",
                                            grades="Band 5\r\nBAND 5\r\nband  5\r\nBand 6")

        assert saved(db, trust)["role_titles"] == ["Physiotherapist", "OT assistant"]
        assert saved(db, trust)["grades"] == ["Band 5", "Band 6"]
        html = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "1 repeated role title left out: ‘physiotherapist’." in html
        assert "2 repeated grades or bands left out: ‘BAND 5’, ‘band 5’." in html

    def test_saving_without_changes_records_nothing(self, client, db, trust, admin):
        response = Form(client, trust).save()

        assert "nothing changed" in client.get(response.headers["Location"]).get_data(as_text=True)
        assert settings_events(db) == []


class TestChecks:
    @pytest.fixture
    def form(self, client, trust, admin):
        return Form(client, trust)

    def refused(self, response, db, trust) -> str:
        assert response.status_code == 400
        assert saved(db, trust) == {"people_served": "patient"}
        return unescape(response.get_data(as_text=True))

    def test_a_word_must_be_chosen(self, form, db, trust):
        html = self.refused(form.save(people_served=""), db, trust)
        assert "Choose the word for the people your organisation serves" in html
        assert 'href="#people_served-0"' in html  # the error summary leads to the first option

    def test_a_made_up_choice_is_refused_in_plain_words(self, form, db, trust):
        html = self.refused(form.save(people_served="customer"), db, trust)
        assert "Choose the word for the people your organisation serves" in html
        assert "Not a valid choice" not in html

    def test_another_word_must_be_typed_when_chosen(self, form, db, trust):
        html = self.refused(form.save(people_served="other", other_word="   "), db, trust)
        assert "Enter the word your organisation uses" in html

    @pytest.mark.parametrize("field, value, message", [
        ("other_word", "x" * 61, "The word must be 60 characters or fewer"),
        ("other_word", "1234", "The word for the people served must include at least one letter"),
        ("people_served_plural", "p" * 61, "The plural must be 60 characters or fewer"),
        ("role_titles", "OT\n" + "T" * 101, "The role title on line 2 must be 100 characters or fewer"),
        ("grades", "Band 5\nBand\x076", "The grade or band on line 2 must only include letters, numbers, spaces "
                                        "and punctuation"),
        ("grades", "\n".join(f"Grade {n}" for n in range(61)), "Enter 60 grades or bands or fewer (you entered 61)"),
        ("role_titles", "x\n" * 6200, "Enter 60 role titles or fewer, each 100 characters or fewer"),
    ])
    def test_words_and_lists_are_bounded(self, form, db, trust, field, value, message):
        changes = {field: value, "people_served": "other"} if field == "other_word" else {field: value}
        html = self.refused(form.save(**changes), db, trust)
        assert message in html

    def test_what_was_typed_is_kept_when_the_form_is_shown_again(self, form, db, trust):
        html = self.refused(form.save(role_titles="Physiotherapist\n" + "T" * 101, grades="Band 5"), db, trust)
        assert textarea(html, "role_titles").strip() == "Physiotherapist\n" + "T" * 101
        assert textarea(html, "grades").strip() == "Band 5"

    def test_sixty_lines_of_a_hundred_characters_are_allowed(self, form, db, trust):
        lines = [f"{n:03d} " + "t" * 96 for n in range(60)]
        assert form.save(role_titles="\n".join(lines)).status_code == 302
        assert saved(db, trust)["role_titles"] == lines

    def test_a_form_without_its_fingerprint_asks_for_a_reload(self, form, db, trust):
        html = self.refused(form.save(based_on=""), db, trust)
        assert "The form was incomplete. Reload the page and try again." in html


class TestTwoAdministratorsAtOnce:
    def test_a_save_based_on_settings_changed_since_is_refused_and_loses_nothing(self, client, db, trust, admin):
        form = Form(client, trust)
        mine = form.open()  # Alex opens the form...
        colleague = make_person("admin", trust, display_name="Bo Admin")
        save_local_words(trust, people_served="client", people_served_plural=None, role_titles=["Care Assistant"],
                         grades=["Band 3"], based_on=mine["based_on"], by=colleague)  # ...Bo saves first
        db.session.commit()

        response = form.post(mine, people_served="service user", role_titles="Physiotherapist\nOT assistant")

        html = unescape(response.get_data(as_text=True))
        assert response.status_code == 409
        assert "Someone else changed these settings while you were editing them. Check the saved settings, " \
               "then save yours again." in html
        assert checked_word(html) == "service user"  # what Alex chose and typed is still there
        assert textarea(html, "role_titles").strip() == "Physiotherapist\nOT assistant"
        assert "Care Assistant" in html and "Band 3" in html  # and what Bo saved is shown
        assert saved(db, trust)["people_served"] == "client"
        assert len(settings_events(db)) == 1

        again = form.post({**mine, "based_on": based_on(html)}, people_served="service user",
                          role_titles="Physiotherapist\nOT assistant")  # Alex checks and saves again
        assert again.status_code == 302
        assert saved(db, trust)["people_served"] == "service user"
        assert saved(db, trust)["role_titles"] == ["Physiotherapist", "OT assistant"]
        events = settings_events(db)
        assert [e.actor_id for e in events] == [colleague.id, admin.id]
        assert events[1].data["before"]["people_served"] == "client"

    def test_the_same_form_sent_twice_saves_once_and_answers_both(self, client, db, trust, admin):
        form = Form(client, trust)
        data = {**form.open(), "people_served": "resident"}

        first, second = form.post(data), form.post(data)

        assert (first.status_code, second.status_code) == (302, 302)
        assert saved(db, trust)["people_served"] == "resident"
        assert len(settings_events(db)) == 1


def test_the_service_refuses_someone_who_is_not_an_administrator_here(db):
    from competency.errors import PermissionDenied

    council = OrganisationFactory(kind=OrgKind.local_authority, sector=Sector.social_care)
    lead = make_person(["lead"], council)

    with pytest.raises(PermissionDenied):
        save_local_words(council, people_served="client", people_served_plural=None, role_titles=[], grades=[],
                         based_on=fingerprint(current_words(council)), by=lead)
