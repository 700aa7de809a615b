"""Sign-off requests, decisions and sign-offs over the API. Errors name the rule that was not met."""
from __future__ import annotations

from typing import Literal

import sqlalchemy as sa
from flask import current_app, request
from pydantic import BaseModel, Field

from competency.accounts.models import User
from competency.blueprints.api.blueprint import ProblemError, api_user, parse_body
from competency.blueprints.api.fields import NOT_BLANK, UUID_PATTERN, DbId, required_when, stated
from competency.blueprints.api.openapi import api_route
from competency.errors import DomainError
from competency.evidence.queries import evidence_by_ids
from competency.extensions import db
from competency.reminders.dispatch import dispatch_outbox
from competency.signoff import conversation, queries, services
from competency.signoff.services import MAX_COMMENT
from competency.signoff.capabilities import current_framework_version, find_capability
from competency.signoff.models import Outcome, SignOff, SignOffRequest
from competency.signoff.policies import can_view_request, can_view_signoff


class SignOffRequestIn(BaseModel):
    capability_id: str = Field(description="The capability's stable identifier (UUID).", pattern=UUID_PATTERN)
    evidence_ids: list[DbId] = Field(description="Your evidence linked to that capability; at least one.",
                                     **stated(minItems=1))
    assessor_id: DbId = Field(description="A registered preceptor or lead where you currently work.")
    message: str = Field(default="", max_length=MAX_COMMENT)


class SeveralItemIn(BaseModel):
    capability_id: str = Field(description="The capability's stable identifier (UUID).")
    evidence_ids: list[int] | None = Field(default=None, description="Your evidence linked to that capability; "
                                                                     "omit to cite every item linked to it.")


class SeveralRequestsIn(BaseModel):
    items: list[SeveralItemIn] = Field(min_length=1, max_length=20,
                                       description="One request is made per item, all or nothing.")
    assessor_id: int = Field(description="A registered preceptor or lead where you currently work.")
    message: str = Field(default="", max_length=5000, description="Sent with every request.")


class MessageIn(BaseModel):
    body: str = Field(max_length=5000, description="Plain text; seen by everyone who can see the request.")


class DecisionIn(BaseModel):
    model_config = {"json_schema_extra": required_when("decision", "return", "comment", {"pattern": NOT_BLANK})}

    decision: Literal["sign", "return"]
    comment: str = Field(default="", max_length=MAX_COMMENT,
                         description="Optional when signing; required (not blank) when returning.")


class RevokeIn(BaseModel):
    reason: str = Field(max_length=MAX_COMMENT, description="Why the sign-off is revoked; not blank.",
                        **stated(pattern=NOT_BLANK))


class DecisionOut(BaseModel):
    outcome: str
    comment: str
    decided_by_id: int
    decided_at: str


class MessageOut(BaseModel):
    id: int
    request_id: int
    author_id: int
    is_practitioner: bool
    body: str
    created_at: str


class SignOffRequestOut(BaseModel):
    id: int
    state: str
    capability_id: str
    framework_version_id: int
    practitioner_id: int
    assessor_id: int
    organisation_id: int
    evidence_ids: list[int]
    message: str
    created_at: str
    decision: DecisionOut | None
    signoff_id: int | None
    resubmits_id: int | None = Field(description="The returned request this one sends again.")
    messages: list[MessageOut]


class SignOffRequestDetailOut(SignOffRequestOut):
    earlier: list[SignOffRequestOut] = Field(
        description="Earlier requests by the same person for the same capability that you may see, oldest first, "
                    "with their feedback and replies.")


class SignOffRequestListOut(BaseModel):
    items: list[SignOffRequestOut]


class RevocationOut(BaseModel):
    reason: str
    revoked_by_id: int
    revoked_at: str


class SignOffOut(BaseModel):
    id: int
    source: str
    capability_id: str
    capability_code: str
    level_code: str
    framework_version_id: int | None
    assessor_name: str
    assessor_profession: str | None
    assessor_registration: str
    organisation_name: str
    signed_at: str
    evidence_hashes: list[dict]
    comment: str
    issuer_name: str | None
    issuer_did: str | None
    credential_id: str | None
    revocation: RevocationOut | None
    # The assessor's own organisation, and why they could sign (employment, placement, grant,
    # trained_assessor); null for recognised sign-offs and those made before this was recorded.
    assessing_organisation_name: str | None = None
    assessor_basis: str | None = None


