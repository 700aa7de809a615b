"""Asking for, deciding, withdrawing and revoking sign-offs. Services flush, never commit.

Deciding is safe under concurrency: the request leaves ``pending`` through one
conditional UPDATE (``... WHERE id = ? AND state = 'pending'``). Whoever's UPDATE
changes the row wins; everyone else sees no row changed and is told who decided.
The unique constraints on the decision and on the sign-off per request are the
backstop.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa

from competency.accounts.models import Organisation, User
from competency.audit.services import record_event
from competency.db import utcnow
from competency.errors import Conflict, DomainError, PermissionDenied
from competency.evidence.models import Evidence
from competency.extensions import db
from competency.frameworks.models import Capability, VersionStatus
from competency.signoff import notifications
from competency.signoff.capabilities import find_capability
from competency.signoff.models import (
    Outcome,
    RequestState,
    SignOff,
    SignOffDecision,
    SignOffRequest,
    SignOffRevocation,
    SignOffSource,
)
from competency.signoff.policies import may_decide, may_revoke
from competency.signoff.queries import has_reply_since, latest_request, pending_request, standing_signoff
from competency.signoff.rules import RuleBroken, assessor_standing, check_assessor, evidence_supports, no_self_signoff
from competency.uniqueness import unique_or_conflict

MAX_COMMENT = 5000


def _already_signed_message(signoff: SignOff, code: str) -> str:
    when = signoff.signed_at.strftime("%d %B %Y").lstrip("0")
    if signoff.is_recognised:
        return (f"{code} is already recognised from {signoff.issuer_name or signoff.organisation_name} "
                f"(signed on {when}), so it is never asked for again.")
    return f"{code} is already signed off for you (on {when}), so it is never asked for again."


def _check_not_signed(practitioner: User, capability_uuid: str, code: str) -> None:
    standing = standing_signoff(practitioner.id, capability_uuid)
    if standing is not None:
        raise RuleBroken(_already_signed_message(standing, code), rule="already_signed", field="capability_id")


def evidence_digest(evidence: Sequence[Evidence]) -> str:
    """One hash over the cited evidence as it is now (used to tell a reviewer it changed under them)."""
    joined = ",".join(f"{item.id}:{item.content_hash()}" for item in sorted(evidence, key=lambda e: e.id))
    return hashlib.sha256(joined.encode()).hexdigest()


def request_signoff(practitioner: User, capability: Capability, evidence: Sequence[Evidence], assessor: User, *,
                    message: str = "", today: date | None = None, at: datetime | None = None) -> SignOffRequest:
    """Rules 1, 2 and 6, then a pending request; the assessor is told at once.

    ``at`` backdates the request (imports and demo data); it defaults to now.
    """
    at = at or utcnow()
    today = today or at.date()
    if capability.version.status != VersionStatus.published:
        raise RuleBroken(f"{capability.code} is not in the current published framework, so it cannot be "
                         "requested.", rule="capability_not_current", field="capability_id")
    no_self_signoff(practitioner, assessor)
    _check_not_signed(practitioner, capability.uuid, capability.code)
    if pending_request(practitioner.id, capability.uuid) is not None:
        raise RuleBroken(f"You already have a request for {capability.code} waiting for review. Withdraw it "
                         "first if you want to ask someone else.", rule="request_pending", field="capability_id")
    evidence = list({item.id: item for item in evidence}.values())
    evidence_supports(practitioner, capability.uuid, evidence, capability.code)
    organisation_id = check_assessor(assessor, practitioner, capability, today)
    if len(message or "") > MAX_COMMENT:
        raise RuleBroken(f"The note must be {MAX_COMMENT:,} characters or fewer.", rule="text_too_long",
                         field="message")
    previous = returned_request_to_answer(practitioner, capability, evidence, message)
    with unique_or_conflict(Conflict(f"You already have a request for {capability.code} waiting for review.",
                                     rule="request_pending")):
        request = SignOffRequest(practitioner=practitioner, assessor=assessor, organisation_id=organisation_id,
                                 capability_uuid=capability.uuid, framework_version_id=capability.version_id,
                                 message=(message or "").strip(), state=RequestState.pending, created_at=at,
                                 updated_at=at, resubmits_id=previous.id if previous else None)
        request.evidence = evidence
        db.session.add(request)
    data = {"capability": capability.uuid, "code": capability.code, "assessor_id": assessor.id,
            "evidence_ids": [item.id for item in evidence]}
    if previous is not None:
        data["resubmits_id"] = previous.id
    record_event("signoff.resent" if previous is not None else "signoff.requested", actor=practitioner,
                 organisation=organisation_id, subject=request, data=data)
    notifications.request_arrived(request, capability.code, capability.statement, resent=previous is not None)
    return request


def returned_request_to_answer(practitioner: User, capability: Capability, evidence: Sequence[Evidence],
                               message: str) -> SignOffRequest | None:
    """The returned request a new request sends again, after checking something changed.

    A request for a capability whose latest request was returned answers that
    request: it needs changed evidence (a different selection, or an item edited since
    the decision) or a reply (a message since the return, or a note with this request).
    :raises RuleBroken: ``unchanged_resend`` when nothing changed.
    """
    previous = latest_request(practitioner.id, capability.uuid)
    if previous is None or previous.state != RequestState.returned or previous.decision is None:
        return None
    decision = previous.decision
    if (message or "").strip() or has_reply_since(previous.id, practitioner.id, decision.decided_at):
        return previous
    if {item.id for item in evidence} != {item.id for item in previous.evidence}:
        return previous
    if decision.evidence_digest is not None:
        if evidence_digest(evidence) != decision.evidence_digest:
            return previous
    elif any(item.updated_at and item.updated_at > decision.decided_at for item in evidence):
        return previous  # decided before digests were kept: an edit after the decision counts
    who = decision.decided_by.display_name if decision.decided_by else "Your reviewer"
    when = decision.decided_at.strftime("%d %B %Y").lstrip("0")
    raise RuleBroken(f"Nothing has changed since {who} returned your request for {capability.code} on {when}. "
                     "Add or change evidence, or reply to the feedback, before sending it again.",
                     rule="unchanged_resend", field="evidence_ids")


def _close(request: SignOffRequest, actor: User, state: RequestState, now: datetime) -> bool:
    """Move the request out of ``pending`` if, and only if, it is still pending. True when this call did it."""
    result = db.session.execute(
        sa.update(SignOffRequest)
        .where(SignOffRequest.id == request.id, SignOffRequest.state == RequestState.pending)
        .values(state=state, closed_at=now, closed_by_id=actor.id, updated_at=now)
        .execution_options(synchronize_session=False))
    db.session.refresh(request)
    return result.rowcount == 1


def _closed_message(request: SignOffRequest) -> str:
    who = request.closed_by.display_name if request.closed_by else "someone"
    when = request.closed_at.strftime("%d %B %Y at %H:%M") if request.closed_at else ""
    if request.state == RequestState.withdrawn:
        return f"This request was withdrawn by {who} on {when}; there is nothing left to decide."
    verb = "signed off" if request.state == RequestState.signed else "returned"
    return f"This request has already been {verb} by {who} on {when}. Your decision was not recorded."


def _refuse_closed(request: SignOffRequest) -> None:
    rule = "already_withdrawn" if request.state == RequestState.withdrawn else "already_decided"
    raise Conflict(_closed_message(request), rule=rule)


def decide(request: SignOffRequest, actor: User, outcome: Outcome, comment: str = "", *,
           today: date | None = None, seen_digest: str | None = None, at: datetime | None = None) -> SignOffRequest:
    """Sign (optional comment) or return (feedback required). Exactly one decision per request wins.

    ``at`` backdates the decision (demo data); it defaults to now.
    """
    now = at or utcnow()
    today = today or now.date()
    comment = (comment or "").strip()
    if actor.id == request.practitioner_id:
        no_self_signoff(request.practitioner, actor)
    if not may_decide(actor, request):
        raise PermissionDenied("Only the preceptor this request was sent to, or a lead where it was made, can "
                               "decide it.", rule="not_assessor")
    if not request.is_pending:
        _refuse_closed(request)
    if len(comment) > MAX_COMMENT:
        raise RuleBroken(f"The comment must be {MAX_COMMENT:,} characters or fewer.", rule="text_too_long",
                         field="comment")
    capability = find_capability(request.capability_uuid, request.framework_version) or \
        find_capability(request.capability_uuid)
    if capability is None:
        raise DomainError("The capability of this request is no longer in any framework.", rule="unknown_capability")
    evidence = list(request.evidence)
    standing = None
    if outcome == Outcome.return_:
        if not comment:
            raise RuleBroken("Give feedback so the practitioner knows what to add or change.",
                             rule="feedback_required", field="comment")
    else:
        _check_not_signed(request.practitioner, request.capability_uuid, capability.code)
        evidence_supports(request.practitioner, request.capability_uuid, evidence, capability.code)
        standing = assessor_standing(actor, request.practitioner, capability, today,
                                     organisation_id=request.organisation_id, lock=True)
        if seen_digest and seen_digest != evidence_digest(evidence):
            raise Conflict("The evidence changed while you were reviewing it. Read it again, then decide.",
                           rule="evidence_changed")
    state = RequestState.signed if outcome == Outcome.sign else RequestState.returned
    if not _close(request, actor, state, now):
        _refuse_closed(request)
    with unique_or_conflict(Conflict("This request has just been decided by someone else. Your decision was not "
                                     "recorded.", rule="already_decided")):
        db.session.add(SignOffDecision(request_id=request.id, outcome=outcome, comment=comment,
                                       decided_by_id=actor.id, decided_at=now,
                                       evidence_digest=evidence_digest(evidence)))
        if outcome == Outcome.sign:
            _record_signoff(request, capability, evidence, actor, comment, now, standing)
    record_event("signoff.signed" if outcome == Outcome.sign else "signoff.returned", actor=actor,
                 organisation=request.organisation_id, subject=request,
                 data={"capability": request.capability_uuid, "code": capability.code,
                       "practitioner_id": request.practitioner_id, "comment": comment,
                       **(_standing_data(standing) if standing is not None else {})})
    notifications.request_decided(request, capability.code, outcome == Outcome.sign, comment, actor)
    return request


def _standing_data(standing) -> dict:
    return {"basis": standing.basis.value, "assessing_organisation_id": standing.assessing_organisation_id,
            "grant_id": standing.grant_id, "placement_id": standing.placement_id}


def _record_signoff(request: SignOffRequest, capability: Capability, evidence: list[Evidence], assessor: User,
                    comment: str, now: datetime, standing=None) -> SignOff:
    hashes = []
    for item in evidence:
        hashes.append({"evidence_id": item.id, "title": item.title, "content_hash": item.content_hash()})
        if item.frozen_at is None:
            item.frozen_at = now
    organisation = db.session.get(Organisation, request.organisation_id)
    signoff = SignOff(
        source=SignOffSource.local, practitioner_id=request.practitioner_id, capability_uuid=capability.uuid,
        capability_code=capability.code, framework_version_id=request.framework_version_id,
        level_code=capability.level.code, request_id=request.id, assessor_id=assessor.id,
        assessor_name=assessor.display_name, assessor_profession=assessor.profession,
        assessor_registration_body=assessor.registration_body,
        assessor_registration_number=assessor.registration_number,
        organisation_id=organisation.id, organisation_name=organisation.name, evidence_hashes=hashes,
        comment=comment, signed_at=now)
    if standing is not None:
        assessing = db.session.get(Organisation, standing.assessing_organisation_id)
        signoff.assessing_organisation_id, signoff.assessing_organisation_name = assessing.id, assessing.name
        signoff.assessor_basis, signoff.grant_id = standing.basis, standing.grant_id
        signoff.placement_id = standing.placement_id
    db.session.add(signoff)
    return signoff


def withdraw(request: SignOffRequest, actor: User) -> SignOffRequest:
    if actor.id != request.practitioner_id:
        raise PermissionDenied("Only the person who asked can withdraw a request.", rule="not_owner")
    if not request.is_pending or not _close(request, actor, RequestState.withdrawn, utcnow()):
        _refuse_closed(request)
    capability = find_capability(request.capability_uuid)
    code = capability.code if capability else request.capability_uuid
    record_event("signoff.withdrawn", actor=actor, organisation=request.organisation_id, subject=request,
                 data={"capability": request.capability_uuid, "code": code})
    notifications.request_withdrawn(request, code)
    return request


def revoke(signoff: SignOff, actor: User, reason: str) -> SignOffRevocation:
    """A revocation record with the reason; the sign-off itself is never changed."""
    reason = (reason or "").strip()
    if not may_revoke(actor, signoff):
        raise PermissionDenied("Only the assessor who signed this, or a lead of the organisation where it was "
                               "signed, can revoke it.", rule="not_allowed_to_revoke")
    if signoff.revocation is not None:
        raise Conflict("This sign-off has already been revoked.", rule="already_revoked")
    if not reason:
        raise RuleBroken("Give the reason for revoking this sign-off.", rule="reason_required", field="reason")
    if len(reason) > MAX_COMMENT:
        raise RuleBroken(f"The reason must be {MAX_COMMENT:,} characters or fewer.", rule="text_too_long",
                         field="reason")
    with unique_or_conflict(Conflict("This sign-off has just been revoked by someone else.", rule="already_revoked")):
        revocation = SignOffRevocation(signoff=signoff, reason=reason, revoked_by_id=actor.id, revoked_at=utcnow())
        db.session.add(revocation)
    record_event("signoff.revoked", actor=actor, organisation=signoff.organisation_id, subject=signoff,
                 data={"capability": signoff.capability_uuid, "code": signoff.capability_code,
                       "practitioner_id": signoff.practitioner_id, "reason": reason})
    notifications.signoff_revoked(signoff, reason, actor)
    return revocation


def record_recognised_signoff(
    practitioner: User, *, organisation: Organisation, actor: User | None, capability_uuid: str, capability_code: str,
    level_code: str, signed_at: datetime, assessor_name: str, issuer_name: str, issuer_did: str | None = None,
    credential_id: str | None = None, framework_version_id: int | None = None, assessor_profession: str | None = None,
    assessor_registration_body: str | None = None, assessor_registration_number: str | None = None,
    evidence_hashes: list | None = None,
) -> SignOff:
    """For passport import: a sign-off another employer made, recognised at ``organisation``.

    It counts everywhere a local sign-off does (:func:`signed_capability_ids`), and
    the capability is never requested again. Already signed or recognised: refused.
    """
    _check_not_signed(practitioner, capability_uuid.lower(), capability_code)
    signoff = SignOff(
        source=SignOffSource.recognised, practitioner_id=practitioner.id, capability_uuid=capability_uuid.lower(),
        capability_code=capability_code, framework_version_id=framework_version_id, level_code=level_code,
        assessor_name=assessor_name, assessor_profession=assessor_profession,
        assessor_registration_body=assessor_registration_body,
        assessor_registration_number=assessor_registration_number, organisation_id=organisation.id,
        organisation_name=organisation.name, signed_at=signed_at, issuer_name=issuer_name, issuer_did=issuer_did,
        credential_id=credential_id, recognised_by_id=actor.id if actor else None,
        evidence_hashes=list(evidence_hashes or []))
    db.session.add(signoff)
    db.session.flush()
    record_event("signoff.recognised", actor=actor, organisation=organisation, subject=signoff,
                 data={"capability": signoff.capability_uuid, "code": capability_code, "issuer": issuer_name,
                       "credential_id": credential_id})
    return signoff

