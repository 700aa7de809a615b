"""Issue 16.4 "Must show": a move in the middle of a preceptorship, across two installations.

A (a trust, its own database and keys) holds Sam's first months: a post that has now ended, an AHP
preceptorship with the learning agreement and 3-month review signed, a piece of feedback, and PP-REG-01
signed off; Sam left, so the lead withdrew the programme. Sam joins B (a council) and brings the passport;
a lead at B recognises every credential. Then at B: the months at A count, the signed-off capability is
never requested again, and the new enrolment carries the completed reviews, the programme days and the
evidence count, so nothing already done is asked for again. On the old code none of it travelled: the
passport carried no employment or progress, and a new enrolment restarted at day 0.
"""
from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from competency.accounts.models import Organisation, User
from competency.errors import DomainError
from competency.evidence.models import EvidenceKind, FeedbackSource
from competency.extensions import db
from competency.frameworks import services as framework_services
from competency.frameworks.loading import SHIPPED_DATA, load_path
from competency.passport import issuing, resolver, sharing
from competency.passport.models import CredentialKind, ImportDecision, ImportItem, PassportCredential
from competency.preceptorship import catalogue, reviews
from competency.preceptorship import services as programme_services
from competency.preceptorship.queries import enrolment_evidence_counts
from competency.progression.readiness import months_in_post
from competency.progression.sources import employment_facts
from competency.recognition.models import PriorEmployment, RecognisedProgramme
from competency.signoff import services as signoff_services
from competency.signoff.capabilities import current_framework_version
from competency.signoff.models import Outcome, SignOff, SignOffSource
from tests.conftest import Browser
from tests.evidence_support import log_evidence
from tests.factories import PASSWORD, EmploymentFactory, OrganisationFactory, make_person

HOLDER = "sam.okafor@example.org"
TODAY = date.today()
A_STARTED = TODAY - timedelta(days=240)
PROGRAMME_START = A_STARTED + timedelta(days=7)
LEFT_ON = TODAY - timedelta(days=30)
B_STARTED = TODAY - timedelta(days=25)


def _shipped() -> None:
    outcome = framework_services.import_loaded(load_path(SHIPPED_DATA), by=None)
    for version in outcome.versions:
        framework_services.publish_version(version, by=None)
    catalogue.ensure_shipped_templates()


def _at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)


def seed_trust(app) -> None:
    _shipped()
    trust = OrganisationFactory(slug="wessex-valley", name="Wessex Valley NHS Foundation Trust")
    lead = make_person(["lead", "preceptor"], trust, level_code="advanced", display_name="Priya Shah",
                       email="lead@wessex.example.org")
    preceptor = make_person("preceptor", trust, level_code="enhanced", display_name="Rachel Green",
                            email="rachel@wessex.example.org")
    sam = make_person("practitioner", trust, employed=False, email=HOLDER, display_name="Sam Okafor",
                      registration_body="HCPC", registration_number="OT99876", registered_on=A_STARTED - timedelta(days=20))
    EmploymentFactory(user=sam, organisation=trust, role_title="Occupational Therapist", level_code="registered",
                      band_label="Band 5", start_on=A_STARTED, end_on=LEFT_ON, fte=1.0)
    db.session.flush()
    db.session.refresh(sam)
    templates = {v.template.slug: v for v in catalogue.ensure_shipped_templates()}
    enrolment = programme_services.enrol(practitioner=sam, template=templates["ahp-preceptorship"], organisation=trust,
                                         preceptor=preceptor, lead=lead, start_on=PROGRAMME_START, by=lead,
                                         on=PROGRAMME_START).enrolment
    people = {"preceptee": sam, "preceptor": preceptor, "lead": lead}
    for code, day in (("learning_agreement", 10), ("review_3m", 95)):
        milestone = enrolment.milestone(code)
        reviews.save_review(milestone, by=sam, at=_at(PROGRAMME_START + timedelta(days=day)),
                            reflection="Settling into community visits.", goals="Manage a caseload of 12")
        reviews.save_review(milestone, by=preceptor, at=_at(PROGRAMME_START + timedelta(days=day)),
                            preceptor_feedback="Caseload building steadily; joint visits continue.")
        for party in milestone.definition.signed_by:
            reviews.sign_milestone(milestone, by=people[party], at=_at(PROGRAMME_START + timedelta(days=day)),
                                   on=PROGRAMME_START + timedelta(days=day))
    log_evidence(sam, title="Feedback from the stroke team", kind=EvidenceKind.feedback,
                 feedback_source=FeedbackSource.colleague, occurred_on=PROGRAMME_START + timedelta(days=100))
    capability = next(c for c in current_framework_version().capabilities if c.code == "PP-REG-01")
    evidence = [log_evidence(sam, [capability], occurred_on=PROGRAMME_START + timedelta(days=60))]
    request = signoff_services.request_signoff(sam, capability, evidence, preceptor, today=PROGRAMME_START)
    signoff_services.decide(request, preceptor, Outcome.sign, "A safe, person-centred assessment.",
                            today=PROGRAMME_START)
    programme_services.withdraw(enrolment, reason="Moved to a council post", by=lead, on=LEFT_ON)


def seed_council(app) -> None:
    _shipped()
    council = OrganisationFactory(slug="downshire", name="Downshire County Council")
    make_person(["lead", "preceptor"], council, level_code="advanced", display_name="Priya Lead",
                email="lead@downshire.example.org")
    make_person("preceptor", council, level_code="enhanced", display_name="Tom Hughes",
                email="tom@downshire.example.org")
    sam = make_person("practitioner", council, employed=False, email=HOLDER, display_name="Sam Okafor",
                      registration_body="HCPC", registration_number="OT99876", registered_on=A_STARTED - timedelta(days=20))
    EmploymentFactory(user=sam, organisation=council, role_title="Occupational Therapist", level_code="registered",
                      band_label="Grade 8", start_on=B_STARTED, fte=1.0)


