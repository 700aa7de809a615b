"""Programme completions become ``ext:ProgrammeCompletion`` credentials signed by the organisation."""
from __future__ import annotations

from datetime import date

import pytest

from competency.extensions import db
from competency.passport import issuing, queries, resolver
from competency.passport.models import CredentialKind
from competency.passport.verification import Outcome
from competency.passport.verifying import check_credential
from competency.preceptorship.models import Outcome as ProgrammeOutcome
from competency.preceptorship.models import ProgrammeCompletion
from tests.programmes_support import enrol_on, make_team


@pytest.fixture
def team(db):
    resolver.clear_caches()
    return make_team()


def complete(team, outcome=ProgrammeOutcome.completed) -> ProgrammeCompletion:
    enrolment = enrol_on(team)
    completion = ProgrammeCompletion(
        enrolment_id=enrolment.id, practitioner_id=team.practitioner.id, organisation_id=team.org.id,
        template_slug="ahp-preceptorship", template_version="1.0.0", template_title="AHP preceptorship",
        programme_kind="preceptorship", outcome=outcome, started_on=date(2027, 1, 4), completed_on=date(2028, 1, 6),
        preceptor_name="Tom Preceptor", recorded_by_id=team.lead.id)
    db.session.add(completion)
    db.session.flush()
    return completion


def test_a_completed_programme_is_issued_and_listed_with_the_passport(team):
    complete(team)
    assert issuing.ensure_issued(team.practitioner) == 1
    overview = queries.passport_overview(team.practitioner)
    (credential,) = overview.completions
    assert credential.kind == CredentialKind.completion and credential.awarded_on == date(2028, 1, 6)
    subject = credential.document["credentialSubject"]
    assert subject["achievement"]["achievementType"] == "ext:ProgrammeCompletion"
    assert subject["activityStartDate"] == "2027-01-04T00:00:00Z" and subject["activityEndDate"] == "2028-01-06T00:00:00Z"
    assert subject["source"]["name"] == "Priya Lead"
    assert check_credential(credential.document).outcome is Outcome.valid
    assert issuing.ensure_issued(team.practitioner) == 0


def test_a_programme_not_passed_gets_no_credential(team):
    complete(team, ProgrammeOutcome.failed)
    assert issuing.ensure_issued(team.practitioner) == 0