class SignOffListOut(BaseModel):
    items: list[SignOffOut]
    page: int
    pages: int
    total: int


def message_out(m, practitioner_id: int) -> MessageOut:
    return MessageOut(id=m.id, request_id=m.request_id, author_id=m.author_id,
                      is_practitioner=m.author_id == practitioner_id, body=m.body, created_at=m.created_at.isoformat())


def request_out(r: SignOffRequest) -> dict:
    return _request_model(r).model_dump()


def _request_model(r: SignOffRequest) -> SignOffRequestOut:
    decision = r.decision
    return SignOffRequestOut(
        id=r.id, state=r.state.value, capability_id=r.capability_uuid, framework_version_id=r.framework_version_id,
        practitioner_id=r.practitioner_id, assessor_id=r.assessor_id, organisation_id=r.organisation_id,
        evidence_ids=[e.id for e in r.evidence], message=r.message, created_at=r.created_at.isoformat(),
        decision=DecisionOut(outcome="sign" if decision.is_sign else "return", comment=decision.comment,
                             decided_by_id=decision.decided_by_id, decided_at=decision.decided_at.isoformat())
        if decision else None,
        signoff_id=r.signoff.id if r.signoff else None, resubmits_id=r.resubmits_id,
        messages=[message_out(m, r.practitioner_id) for m in r.messages],
    )


def signoff_out(s: SignOff) -> SignOffOut:
    revocation = s.revocation
    return SignOffOut(
        id=s.id, source=s.source.value, capability_id=s.capability_uuid, capability_code=s.capability_code,
        level_code=s.level_code, framework_version_id=s.framework_version_id, assessor_name=s.assessor_name,
        assessor_profession=s.assessor_profession, assessor_registration=s.assessor_registration,
        organisation_name=s.organisation_name, signed_at=s.signed_at.isoformat(), evidence_hashes=s.evidence_hashes,
        comment=s.comment, issuer_name=s.issuer_name, issuer_did=s.issuer_did, credential_id=s.credential_id,
        revocation=RevocationOut(reason=revocation.reason, revoked_by_id=revocation.revoked_by_id,
                                 revoked_at=revocation.revoked_at.isoformat()) if revocation else None,
        assessing_organisation_name=s.assessing_organisation_name,
        assessor_basis=s.assessor_basis.value if s.assessor_basis else None)


def visible_request(request_id: int) -> SignOffRequest:
    r = queries.load_request(request_id)
    if r is None or not can_view_request(api_user(), r):
        raise ProblemError(404, "Not found", "No sign-off request with that id is visible to you.")
    return r


@api_route("/signoff-requests", "POST", summary="Ask a preceptor to sign off a capability", tag="signoff",
           body=SignOffRequestIn, response=SignOffRequestOut, status=201, errors=(409,))
def create_signoff_request():
    data = parse_body(SignOffRequestIn)
    user = api_user()
    capability = find_capability(data.capability_id, current_framework_version()) or \
        find_capability(data.capability_id)
    if capability is None:
        raise DomainError("No published capability has that identifier.", rule="unknown_capability",
                          field="capability_id")
    wanted = set(data.evidence_ids)
    evidence = evidence_by_ids(sorted(wanted))
    if len(evidence) != len(wanted):
        raise DomainError("Only your own evidence can be cited; one or more of the items is not in your record.",
                          rule="evidence_not_owned", field="evidence_ids")
    assessor = db.session.get(User, data.assessor_id)
    if assessor is None:
        raise DomainError("The person chosen is not an active preceptor or lead where you currently work.",
                          rule="assessor_not_eligible", field="assessor_id")
    created = services.request_signoff(user, capability, evidence, assessor, message=data.message)
    db.session.commit()
    dispatch_outbox()
    return request_out(queries.load_request(created.id)), 201


@api_route("/signoff-requests/batch", "POST", summary="Ask for several capabilities at once (one request each)",
           tag="signoff", body=SeveralRequestsIn, response=SignOffRequestListOut, status=201, errors=(409,))