def signed_in(app, email: str) -> Browser:
    browser = Browser(app.test_client())
    assert browser.submit("/login", {"email": email, "password": PASSWORD}).status_code == 302
    return browser


@pytest.fixture
def moved(make_live_server):
    resolver.clear_caches()
    trust = make_live_server("trust", seed=seed_trust)
    council = make_live_server("council", seed=seed_council)
    with trust.app.app_context():
        sam = db.session.scalar(sa.select(User).filter_by(email=HOLDER))
        issuing.ensure_issued(sam)
        db.session.commit()
        kinds = sorted(c.kind.value for c in db.session.scalars(sa.select(PassportCredential)))
        assert kinds == ["employment", "progress", "signoff"]
        bundle = sharing.holder_bundle(sam)
    holder = signed_in(council.app, HOLDER)
    with council.app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id).filter_by(slug="downshire"))
    response = holder.submit("/passport/import", {
        "organisation_id": str(org_id), "file": (io.BytesIO(json.dumps(bundle).encode()), "passport.json")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    lead = signed_in(council.app, "lead@downshire.example.org")
    with council.app.app_context():
        items = db.session.scalars(sa.select(ImportItem)).all()
        assert {i.kind for i in items} == {CredentialKind.signoff, CredentialKind.employment, CredentialKind.progress}
        assert all(i.outcome.value == "valid" and i.decision == ImportDecision.pending for i in items), \
            [(i.kind, i.outcome, i.reasons) for i in items]
        ids = [i.id for i in items]
    for item_id in ids:
        assert lead.post(f"/passport/imports/items/{item_id}/accept").status_code == 302
    return trust, council, holder


def test_a_move_mid_preceptorship_carries_everything_already_done(moved):
    trust, council, holder = moved
    app = council.app
    with app.app_context():
        sam = db.session.scalar(sa.select(User).filter_by(email=HOLDER))
        council_org = db.session.scalar(sa.select(Organisation).filter_by(slug="downshire"))

        # Months in post at the trust count here, verified by the employment credential.
        (previous,) = db.session.scalars(sa.select(PriorEmployment).filter_by(user_id=sam.id)).all()
        assert previous.is_verified and previous.employer_name == "Wessex Valley NHS Foundation Trust"
        assert (previous.start_on, previous.end_on, previous.level_code) == (A_STARTED, LEFT_ON, "registered")
        facts = employment_facts([sam.id], TODAY)[sam.id]
        assert months_in_post(facts, TODAY, levels=["registered"]) >= 7
        assert months_in_post([f for f in facts if f.organisation_id == council_org.id], TODAY) == 0

        # The signed-off capability is recognised and never requested again.
        recognised = db.session.scalar(sa.select(SignOff).filter_by(practitioner_id=sam.id))
        assert recognised.source == SignOffSource.recognised and recognised.capability_code == "PP-REG-01"
        capability = next(c for c in current_framework_version().capabilities if c.code == "PP-REG-01")
        tom = db.session.scalar(sa.select(User).filter_by(email="tom@downshire.example.org"))
        with pytest.raises(DomainError) as excinfo:
            signoff_services.request_signoff(sam, capability, [log_evidence(sam, [capability])], tom, today=TODAY)
        assert excinfo.value.rule == "already_signed"
        db.session.rollback()

        # The programme's progress was recognised...
        progress = db.session.scalar(sa.select(RecognisedProgramme).filter_by(user_id=sam.id))
        assert progress.template_slug == "ahp-preceptorship"
        assert [m["code"] for m in progress.milestones] == ["learning_agreement", "review_3m"]
        assert progress.practice_days == (LEFT_ON - PROGRAMME_START).days + 1
        assert progress.evidence_counts["feedback"] == 1

        # ...and carries into the enrolment here: reviews done, schedule continues, evidence counted.
        lead = db.session.scalar(sa.select(User).filter_by(email="lead@downshire.example.org"))
        templates = {v.template.slug: v for v in catalogue.ensure_shipped_templates()}
        start = B_STARTED + timedelta(days=7)
        result = programme_services.enrol(practitioner=sam, template=templates["ahp-preceptorship"],
                                          organisation=council_org, preceptor=tom, lead=lead, start_on=start,
                                          by=lead, on=start)
        enrolment = result.enrolment
        assert any("carried over" in warning for warning in result.warnings)
        done = {m.code: m for m in enrolment.milestones if m.is_done}
        assert set(done) == {"learning_agreement", "review_3m"}
        assert all(m.carried_from == "Wessex Valley NHS Foundation Trust" for m in done.values())
        credited = progress.practice_days
        assert enrolment.credited_days == credited
        assert enrolment.milestone("review_6m").due_on == start + timedelta(days=max(182 - credited, 0))
        assert enrolment.milestone("final_review").due_on == start + timedelta(days=365 - credited)
        counts = enrolment_evidence_counts(enrolment)
        assert counts["feedback"] == 1  # the mid-point review's feedback is already there
        assert progress.carried_into_id == enrolment.id
        db.session.commit()
        enrolment_id = enrolment.id

    page = holder.get(f"/programmes/enrolments/{enrolment_id}").get_data(as_text=True)
    assert "carried from the passport" in page and "programme days done at a previous employer" in page
