"""Issue 16.4 "say it once" rules in one installation: completions stop a second enrolment, declared posts
count only once verified, evidence cited by recognised credentials counts in checklists, and the records'
credentials read back defensively."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest

from competency.db import utcnow
from competency.errors import Conflict, DomainError, PermissionDenied
from competency.extensions import db
from competency.passport import credentials as ob
from competency.passport import records
from competency.progression.readiness import months_in_post
from competency.progression.sources import employment_facts, evidence_counts
from competency.recognition import services
from competency.recognition.models import RecognisedKind, RecognisedProgramme
from competency.signoff.models import SignOff, SignOffSource
from tests.factories import OrganisationFactory, make_person
from tests.programmes_support import enrol_on, make_team

TODAY = date(2027, 1, 4)
ISSUER = ob.IssuerProfile("did:web:elsewhere.example:orgs:care", "Meadowbank Care Group")
HOLDER = ob.Holder("sam@example.org", name="Sam")


def recognised(user, org, lead, **fields) -> RecognisedProgramme:
    defaults = dict(kind=RecognisedKind.completion, credential_uri=f"urn:uuid:{user.id}-done", issuer_name="Wessex",
                    programme_name="AHP multiprofessional preceptorship", programme_kind="preceptorship",
                    template_slug="ahp-preceptorship", ended_on=date(2026, 6, 30))
    defaults.update(fields)
    record = RecognisedProgramme(user_id=user.id, organisation_id=org.id, recognised_by_id=lead.id,
                                 recognised_at=utcnow(), **defaults)
    db.session.add(record)
    db.session.flush()
    return record


class TestCompletedProgrammesAreNotAskedForAgain:
    def test_a_recognised_completion_stops_a_second_preceptorship(self, db):
        team = make_team()
        recognised(team.practitioner, team.org, team.lead)
        with pytest.raises(Conflict) as excinfo:
            enrol_on(team)
        assert "already completed AHP multiprofessional preceptorship at Wessex" in excinfo.value.message
        assert excinfo.value.rule == "programme-already-completed"

    def test_a_local_completion_stops_it_too(self, db):
        from competency.preceptorship import services as programme_services
        from competency.preceptorship.models import Outcome

        team = make_team()
        enrolment = enrol_on(team)
        programme_services.complete(enrolment, outcome=Outcome.completed, by=team.lead, on=date(2028, 1, 4))
        with pytest.raises(Conflict, match="already completed"):
            enrol_on(team, "ot-social-care-asye")  # another template of the same kind

    def test_recognised_progress_is_not_a_completion(self, db):
        team = make_team()
        recognised(team.practitioner, team.org, team.lead, kind=RecognisedKind.progress,
                   milestones=[{"code": "learning_agreement", "completed_on": "2026-11-01"}], practice_days=60)
        enrolment = enrol_on(team)
        assert enrolment.milestone("learning_agreement").is_done
        assert enrolment.credited_days == 60


class TestDeclaredPreviousPosts:
    def test_a_declared_post_counts_only_once_a_lead_verifies_it(self, db):
        team = make_team(employment_start=date(2026, 12, 14))
        post = services.declare_prior_employment(
            team.practitioner, employer_name="Sunrise Care Home", role_title="Senior care assistant",
            level_code="senior_support", start_on=date(2025, 1, 6), end_on=date(2026, 1, 5), today=TODAY)
        months = lambda: months_in_post(employment_facts([team.practitioner.id], TODAY)[team.practitioner.id],  # noqa: E731
                                        TODAY, levels=["senior_support"])
        assert months() == 0
        with pytest.raises(PermissionDenied):
            services.verify_prior_employment(post, by=team.practitioner, note="mine", today=TODAY)
        with pytest.raises(DomainError, match="Say how you checked"):
            services.verify_prior_employment(post, by=team.lead, note=" ", today=TODAY)
        services.verify_prior_employment(post, by=team.lead, note="Reference from the home manager", today=TODAY)
        assert months() == 12

    def test_nobody_verifies_from_another_organisation(self, db):
        team = make_team()
        outsider = make_person("lead", OrganisationFactory())
        post = services.declare_prior_employment(
            team.practitioner, employer_name="Sunrise", role_title="Carer", level_code="support",
            start_on=date(2025, 1, 6), end_on=date(2026, 1, 5), today=TODAY)
        assert not services.can_verify(outsider, post, TODAY)
        with pytest.raises(PermissionDenied):
            services.verify_prior_employment(post, by=outsider, note="checked", today=TODAY)

    @pytest.mark.parametrize("field, changes", [
        ("employer_name", {"employer_name": " "}), ("level_code", {"level_code": "boss"}),
        ("end_on", {"end_on": date(2024, 1, 1)}), ("start_on", {"start_on": date(2030, 1, 1), "end_on": None}),
        ("fte", {"fte": 1.5})])
    def test_bad_input_is_refused_with_the_field_named(self, db, field, changes):
        team = make_team()
        values = dict(employer_name="Sunrise", role_title="Carer", level_code="support", start_on=date(2025, 1, 6),
                      end_on=date(2026, 1, 5), today=TODAY)
        values.update(changes)
        with pytest.raises(DomainError) as excinfo:
            services.declare_prior_employment(team.practitioner, **values)
        assert excinfo.value.field == field

    def test_a_recognised_employment_credential_verifies_the_matching_declared_post(self, db):
        team = make_team()
        declared = services.declare_prior_employment(
            team.practitioner, employer_name="Meadowbank Care Group", role_title="Carer", level_code="support",
            start_on=date(2025, 1, 6), end_on=date(2026, 1, 5), today=TODAY)
        claim = records.read_employment(records.build_employment_credential(records.EmploymentFacts(
            credential_id="c1", issuer=ISSUER, holder=HOLDER, role_title="Care assistant", level=None,
            start_on=date(2025, 1, 6), end_on=date(2026, 1, 2), stated_at=datetime(2026, 2, 1, tzinfo=UTC))))
        record = services.recognise_employment(team.practitioner, team.org, claim, issuer_did=ISSUER.did,
                                               issuer_name=ISSUER.name, credential_uri="urn:uuid:c1", by=team.lead)
        assert record is declared and record.is_verified and record.end_on == date(2026, 1, 2)


class TestEvidenceFromCredentialsCounts:
    def test_evidence_cited_by_a_recognised_sign_off_counts_once_in_checklists(self, db):
        team = make_team()
        person = team.practitioner
        digest = "ab" * 32
        for n in range(2):  # two recognised credentials citing the same observation
            db.session.add(SignOff(
                source=SignOffSource.recognised, practitioner_id=person.id, capability_uuid=f"cap-{n}",
                capability_code=f"PP-SUP-0{n}", level_code="support", assessor_name="Grace",
                organisation_id=team.org.id, organisation_name=team.org.name, signed_at=utcnow(),
                issuer_name="Harbourside", evidence_hashes=[{"content_hash": digest, "kind": "Direct observation"}]))
        db.session.flush()
        assert evidence_counts([person.id])[person.id] == Counter({"direct_observation": 1})


class TestReadingRecordsDefensively:
    def test_progress_round_trips(self):
        facts = records.ProgressFacts(
            credential_id="p1", issuer=ISSUER, holder=HOLDER,
            programme=ob.Programme("3b1c2d1e-0000-5000-8000-000000000001", "AHP preceptorship", "preceptorship", "x",
                                   "", "1.0.0"),
            template_slug="ahp-preceptorship", started_on=date(2026, 1, 5), stated_on=date(2026, 6, 1),
            stated_at=datetime(2026, 6, 1, tzinfo=UTC), practice_days=148,
            milestones=[("learning_agreement", "Learning agreement", date(2026, 1, 15))],
            evidence_counts={"feedback": 2})
        document = records.build_progress_credential(facts)
        ob.check_signable(document)  # only terms the contexts define
        claim = records.read_programme(document)
        assert (claim.slug, claim.version, claim.practice_days) == ("ahp-preceptorship", "1.0.0", 148)
        assert claim.milestones == (("learning_agreement", "Learning agreement", date(2026, 1, 15)),)
        assert claim.evidence_counts == {"feedback": 2} and claim.name == "AHP preceptorship"

    def test_employment_round_trips_and_an_open_post_is_vouched_to_its_date(self):
        document = records.build_employment_credential(records.EmploymentFacts(
            credential_id="e1", issuer=ISSUER, holder=HOLDER, role_title="OT assistant",
            level=ob.Level("7d1e2c3b-0000-5000-8000-000000000002", "Senior support worker"),
            start_on=date(2024, 10, 1), stated_at=datetime(2026, 3, 1, tzinfo=UTC), fte=0.6, band_label="Grade 5"))
        ob.check_signable(document)
        claim = records.read_employment(document)
        assert (claim.role_title, claim.fte, claim.band_label, claim.end_on, claim.as_of_on) == (
            "OT assistant", 0.6, "Grade 5", None, date(2026, 3, 1))
        assert claim.level_name == "Senior support worker"

    @pytest.mark.parametrize("document", [None, [], "text", {"credentialSubject": "x"},
                                          {"credentialSubject": {"achievement": {"achievementType": 3}}},
                                          {"credentialSubject": {"achievement": {
                                              "achievementType": "ext:EmploymentRecord"}, "activityStartDate": 5}},
                                          {"credentialSubject": {"result": [1, None, {"value": "x"}], "achievement": {
                                              "achievementType": "ext:ProgrammeProgress", "resultDescription": 7}}}])
    def test_malformed_documents_read_as_nothing_or_defaults(self, document):
        claim = records.read_programme(document)
        assert claim is None or (claim.milestones == () and claim.practice_days == 0)
        assert records.read_employment(document) is None