def create_several_signoff_requests():
    data = parse_body(SeveralRequestsIn)
    user = api_user()
    version = current_framework_version()
    asks, linked_for = [], set()
    for item in data.items:
        capability = find_capability(item.capability_id, version) or find_capability(item.capability_id)
        if capability is None:
            raise DomainError(f"No published capability has the identifier {item.capability_id}.",
                              rule="unknown_capability", field="capability_id")
        evidence = None
        if item.evidence_ids is not None:
            wanted = set(item.evidence_ids)
            evidence = evidence_by_ids(sorted(wanted))
            if len(evidence) != len(wanted):
                raise DomainError(f"{capability.code}: only your own evidence can be cited; one or more of the "
                                  "items is not in your record.", rule="evidence_not_owned", field="evidence_ids")
        else:
            linked_for.add(capability.uuid)
        asks.append(conversation.Ask(capability, evidence))
    assessor = db.session.get(User, data.assessor_id)
    if assessor is None:
        raise DomainError("The person chosen is not an active preceptor or lead where you currently work.",
                          rule="assessor_not_eligible", field="assessor_id")
    made = conversation.request_several(user, asks, assessor, message=data.message,
                                        linked_evidence=queries.linked_evidence(user.id, linked_for))
    db.session.commit()
    dispatch_outbox()
    return SignOffRequestListOut(items=[_request_model(queries.load_request(r.id)) for r in made]).model_dump(), 201


@api_route("/signoff-requests/<int:request_id>", summary="A request with its conversation, earlier requests included",
           tag="signoff", response=SignOffRequestDetailOut, errors=(404,))
def get_signoff_request(request_id: int):
    r = visible_request(request_id)
    user = api_user()
    earlier = [other for other in queries.conversation(r.practitioner_id, r.capability_uuid)
               if other.created_at <= r.created_at and other.id != r.id and can_view_request(user, other)]
    return SignOffRequestDetailOut(**_request_model(r).model_dump(),
                                   earlier=[_request_model(other) for other in earlier]).model_dump()


@api_route("/signoff-requests/<int:request_id>/messages", "POST", summary="Write in a request's conversation",
           tag="signoff", body=MessageIn, response=MessageOut, status=201, errors=(403, 404))
def post_signoff_message(request_id: int):
    r = visible_request(request_id)
    data = parse_body(MessageIn)
    message = conversation.post_message(r, api_user(), data.body)
    db.session.commit()
    dispatch_outbox()
    return message_out(message, r.practitioner_id).model_dump(), 201


@api_route("/signoff-requests/<int:request_id>/decision", "POST", summary="Sign off or return a request",
           tag="signoff", body=DecisionIn, response=SignOffRequestOut, errors=(403, 404, 409))
def decide_signoff_request(request_id: int):
    r = visible_request(request_id)
    data = parse_body(DecisionIn)
    services.decide(r, api_user(), Outcome.sign if data.decision == "sign" else Outcome.return_, data.comment)
    db.session.commit()
    dispatch_outbox()
    return request_out(queries.load_request(request_id))


@api_route("/signoff-requests/<int:request_id>/withdraw", "POST", summary="Withdraw your pending request",
           tag="signoff", response=SignOffRequestOut, errors=(403, 404, 409))
def withdraw_signoff_request(request_id: int):
    r = visible_request(request_id)
    services.withdraw(r, api_user())
    db.session.commit()
    return request_out(queries.load_request(request_id))


@api_route("/me/signoffs", summary="Your sign-offs, local and recognised, revoked ones included (newest first)",
           tag="signoff", response=SignOffListOut)
def list_my_signoffs():
    page = db.paginate(queries.my_signoffs_query(api_user().id), per_page=current_app.config["API_PAGE_SIZE"],
                       error_out=False, page=request.args.get("page", 1, type=int))
    return SignOffListOut(items=[signoff_out(s) for s in page.items], page=page.page, pages=page.pages,
                          total=page.total).model_dump()


@api_route("/signoffs/<int:signoff_id>/revoke", "POST", summary="Revoke a sign-off with a reason",
           tag="signoff", body=RevokeIn, response=SignOffOut, status=201, errors=(403, 404, 409))
def revoke_signoff(signoff_id: int):
    signoff = db.session.scalar(sa.select(SignOff).where(SignOff.id == signoff_id))
    if signoff is None or not can_view_signoff(api_user(), signoff):
        raise ProblemError(404, "Not found", "No sign-off with that id is visible to you.")
    data = parse_body(RevokeIn)
    services.revoke(signoff, api_user(), data.reason)
    db.session.commit()
    dispatch_outbox()
    return signoff_out(signoff).model_dump(), 201
