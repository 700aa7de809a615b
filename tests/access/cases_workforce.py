"""Grants, placements, preceptor records and what a granted assessor may see (DESIGN.md rules 1 and 5).

Home grants a preceptor at a third organisation the right to assess home's people at the
advanced level (``granted_assessor``); another preceptor there held a grant that has ended
(``expired_assessor``). The practitioner asked each of them for a capability while their grant
was in force. A granted assessor sees that request and the evidence it cites, and nothing else of
home's; once the grant has ended, neither. Everywhere else both behave like any preceptor at
another organisation (``ROLE_FALLBACK``). Home also hosts a placement of a student from the
foreign council, supervised by the home preceptor.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from tests.access.matrix import ROLES, Case

SIGNED_IN = [r for r in ROLES if r != "anonymous"]
MANAGERS = ("lead", "admin", "foreign_lead", "foreign_admin")
PRECEPTORS_ANYWHERE = ("preceptor", "lead", "foreign_preceptor", "foreign_lead", "granted_assessor",
                       "expired_assessor")


def only(status_for: dict, default: int = 404) -> dict:
    """Every signed-in role gets ``default`` except those listed."""
    return {**{role: default for role in SIGNED_IN}, **status_for}


def managers(status: int = 200, others: int = 403) -> dict:
    return only({role: status for role in MANAGERS}, others)


REQUEST_INSIDERS = dict(practitioner=200, preceptor=200, lead=200)

CASES = [
    # Grants.
    Case("grants.index", lambda w: "/grants/"),
    Case("grants.new_grant", lambda w: "/grants/new", expect=managers()),
    Case("grants.new_grant", lambda w: f"/grants/new?organisation_id={w.home.id}", method="POST",
         id="grants.new_grant-post", data=lambda w: {
             "kind": "assessor", "email": w.foreign_preceptor.email, "grantee_organisation_id": w.foreign.id,
             "starts_on": w.today.isoformat(), "ends_on": (w.today + timedelta(days=90)).isoformat(),
             "reason": "Covering a vacancy."},
         expect=only({"lead": 302, "admin": 302})),
    Case("grants.show_grant", lambda w: f"/grants/{w.grant.id}",
         expect=only({"lead": 200, "admin": 200, "granted_assessor": 200})),
    Case("grants.show_grant", lambda w: f"/grants/{w.expired_grant.id}", id="grants.show_grant-expired",
         expect=only({"lead": 200, "admin": 200, "expired_assessor": 200})),
    Case("grants.revoke_grant", lambda w: f"/grants/{w.grant.id}/revoke", method="POST",
         data=lambda w: {"reason": "No longer needed"},
         expect=only({"lead": 302, "admin": 302, "granted_assessor": 403})),
    # Placements.
    Case("placements.index", lambda w: "/placements/"),
    Case("placements.new_placement", lambda w: "/placements/new", expect=managers()),
    Case("placements.new_placement", lambda w: f"/placements/new?organisation_id={w.home.id}", method="POST",
         id="placements.new_placement-post", data=lambda w: {
             "email": w.apprentice.email, "learner_kind": "apprentice", "home_organisation_id": w.foreign.id,
             "supervisor_id": w.preceptor.id, "starts_on": w.today.isoformat(),
             "ends_on": (w.today + timedelta(days=60)).isoformat()},
         expect=only({"lead": 302, "admin": 302})),
    Case("placements.show_placement", lambda w: f"/placements/{w.placement.id}",
         expect=only({"preceptor": 200, "lead": 200, "admin": 200, "foreign_lead": 200, "foreign_admin": 200})),
    Case("placements.end_placement", lambda w: f"/placements/{w.placement.id}/end", method="POST",
         data=lambda w: {"reason": "The student withdrew"},
         expect=only({"preceptor": 403, "lead": 302, "admin": 302, "foreign_lead": 302, "foreign_admin": 302})),
    # Preceptor records.
    Case("preceptors.mine", lambda w: "/preceptors/", expect=only({r: 302 for r in PRECEPTORS_ANYWHERE}, 403)),
    Case("preceptors.show_preceptor", lambda w: f"/preceptors/{w.preceptor.id}",
         expect=only({"preceptor": 200, "lead": 200, "admin": 200})),
    Case("preceptors.new_training", lambda w: f"/preceptors/{w.preceptor.id}/training/new",
         expect=only({"preceptor": 200, "lead": 200, "admin": 200})),
    Case("preceptors.new_time", lambda w: f"/preceptors/{w.preceptor.id}/time/new",
         expect=only({"preceptor": 200, "lead": 403, "admin": 403})),
    Case("programmes.change_preceptor", lambda w: f"/programmes/enrolments/{w.enrolment.id}/preceptor",
         expect=only({"practitioner": 403, "preceptor": 403, "lead": 200})),
    # What a granted assessor sees: the request sent to them within the grant, and its evidence.
    Case("review.show_request", lambda w: f"/review/requests/{w.granted_request.id}", id="review.show_request-granted",
         expect=only({**REQUEST_INSIDERS, "granted_assessor": 200})),
    Case("review.show_request", lambda w: f"/review/requests/{w.expired_request.id}", id="review.show_request-expired",
         expect=only(REQUEST_INSIDERS)),
    Case("review.decide_request", lambda w: f"/review/requests/{w.granted_request.id}/decision", method="POST",
         id="review.decide_request-granted", data=lambda w: {"decision": "sign", "comment": "Well evidenced"},
         expect=only({"practitioner": 403, "preceptor": 403, "lead": 302, "granted_assessor": 302})),
    Case("review.decide_request", lambda w: f"/review/requests/{w.expired_request.id}/decision", method="POST",
         id="review.decide_request-expired", data=lambda w: {"decision": "sign", "comment": "Well evidenced"},
         expect=only({"practitioner": 403, "preceptor": 403, "lead": 302})),
    Case("evidence.show_evidence", lambda w: f"/evidence/{w.granted_evidence.id}", id="evidence.show_evidence-granted",
         expect=only({**REQUEST_INSIDERS, "granted_assessor": 200})),
    Case("evidence.show_evidence", lambda w: f"/evidence/{w.expired_evidence.id}", id="evidence.show_evidence-expired",
         expect=only(REQUEST_INSIDERS)),
    Case("api.get_evidence", lambda w: f"/api/v1/evidence/{w.granted_evidence.id}", id="api.get_evidence-granted",
         expect=only({**REQUEST_INSIDERS, "granted_assessor": 200})),
]


def build(world) -> None:
    from competency.grants import services as grants
    from competency.grants.models import GrantKind
    from competency.grants.standing import uk_today
    from competency.placements import services as placements
    from competency.placements.models import LearnerKind
    from competency.signoff import services as signoff
    from tests.evidence_support import capability, log_evidence
    from tests.factories import OrganisationFactory, make_person

    today = uk_today()
    world.today = today
    version = world.pending_cap.version
    world.assessing_org = OrganisationFactory(name="Assessing Trust")
    world.granted_assessor = make_person("preceptor", world.assessing_org, level_code="consultant")
    world.expired_assessor = make_person("preceptor", world.assessing_org, level_code="consultant")
    world.grant = grants.create_grant(
        kind=GrantKind.assessor, granting=world.home, grantee=world.granted_assessor,
        grantee_organisation=world.assessing_org, starts_on=today, ends_on=today + timedelta(days=365),
        level_codes=["advanced"], reason="No advanced practitioner here.", by=world.lead, on=today)
    earlier = today - timedelta(days=30)
    world.expired_grant = grants.create_grant(
        kind=GrantKind.assessor, granting=world.home, grantee=world.expired_assessor,
        grantee_organisation=world.assessing_org, starts_on=earlier, ends_on=today - timedelta(days=1),
        level_codes=["consultant"], reason="Covering a vacancy.", by=world.lead, on=earlier)
    advanced, consultant = capability(version, "advanced"), capability(version, "consultant")
    world.granted_evidence = log_evidence(world.practitioner, [advanced], title="Complex discharge")
    world.granted_request = signoff.request_signoff(world.practitioner, advanced, [world.granted_evidence],
                                                    world.granted_assessor, today=today)
    world.expired_evidence = log_evidence(world.practitioner, [consultant], title="Service redesign")
    asked = datetime.combine(earlier + timedelta(days=5), time(10), tzinfo=timezone.utc)
    world.expired_request = signoff.request_signoff(world.practitioner, consultant, [world.expired_evidence],
                                                    world.expired_assessor, today=asked.date(), at=asked)
    world.student = make_person("practitioner", world.foreign, employed=False, registered=False)
    world.apprentice = make_person("practitioner", world.foreign, employed=False, registered=False)
    world.placement = placements.create_placement(
        learner=world.student, learner_kind=LearnerKind.student, host=world.home, home=world.foreign,
        supervisor=world.preceptor, starts_on=today, ends_on=today + timedelta(days=42), by=world.lead, on=today)
