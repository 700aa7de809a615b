"""Each sign-off rule (DESIGN.md section 3, rules 1-3 and 6) holds in the services themselves."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from competency.audit.models import AuditEvent
from competency.errors import Conflict, DomainError, PermissionDenied
from competency.evidence.models import EvidenceKind
from competency.extensions import db
from competency.frameworks.models import VersionStatus
from competency.reminders.models import Notification, OutboxEmail
from competency.signoff import services
from competency.signoff.models import Outcome, RequestState, SignOff
from competency.signoff.queries import signed_capability_ids
from tests.evidence_support import capability, log_evidence, make_framework, signoff_world
from tests.factories import EmploymentFactory, MembershipFactory, make_person

TODAY = date(2026, 11, 20)


@pytest.fixture
def world(db):
    return signoff_world()


def ask(world, cap=None, assessor=None, evidence=None, practitioner=None):
    cap = cap or world.registered_cap
    practitioner = practitioner or world.practitioner
    if evidence is None:
        evidence = [log_evidence(practitioner, [cap])]
    return services.request_signoff(practitioner, cap, evidence, assessor or world.preceptor, today=TODAY)


def rule_of(excinfo) -> str:
    return excinfo.value.rule


class TestRequesting:
    def test_a_valid_request_waits_for_the_named_preceptor_who_is_told(self, world):
        request = ask(world)
        assert request.state == RequestState.pending
        assert request.organisation_id == world.org.id
        note = db.session.scalar(sa.select(Notification).filter_by(user_id=world.preceptor.id))
        assert "asked you to sign off" in note.title and note.link == f"/review/requests/{request.id}"
        email = db.session.scalar(sa.select(OutboxEmail).filter_by(to_address=world.preceptor.email))
        assert world.registered_cap.code in email.subject
        assert db.session.scalar(sa.select(AuditEvent).filter_by(action="signoff.requested")) is not None

    def test_nobody_names_themselves(self, world):
        with pytest.raises(DomainError) as excinfo:
            ask(world, assessor=world.practitioner)
        assert rule_of(excinfo) == "no_self_signoff"

    def test_a_preceptor_at_another_organisation_is_not_eligible(self, world):
        with pytest.raises(DomainError) as excinfo:
            ask(world, assessor=world.foreign_preceptor)
        assert rule_of(excinfo) == "assessor_not_eligible"
        assert "currently works" in excinfo.value.message

    def test_a_peer_practitioner_is_not_eligible(self, world):
        with pytest.raises(DomainError) as excinfo:
            ask(world, assessor=world.peer)
        assert rule_of(excinfo) == "assessor_not_eligible"

    def test_an_unregistered_preceptor_is_not_eligible(self, world):
        unregistered = make_person("preceptor", world.org, registered=False, level_code="enhanced")
        with pytest.raises(DomainError) as excinfo:
            ask(world, assessor=unregistered)
        assert "registration" in excinfo.value.message

    def test_the_assessor_must_practise_at_or_above_the_capability_level(self, world):
        with pytest.raises(DomainError) as excinfo:
            ask(world, cap=world.advanced_cap, assessor=world.preceptor)  # enhanced < advanced
        assert rule_of(excinfo) == "assessor_not_eligible" and "below" in excinfo.value.message
        assert ask(world, cap=world.advanced_cap, assessor=world.lead).is_pending  # advanced lead may

    def test_support_level_capabilities_can_be_signed_by_any_registered_practitioner(self, world):
        junior = make_person("preceptor", world.org, level_code="support", registered=True)
        assert ask(world, cap=world.support_cap, assessor=junior).is_pending
        senior_support_cap = capability(world.version, "senior_support")
        with pytest.raises(DomainError):
            ask(world, cap=senior_support_cap, assessor=junior)

    def test_the_practitioner_must_be_currently_employed_where_the_assessor_works(self, world):
        job = world.practitioner.employments[0]
        job.end_on = date(2026, 6, 30)
        db.session.flush()
        with pytest.raises(DomainError) as excinfo:
            ask(world)
        assert rule_of(excinfo) == "assessor_not_eligible"

    def test_an_inactive_preceptor_membership_does_not_count(self, world):
        for membership in world.preceptor.memberships:
            membership.is_active = False
        db.session.flush()
        with pytest.raises(DomainError):
            ask(world)

    def test_at_least_one_piece_of_evidence(self, world):
        with pytest.raises(DomainError) as excinfo:
            ask(world, evidence=[])
        assert rule_of(excinfo) == "evidence_required"

    def test_evidence_must_be_the_practitioners_own(self, world):
        theirs = log_evidence(world.peer, [world.registered_cap])
        with pytest.raises(DomainError) as excinfo:
            ask(world, evidence=[theirs])
        assert rule_of(excinfo) == "evidence_not_owned"

    def test_evidence_must_be_linked_to_the_capability(self, world):
        unlinked = log_evidence(world.practitioner, [world.support_cap], title="Moving and handling")
        with pytest.raises(DomainError) as excinfo:
            ask(world, evidence=[unlinked])
        assert rule_of(excinfo) == "evidence_not_linked" and "Moving and handling" in excinfo.value.message

    def test_only_one_pending_request_per_capability(self, world):
        ask(world)
        with pytest.raises(DomainError) as excinfo:
            ask(world, assessor=world.lead)
        assert rule_of(excinfo) == "request_pending"

    def test_a_capability_already_signed_is_never_requested_again(self, world):
        services.decide(ask(world), world.preceptor, Outcome.sign, today=TODAY)
        with pytest.raises(DomainError) as excinfo:
            ask(world)
        assert rule_of(excinfo) == "already_signed"

    def test_a_recognised_sign_off_is_never_requested_again(self, world):
        cap = world.registered_cap
        services.record_recognised_signoff(
            world.practitioner, organisation=world.org, actor=world.lead, capability_uuid=cap.uuid,
            capability_code=cap.code, level_code="registered", signed_at=world.version.published_at,
            assessor_name="Dr Previous", issuer_name="Wessex Valley NHS Foundation Trust",
            issuer_did="did:web:wessex.example", credential_id="urn:uuid:1234")
        assert cap.uuid in signed_capability_ids(world.practitioner.id)
        with pytest.raises(DomainError) as excinfo:
            ask(world)
        assert rule_of(excinfo) == "already_signed" and "recognised from Wessex Valley" in excinfo.value.message

    def test_draft_versions_cannot_be_requested_against(self, world):
        draft = make_framework(status=VersionStatus.draft)
        with pytest.raises(DomainError) as excinfo:
            ask(world, cap=capability(draft, "registered"), evidence=[])
        assert rule_of(excinfo) == "capability_not_current"


class TestDeciding:
    def test_signing_records_an_attributable_sign_off_and_freezes_the_evidence(self, world):
        evidence = log_evidence(world.practitioner, [world.registered_cap])
        request = ask(world, evidence=[evidence])
        content_hash = evidence.content_hash()
        services.decide(request, world.preceptor, Outcome.sign, "Well evidenced.", today=TODAY)
        signoff = db.session.scalar(sa.select(SignOff).filter_by(request_id=request.id))
        assert request.state == RequestState.signed
        assert signoff.assessor_name == "Tom Preceptor"
        assert signoff.assessor_registration_body == "HCPC" and signoff.assessor_registration_number
        assert signoff.organisation_name == world.org.name and signoff.level_code == "registered"
        assert signoff.evidence_hashes == [{"evidence_id": evidence.id, "title": evidence.title,
                                            "content_hash": content_hash}]
        assert evidence.is_frozen
        assert world.registered_cap.uuid in signed_capability_ids(world.practitioner.id)
        note = db.session.scalar(sa.select(Notification).filter_by(user_id=world.practitioner.id))
        assert "signed off" in note.title

    def test_returning_needs_feedback(self, world):
        request = ask(world)
        with pytest.raises(DomainError) as excinfo:
            services.decide(request, world.preceptor, Outcome.return_, "  ", today=TODAY)
        assert rule_of(excinfo) == "feedback_required"
        services.decide(request, world.preceptor, Outcome.return_, "Add an observation.", today=TODAY)
        assert request.state == RequestState.returned
        assert request.decision.comment == "Add an observation."
        assert not request.evidence[0].is_frozen

    def test_the_practitioner_cannot_decide_their_own_request(self, world):
        request = ask(world)
        with pytest.raises(DomainError) as excinfo:
            services.decide(request, world.practitioner, Outcome.sign, today=TODAY)
        assert rule_of(excinfo) == "no_self_signoff"

    def test_a_peer_cannot_decide(self, world):
        request = ask(world)
        with pytest.raises(PermissionDenied):
            services.decide(request, world.peer, Outcome.sign, today=TODAY)

    def test_a_lead_where_it_was_made_can_decide_in_the_preceptors_absence(self, world):
        request = ask(world)
        services.decide(request, world.lead, Outcome.sign, today=TODAY)
        assert request.signoff.assessor_id == world.lead.id

    def test_the_second_decision_is_refused_with_who_decided(self, world):
        request = ask(world)
        services.decide(request, world.preceptor, Outcome.sign, today=TODAY)
        with pytest.raises(Conflict) as excinfo:
            services.decide(request, world.lead, Outcome.return_, "No", today=TODAY)
        assert rule_of(excinfo) == "already_decided" and "Tom Preceptor" in excinfo.value.message

    def test_a_stale_copy_of_the_request_still_loses(self, world):
        """Even when this session still believes the request is pending, the conditional UPDATE decides."""
        request = ask(world)
        db.session.execute(sa.update(type(request)).where(type(request).id == request.id)
                           .values(state=RequestState.signed, closed_by_id=world.lead.id)
                           .execution_options(synchronize_session=False))
        assert request.state == RequestState.pending  # stale in memory
        with pytest.raises(Conflict) as excinfo:
            services.decide(request, world.preceptor, Outcome.sign, today=TODAY)
        assert rule_of(excinfo) == "already_decided"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SignOff)) == 0

    def test_eligibility_is_checked_again_when_signing(self, world):
        request = ask(world)
        world.preceptor.registration_number = None
        db.session.flush()
        with pytest.raises(DomainError) as excinfo:
            services.decide(request, world.preceptor, Outcome.sign, today=TODAY)
        assert rule_of(excinfo) == "assessor_not_eligible"

    def test_evidence_changed_under_the_reviewer_is_refused(self, world):
        evidence = log_evidence(world.practitioner, [world.registered_cap])
        request = ask(world, evidence=[evidence])
        seen = services.evidence_digest([evidence])
        evidence.title = "Rewritten after the preceptor read it"
        db.session.flush()
        with pytest.raises(Conflict) as excinfo:
            services.decide(request, world.preceptor, Outcome.sign, today=TODAY, seen_digest=seen)
        assert rule_of(excinfo) == "evidence_changed"

    def test_withdrawn_requests_cannot_be_decided(self, world):
        request = ask(world)
        services.withdraw(request, world.practitioner)
        with pytest.raises(Conflict) as excinfo:
            services.decide(request, world.preceptor, Outcome.sign, today=TODAY)
        assert rule_of(excinfo) == "already_withdrawn"


class TestWithdrawing:
    def test_only_the_practitioner_withdraws_and_only_while_pending(self, world):
        request = ask(world)
        with pytest.raises(PermissionDenied):
            services.withdraw(request, world.preceptor)
        services.withdraw(request, world.practitioner)
        assert request.state == RequestState.withdrawn
        with pytest.raises(Conflict):
            services.withdraw(request, world.practitioner)
        # A new request for the same capability is possible again.
        assert ask(world).is_pending


class TestRevoking:
    def signed(self, world):
        request = ask(world)
        services.decide(request, world.preceptor, Outcome.sign, today=TODAY)
        return request.signoff

    def test_the_signing_assessor_can_revoke_with_a_reason(self, world):
        signoff = self.signed(world)
        with pytest.raises(DomainError) as excinfo:
            services.revoke(signoff, world.preceptor, "")
        assert rule_of(excinfo) == "reason_required"
        revocation = services.revoke(signoff, world.preceptor, "Signed against the wrong capability.")
        assert revocation.revoked_by_id == world.preceptor.id
        assert world.registered_cap.uuid not in signed_capability_ids(world.practitioner.id)
        assert db.session.scalar(sa.select(AuditEvent).filter_by(action="signoff.revoked")) is not None
        with pytest.raises(Conflict) as excinfo:
            services.revoke(signoff, world.lead, "Again")
        assert rule_of(excinfo) == "already_revoked"
        # Once revoked, the capability may be asked for again.
        assert ask(world).is_pending

    def test_a_lead_of_the_organisation_can_revoke(self, world):
        signoff = self.signed(world)
        services.revoke(signoff, world.lead, "Concern raised about practice.")
        assert signoff.is_revoked

    def test_other_preceptors_and_practitioners_cannot_revoke(self, world):
        signoff = self.signed(world)
        other_preceptor = make_person("preceptor", world.org)
        for person in (other_preceptor, world.practitioner, world.foreign_preceptor):
            with pytest.raises(PermissionDenied) as excinfo:
                services.revoke(signoff, person, "Because")
            assert rule_of(excinfo) == "not_allowed_to_revoke"
