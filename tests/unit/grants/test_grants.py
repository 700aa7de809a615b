"""Making, seeing and revoking grants; what a granted assessor sees (DESIGN.md rules 1 and 5)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from competency.audit.models import AuditEvent
from competency.errors import Conflict, DomainError, PermissionDenied
from competency.evidence.policies import can_view_evidence
from competency.extensions import db
from competency.grants import services
from competency.grants.models import GrantKind
from competency.grants.policies import can_view_grant
from competency.reminders.models import Notification
from competency.signoff import queries as signoff_queries
from competency.signoff.policies import can_view_request, may_decide
from tests.evidence_support import log_evidence
from tests.factories import make_person
from tests.workforce_support import TODAY, ask, ics_grant, one_workforce_world, sign, trained_assessor_grant


@pytest.fixture
def w(db):
    return one_workforce_world()


def council_grant(w, **kwargs):
    options = dict(kind=GrantKind.assessor, granting=w.council, grantee=w.trust_consultant,
                   grantee_organisation=w.trust, starts_on=TODAY, ends_on=TODAY + timedelta(days=180),
                   reason="No consultant here.", by=w.council_lead, on=TODAY)
    options.update(kwargs)
    return services.create_grant(**options)


class TestMakingAGrant:
    def test_it_is_recorded_audited_and_the_grantee_is_told(self, w):
        grant = council_grant(w, pillar_codes=["professional_practice"], capability_codes=[w.consultant_cap.code])
        assert grant.capability_uuids == [w.consultant_cap.uuid] and grant.pillar_codes == ["professional_practice"]
        event = db.session.scalar(sa.select(AuditEvent).filter_by(action="grant.created"))
        assert event.organisation_id == w.council.id and event.data["grantee_id"] == w.trust_consultant.id
        note = db.session.scalar(sa.select(Notification).filter_by(user_id=w.trust_consultant.id, kind="grant.created"))
        assert "Downshire Council" in note.title and note.link == f"/grants/{grant.id}"

    def test_only_a_lead_or_administrator_of_the_granting_organisation(self, w):
        with pytest.raises(PermissionDenied):
            council_grant(w, by=w.council_preceptor)
        with pytest.raises(PermissionDenied):
            council_grant(w, by=w.trust_lead)
        assert council_grant(w, by=w.council_admin).granted_by_id == w.council_admin.id

    @pytest.mark.parametrize(("change", "rule"), [
        (dict(starts_on=TODAY - timedelta(days=1)), "grant_not_backdated"),
        (dict(ends_on=TODAY - timedelta(days=1)), "grant_dates_ordered"),
        (dict(ends_on=TODAY + timedelta(days=4 * 365)), "grant_too_long"),
        (dict(reason="  "), "grant_reason"),
        (dict(level_codes=["wizard"]), "grant_scope"),
        (dict(capability_codes=["XX-99"]), "grant_scope"),
    ])
    def test_bad_periods_and_scopes_are_refused_with_a_reason(self, w, change, rule):
        with pytest.raises(DomainError) as excinfo:
            council_grant(w, **change)
        assert excinfo.value.rule == rule and excinfo.value.field

    def test_the_grantee_must_belong_to_the_organisation_named(self, w):
        with pytest.raises(DomainError) as excinfo:
            council_grant(w, grantee_organisation=w.elsewhere)
        assert excinfo.value.rule == "grantee_organisation"

    def test_assessors_from_elsewhere_are_registered_and_from_elsewhere(self, w):
        with pytest.raises(DomainError) as excinfo:
            council_grant(w, grantee=w.council_preceptor, grantee_organisation=w.council)
        assert excinfo.value.rule == "grant_other_organisation"
        unregistered = make_person("practitioner", w.trust, registered=False)
        with pytest.raises(DomainError) as excinfo:
            council_grant(w, grantee=unregistered)
        assert excinfo.value.rule == "grantee_registered"

    def test_nobody_grants_themselves(self, w):
        with pytest.raises(DomainError) as excinfo:
            council_grant(w, grantee=w.council_lead, grantee_organisation=w.council, kind=GrantKind.trained_assessor,
                          training_course="Course", training_completed_on=TODAY)
        assert excinfo.value.rule == "grant_not_self"

    def test_trained_assessors_need_their_training_and_support_level_scope(self, w):
        base = dict(kind=GrantKind.trained_assessor, grantee=w.senior_support, grantee_organisation=w.council)
        with pytest.raises(DomainError) as excinfo:
            council_grant(w, **base)
        assert excinfo.value.rule == "trained_assessor_training"
        with pytest.raises(DomainError) as excinfo:
            council_grant(w, **base, training_course="Course", training_completed_on=TODAY, level_codes=["registered"])
        assert "support-level" in excinfo.value.message

    def test_a_preceptor_grant_has_no_capability_scope(self, w):
        with pytest.raises(DomainError):
            council_grant(w, kind=GrantKind.preceptor, level_codes=["advanced"])

    def test_named_people_must_be_the_organisations_practitioners(self, w):
        assert council_grant(w, person_ids=[w.council_ot.id]).person_ids == [w.council_ot.id]
        with pytest.raises(DomainError):
            council_grant(w, person_ids=[w.trust_lead.id])
        with pytest.raises(DomainError):  # a regional grant names nobody: it covers the region
            ics_grant(w, person_ids=[w.council_ot.id])


class TestRevoking:
    def test_a_revoked_grant_stops_at_once_and_sign_offs_made_under_it_stand(self, w):
        grant = ics_grant(w)
        signed = sign(ask(w, w.council_ot, w.consultant_cap, w.trust_consultant), w.trust_consultant)
        pending = ask(w, w.council_ot, w.advanced_cap, w.trust_consultant)
        services.revoke_grant(grant, reason="Back to the trust full time.", by=w.ics_lead)
        assert grant.revoked_by_id == w.ics_lead.id
        with pytest.raises(DomainError):
            sign(pending, w.trust_consultant)
        assert signed.is_revoked is False and signed.grant_id == grant.id
        assert db.session.scalar(sa.select(AuditEvent).filter_by(action="grant.revoked")).data["reason"]

    def test_only_the_granting_organisation_revokes_and_only_once(self, w):
        grant = ics_grant(w)
        with pytest.raises(PermissionDenied):
            services.revoke_grant(grant, reason="No", by=w.council_lead)
        with pytest.raises(DomainError):
            services.revoke_grant(grant, reason=" ", by=w.ics_lead)
        services.revoke_grant(grant, reason="Ended", by=w.ics_lead)
        with pytest.raises(Conflict):
            services.revoke_grant(grant, reason="Again", by=w.ics_lead)


class TestWhatAGrantedAssessorSees:
    def test_the_request_sent_to_them_and_its_evidence_while_the_grant_is_in_force(self, w):
        ics_grant(w, ends_on=date.today() + timedelta(days=30))
        request = ask(w, w.council_ot, w.consultant_cap, w.trust_consultant, today=date.today())
        evidence = request.evidence[0]
        assert can_view_request(w.trust_consultant, request) and may_decide(w.trust_consultant, request)
        assert can_view_evidence(w.trust_consultant, evidence)
        queue = db.session.scalars(signoff_queries.queue_query(w.trust_consultant)).all()
        assert request in queue

    def test_nothing_else_of_the_council_and_nothing_once_it_is_revoked(self, w):
        grant = ics_grant(w, ends_on=date.today() + timedelta(days=30))
        request = ask(w, w.council_ot, w.consultant_cap, w.trust_consultant, today=date.today())
        other = ask(w, w.council_ot, w.leadership_advanced_cap, w.council_lead, today=date.today())
        unrelated = log_evidence(w.council_ot, [w.consultant_cap], title="Not cited")
        assert not can_view_request(w.trust_consultant, other)
        assert not can_view_evidence(w.trust_consultant, unrelated)
        services.revoke_grant(grant, reason="Ended", by=w.ics_lead)
        assert not can_view_request(w.trust_consultant, request)
        assert not may_decide(w.trust_consultant, request)
        assert not can_view_evidence(w.trust_consultant, request.evidence[0])
        assert request not in db.session.scalars(signoff_queries.queue_query(w.trust_consultant)).all()
        # The council's own reviewers still see it, and the practitioner can ask someone else.
        assert can_view_request(w.council_lead, request) and can_view_request(w.council_ot, request)

    def test_who_sees_a_grant(self, w):
        grant = ics_grant(w)
        assert can_view_grant(w.trust_consultant, grant)  # the grantee
        assert can_view_grant(w.ics_lead, grant)  # the granting organisation
        assert can_view_grant(w.council_admin, grant)  # a regional grant: organisations of the region
        assert not can_view_grant(w.council_preceptor, grant) and not can_view_grant(w.outsider, grant)
        local = trained_assessor_grant(w)
        assert can_view_grant(w.council_lead, local) and not can_view_grant(w.trust_lead, local)


def test_who_may_be_asked_costs_the_same_statements_however_many_grants_reach_the_practitioner(w, count_queries):
    from competency.signoff.rules import eligible_assessor_standings

    ics_grant(w)
    db.session.expire_all()
    with count_queries() as few:
        assert len(eligible_assessor_standings(w.council_ot, w.consultant_cap, TODAY)) == 1
    for n in range(4):
        consultant = make_person("preceptor", w.trust, level_code="consultant", display_name=f"Consultant {n}")
        services.create_grant(kind=GrantKind.assessor, granting=w.ics, grantee=consultant, grantee_organisation=w.trust,
                              starts_on=TODAY, ends_on=TODAY + timedelta(days=30), reason="Cover.", by=w.ics_lead,
                              on=TODAY)
    db.session.expire_all()
    with count_queries() as many:
        assert len(eligible_assessor_standings(w.council_ot, w.consultant_cap, TODAY)) == 5
    assert len(many) == len(few)
