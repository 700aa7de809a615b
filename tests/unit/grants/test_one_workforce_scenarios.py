"""One workforce across employers (issue 16, points 1-3), as a specification.

A council OT is signed off by an ICS-level assessor from the trust; a student on placement at the
council is signed off by the host supervisor; a senior support worker signs a support-level
capability. Each sign-off, and the passport credential issued for it, names the assessing
organisation: the assessor's own, which need not be the practitioner's employer.
"""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from competency.audit.models import AuditEvent
from competency.errors import DomainError
from competency.extensions import db
from competency.grants.models import AssessorBasis
from competency.passport import issuing
from competency.passport.models import PassportCredential
from competency.passport.verification import Outcome
from competency.passport.verifying import check_credential
from competency.signoff.rules import eligible_assessor_standings, eligible_assessors
from tests.factories import make_person
from tests.workforce_support import (
    TODAY,
    ask,
    council_placement,
    ics_grant,
    one_workforce_world,
    sign,
    trained_assessor_grant,
)


@pytest.fixture
def w(db):
    return one_workforce_world()


def credential_for(signoff) -> dict:
    issuing.ensure_issued(signoff.practitioner)
    row = db.session.scalar(sa.select(PassportCredential).where(PassportCredential.signoff_id == signoff.id))
    assert row is not None, "no credential was issued for the sign-off"
    return row.document


def assessing_organisation_in(credential: dict) -> str:
    return credential["credentialSubject"]["source"]["parentOrg"]["name"]


class TestACouncilOTIsSignedOffByAnICSLevelAssessorFromTheTrust:
    def test_without_a_grant_nobody_at_the_council_can_sign_a_consultant_level_capability(self, w):
        assert eligible_assessors(w.council_ot, w.consultant_cap, TODAY) == []
        with pytest.raises(DomainError) as excinfo:
            ask(w, w.council_ot, w.consultant_cap, w.trust_consultant)
        assert excinfo.value.rule == "assessor_not_eligible"

    def test_the_ics_grant_makes_the_trust_consultant_someone_the_council_ot_can_ask(self, w):
        grant = ics_grant(w)
        ((assessor, standing),) = eligible_assessor_standings(w.council_ot, w.consultant_cap, TODAY)
        assert assessor == w.trust_consultant
        assert standing.basis == AssessorBasis.grant and standing.grant == grant
        assert standing.organisation_id == w.council.id and standing.assessing_organisation_id == w.trust.id

    def test_the_sign_off_happens_at_the_council_and_names_the_trust_as_assessing_organisation(self, w):
        grant = ics_grant(w)
        request = ask(w, w.council_ot, w.consultant_cap, w.trust_consultant)
        assert request.organisation_id == w.council.id
        signoff = sign(request, w.trust_consultant)
        assert signoff.organisation_name == "Downshire Council"
        assert signoff.assessing_organisation_name == "Valley NHS Trust"
        assert signoff.assessor_basis == AssessorBasis.grant and signoff.grant_id == grant.id
        event = db.session.scalar(sa.select(AuditEvent).filter_by(action="signoff.signed"))
        assert event.data["grant_id"] == grant.id and event.data["assessing_organisation_id"] == w.trust.id

    def test_the_passport_credential_is_issued_by_the_council_and_names_the_trust(self, w):
        ics_grant(w)
        signoff = sign(ask(w, w.council_ot, w.consultant_cap, w.trust_consultant), w.trust_consultant)
        credential = credential_for(signoff)
        assert credential["issuer"]["name"] == "Downshire Council"
        assert assessing_organisation_in(credential) == "Valley NHS Trust"
        assert "of Valley NHS Trust" in credential["evidence"][-1]["description"]
        assert check_credential(credential).outcome is Outcome.valid

    def test_the_grant_covers_only_its_scope(self, w):
        ics_grant(w)
        with pytest.raises(DomainError) as excinfo:  # leadership is outside the grant
            ask(w, w.council_ot, w.leadership_advanced_cap, w.trust_consultant)
        assert "leadership pillar" in excinfo.value.message

    def test_the_grant_covers_only_its_period(self, w):
        ics_grant(w, ends_on=date(2026, 12, 31))
        request = ask(w, w.council_ot, w.consultant_cap, w.trust_consultant)
        with pytest.raises(DomainError):
            sign(request, w.trust_consultant, today=date(2027, 1, 1))

    def test_a_region_grant_does_not_reach_organisations_of_another_region(self, w):
        ics_grant(w)
        far_ot = make_person("practitioner", w.elsewhere, level_code="enhanced")
        assert w.trust_consultant not in eligible_assessors(far_ot, w.consultant_cap, TODAY)

    def test_the_existing_rules_still_hold_for_a_granted_assessor(self, w):
        ics_grant(w, level_codes=[])
        w.trust_consultant.employments[0].level_code = "advanced"  # now below consultant level
        db.session.flush()
        with pytest.raises(DomainError) as excinfo:
            ask(w, w.council_ot, w.consultant_cap, w.trust_consultant)
        assert "below" in excinfo.value.message


