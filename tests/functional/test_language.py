"""Issue 16.8: each organisation's words. The word for the people served (seeded but read nowhere before), local
titles and grades mapped through the crosswalk, bands spanning two levels, every crosswalk shown, and the council
grade 6 mapping agreeing with the social care practitioner title."""
from __future__ import annotations

import re
from datetime import date

import pytest

from competency.accounts.language import Wording, localise, plural_of, wording_for
from competency.accounts.models import OrgKind, Sector
from competency.evidence.models import EvidenceKind, FeedbackSource
from competency.extensions import db
from competency.frameworks import services as framework_services
from competency.frameworks.loading import load_text
from competency.frameworks.vocabulary import levels_for, organisation_vocabulary
from tests.evidence_support import log_evidence
from tests.factories import OrganisationFactory, make_person
from tests.unit.frameworks_helpers import SHIPPED, SLUG, import_shipped


class TestTheWordForThePeopleServed:
    @pytest.mark.parametrize("singular, plural", [("patient", "patients"), ("service user", "service users"),
                                                  ("client", "clients"),
                                                  ("person who draws on care and support",
                                                   "people who draw on care and support")])
    def test_plurals(self, singular, plural):
        assert plural_of(singular) == plural

    def test_default_words_are_replaced_keeping_capitals_and_articles(self):
        nhs = Wording("patient", "patients")
        assert localise("A person who draws on care and support", nhs) == "A patient"
        assert localise("3 pieces of feedback from people who draw on care and support or their carers", nhs) \
            == "3 pieces of feedback from patients or their carers"
        assert localise("A person who draws on care and support", Wording("service user", "service users")) \
            == "A service user"
        assert localise("a person who draws on care and support", Wording("expert by experience",
                                                                           "experts by experience")) \
            == "an expert by experience"

    def test_an_organisation_without_a_word_keeps_the_default(self, db):
        assert wording_for(OrganisationFactory(settings={})) == Wording()

    def test_the_evidence_page_and_form_use_the_employers_word(self, client, login, db):
        trust = OrganisationFactory(name="Wessex trust", settings={"people_served": "patient"})
        nurse = make_person("practitioner", trust)
        evidence = log_evidence(nurse, kind=EvidenceKind.feedback, feedback_source=FeedbackSource.person_served,
                                title="Thanks from Mr B")
        login(nurse)
        page = client.get(f"/evidence/{evidence.id}").get_data(as_text=True)
        assert "A patient" in page and "draws on care and support" not in page
        form = client.get("/evidence/new").get_data(as_text=True)
        assert "A patient" in form and "draws on care and support" not in form


class TestLocalTitlesAndGrades:
    @pytest.fixture
    def crosswalks(self, db):
        import_shipped()
        from competency.frameworks import queries

        return queries.crosswalks_for(queries.framework_by_slug(SLUG))

    def test_council_grade_6_agrees_with_the_social_care_practitioner_title(self, crosswalks):
        # Grade 6 is the social care practitioner grade reached from grade 5 by portfolio and panel.
        assert levels_for("Grade 6", crosswalks) == levels_for("Social care practitioner", crosswalks) \
            == ["senior_support"]

    def test_band_8a_spans_advanced_and_consultant(self, crosswalks):
        assert levels_for("Band 8a", crosswalks, sector="health") == ["advanced", "consultant"]

    def test_an_organisations_labels_are_read_through_the_crosswalk(self, crosswalks):
        council = OrganisationFactory(sector=Sector.social_care, kind=OrgKind.local_authority, settings={
            "role_titles": ["Occupational Therapy Assistant", "Reablement Support Worker", "Senior OT"],
            "grades": ["Grade 9 (KR10)", "KR10/Band 6"]})
        lines = {line.label: line.levels for line in organisation_vocabulary(council, crosswalks)}
        assert lines["Occupational Therapy Assistant"] == ("senior_support",)
        assert lines["Reablement Support Worker"] == ("support",)
        assert lines["Senior OT"] == ()  # not in the crosswalk: shown as such
        assert lines["Grade 9 (KR10)"] == ("enhanced",) and lines["KR10/Band 6"] == ("enhanced",)

    def test_a_level_list_in_the_data_file_is_validated(self):
        text = (SHIPPED / "role-crosswalk.yaml").read_text().replace("levels: [advanced, consultant]",
                                                                     "levels: [advanced, consultent]")
        result = load_text(text, "role-crosswalk.yaml")
        assert any("unknown level code 'consultent'" in str(issue) for issue in result.issues)
        single = (SHIPPED / "role-crosswalk.yaml").read_text().replace("levels: [advanced, consultant]",
                                                                       "levels: [advanced]")
        assert any("at least two levels" in str(i) for i in load_text(single, "role-crosswalk.yaml").issues)


class TestTheCrosswalkPage:
    def test_every_crosswalk_and_my_organisations_words_are_shown(self, client, login, db):
        from competency.frameworks.loading import load_text as load

        import_shipped()
        second = load("""
kind: crosswalk
slug: solent-downs-ics-roles
framework: shared-capability-framework
title: Solent and Downs ICS integrated roles
schemes:
  - code: ics_roles
    name: ICS integrated roles
    type: role_title
    entries:
      - label: Integrated care coordinator
        level: senior_support
""", "ics.yaml")
        assert second.ok, second.issues
        framework_services.import_crosswalk(second.specs("crosswalk")[0], by=None)
        council = OrganisationFactory(name="Downshire council", sector=Sector.social_care,
                                      settings={"grades": ["Grade 6"], "role_titles": ["Social Care Practitioner"]})
        login(make_person("practitioner", council))
        html = client.get(f"/frameworks/{SLUG}/crosswalk").get_data(as_text=True)
        assert "Health and social care role crosswalk" in html and "Solent and Downs ICS integrated roles" in html
        assert "Integrated care coordinator" in html
        assert re.search(r"Band 8a \(spans Advanced practitioner and Consultant practitioner\)", html)
        assert "Downshire council: your titles and grades" in html


def test_the_admin_is_told_when_a_grade_and_level_disagree(client, login, db):
    from tests.conftest import csrf_token_from

    import_shipped()
    council = OrganisationFactory(name="Downshire council", sector=Sector.social_care,
                                  settings={"grades": ["Grade 6"]})
    admin = make_person("admin", council)
    person = make_person("practitioner", council, employed=False)
    login(admin)
    url = f"/admin/organisations/{council.id}/people/{person.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Downshire council uses: Grade 6 (Senior support worker / OT assistant)." in page
    response = client.post(f"{url}/employments", data={
        "csrf_token": csrf_token_from(page), "role_title": "Social care practitioner", "level_code": "registered",
        "band_label": "Grade 6", "start_on": date(2026, 1, 5).isoformat(), "fte": "1", "is_ahp_service": "no",
        "service_name": "Equipment and adaptations"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Employment added." in text and "The crosswalk maps Grade 6 to Senior support worker" in text
    db.session.refresh(person)
    (job,) = person.employments
    assert (job.service_name, job.is_ahp_service) == ("Equipment and adaptations", False)