class TestAStudentOnPlacementIsSignedOffByTheHostSupervisor:
    def test_before_the_placement_nobody_at_the_council_can_sign_for_the_student(self, w):
        assert eligible_assessors(w.student, w.pre_registration_cap, TODAY) == []

    def test_the_placement_gives_the_host_assessors_the_standing_of_employment(self, w):
        placement = council_placement(w)
        assessors = eligible_assessor_standings(w.student, w.pre_registration_cap, TODAY)
        assert w.council_preceptor in [a for a, _ in assessors]
        standing = dict(assessors)[w.council_preceptor]
        assert standing.basis == AssessorBasis.placement and standing.placement_id == placement.id

    def test_the_supervisor_signs_and_the_passport_names_the_council(self, w):
        placement = council_placement(w)
        signoff = sign(ask(w, w.student, w.pre_registration_cap, w.council_preceptor), w.council_preceptor)
        assert signoff.organisation_id == w.council.id and signoff.placement_id == placement.id
        assert signoff.assessing_organisation_name == "Downshire Council"
        credential = credential_for(signoff)
        assert credential["issuer"]["name"] == "Downshire Council"
        assert assessing_organisation_in(credential) == "Downshire Council"
        assert check_credential(credential).outcome is Outcome.valid

    def test_after_the_placement_the_host_can_no_longer_sign(self, w):
        council_placement(w, ends_on=date(2026, 11, 30))
        request = ask(w, w.student, w.pre_registration_cap, w.council_preceptor)
        with pytest.raises(DomainError) as excinfo:
            sign(request, w.council_preceptor, today=date(2026, 12, 1))
        assert excinfo.value.rule == "assessor_not_eligible"


class TestASeniorSupportWorkerSignsASupportLevelCapability:
    def test_an_unregistered_senior_support_worker_cannot_sign_without_being_named(self, w):
        with pytest.raises(DomainError) as excinfo:
            ask(w, w.support_worker, w.support_cap, w.senior_support)
        assert excinfo.value.rule == "assessor_not_eligible"

    def test_named_as_trained_assessor_they_sign_support_level_work(self, w):
        grant = trained_assessor_grant(w)
        assert w.senior_support in eligible_assessors(w.support_worker, w.support_cap, TODAY)
        signoff = sign(ask(w, w.support_worker, w.support_cap, w.senior_support), w.senior_support)
        assert signoff.assessor_basis == AssessorBasis.trained_assessor and signoff.grant_id == grant.id
        assert signoff.assessor_registration == ""
        credential = credential_for(signoff)
        assert assessing_organisation_in(credential) == "Downshire Council"
        assert check_credential(credential).outcome is Outcome.valid

    def test_but_nothing_above_support_level(self, w):
        trained_assessor_grant(w)
        assert w.senior_support not in eligible_assessors(w.support_worker, w.senior_support_cap, TODAY)
        with pytest.raises(DomainError) as excinfo:
            ask(w, w.support_worker, w.senior_support_cap, w.senior_support)
        assert "support-level capabilities only" in excinfo.value.message

    def test_and_never_their_own(self, w):
        trained_assessor_grant(w)
        with pytest.raises(DomainError) as excinfo:
            ask(w, w.senior_support, w.support_cap, w.senior_support)
        assert excinfo.value.rule == "no_self_signoff"


def test_each_of_the_three_appears_in_the_passport_with_the_assessing_organisation_named(w):
    ics_grant(w)
    council_placement(w)
    trained_assessor_grant(w)
    made = [sign(ask(w, w.council_ot, w.consultant_cap, w.trust_consultant), w.trust_consultant),
            sign(ask(w, w.student, w.pre_registration_cap, w.council_preceptor), w.council_preceptor),
            sign(ask(w, w.support_worker, w.support_cap, w.senior_support), w.senior_support)]
    named = {(s.practitioner.display_name, assessing_organisation_in(credential_for(s))) for s in made}
    assert named == {("Olu Council-OT", "Valley NHS Trust"), ("Casey Student", "Downshire Council"),
                     ("Jordan Support", "Downshire Council")}
