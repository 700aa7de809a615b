"""Read-only sign-off queries, including the ones other areas build on.

:func:`signed_capability_ids` is the single answer to "what has this person had
signed off?": local sign-offs and sign-offs recognised from another employer's
passport, minus any that were revoked. Progress, progression, passport and
reports all use it (or :func:`current_signoffs_query` for the rows).

Revisions: a sign-off of a capability also counts for its *minor* revisions
(same intent, clearer words) and the revisions it was a minor revision of; a
*major* revision starts unsigned (:mod:`competency.signoff.revisions`).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from competency.accounts.models import Role, User
from competency.accounts.policies import org_ids_with_role
from competency.extensions import db
from competency.signoff.models import RequestState, SignOff, SignOffDecision, SignOffRequest, SignOffRevocation
from competency.signoff.revisions import equivalent_ids, expand


def not_revoked():
    return ~sa.exists().where(SignOffRevocation.signoff_id == SignOff.id)


def current_signoffs_query(user_id: int) -> sa.Select:
    """Sign-offs (local and recognised) that stand for a person, newest first."""
    return (sa.select(SignOff).where(SignOff.practitioner_id == user_id, not_revoked())
            .order_by(SignOff.signed_at.desc(), SignOff.id.desc()))


def signed_capability_ids(user_id: int) -> set[str]:
    """Stable identifiers of the capabilities signed off (or recognised) for a person and not revoked,
    with every minor revision of them (they count as the same capability)."""
    return expand(db.session.scalars(
        sa.select(SignOff.capability_uuid).where(SignOff.practitioner_id == user_id, not_revoked()).distinct()))


def standing_signoff(user_id: int, capability_uuid: str) -> SignOff | None:
    """The sign-off that already covers this capability (or a minor revision of it), if any."""
    return db.session.scalar(
        current_signoffs_query(user_id).where(SignOff.capability_uuid.in_(equivalent_ids(capability_uuid)))
        .limit(1))


def pending_capability_ids(user_id: int) -> set[str]:
    return expand(db.session.scalars(
        sa.select(SignOffRequest.capability_uuid)
        .where(SignOffRequest.practitioner_id == user_id, SignOffRequest.state == RequestState.pending)))


def pending_request(user_id: int, capability_uuid: str) -> SignOffRequest | None:
    return db.session.scalar(sa.select(SignOffRequest).where(
        SignOffRequest.practitioner_id == user_id,
        SignOffRequest.capability_uuid.in_(equivalent_ids(capability_uuid)),
        SignOffRequest.state == RequestState.pending).limit(1))


def my_signoffs_query(user_id: int) -> sa.Select:
    """Every sign-off of a person, revoked ones included, newest first."""
    return (sa.select(SignOff).where(SignOff.practitioner_id == user_id)
            .options(selectinload(SignOff.revocation), selectinload(SignOff.organisation))
            .order_by(SignOff.signed_at.desc(), SignOff.id.desc()))


def my_requests_query(user_id: int) -> sa.Select:
    return (sa.select(SignOffRequest).where(SignOffRequest.practitioner_id == user_id)
            .options(selectinload(SignOffRequest.assessor), selectinload(SignOffRequest.decision))
            .order_by(SignOffRequest.created_at.desc(), SignOffRequest.id.desc()))


def queue_query(user: User) -> sa.Select:
    """Pending requests this person may decide: sent to them, or at an organisation they lead. Oldest first."""
    lead_orgs = org_ids_with_role(user, Role.lead)
    reach = SignOffRequest.assessor_id == user.id
    if lead_orgs:
        reach = sa.or_(reach, SignOffRequest.organisation_id.in_(lead_orgs))
    return (sa.select(SignOffRequest)
            .where(SignOffRequest.state == RequestState.pending, reach, SignOffRequest.practitioner_id != user.id)
            .options(selectinload(SignOffRequest.practitioner), selectinload(SignOffRequest.assessor),
                     selectinload(SignOffRequest.organisation))
            .order_by(SignOffRequest.created_at, SignOffRequest.id))


def recently_decided_query(user: User, limit: int = 10) -> sa.Select:
    return (sa.select(SignOffRequest).join(SignOffDecision)
            .where(SignOffDecision.decided_by_id == user.id)
            .options(selectinload(SignOffRequest.practitioner), selectinload(SignOffRequest.decision))
            .order_by(SignOffDecision.decided_at.desc()).limit(limit))


def load_request(request_id: int) -> SignOffRequest | None:
    """A request with everything its page shows, in a fixed number of statements."""
    from competency.evidence.models import Evidence

    return db.session.scalar(
        sa.select(SignOffRequest).where(SignOffRequest.id == request_id)
        .options(selectinload(SignOffRequest.practitioner), selectinload(SignOffRequest.assessor),
                 selectinload(SignOffRequest.organisation), selectinload(SignOffRequest.framework_version),
                 selectinload(SignOffRequest.decision).selectinload(SignOffDecision.decided_by),
                 selectinload(SignOffRequest.signoff).selectinload(SignOff.revocation),
                 selectinload(SignOffRequest.evidence).selectinload(Evidence.attachments),
                 selectinload(SignOffRequest.evidence).selectinload(Evidence.links)))


def capability_history(user_id: int, capability_uuid: str) -> tuple[list[SignOffRequest], list[SignOff]]:
    """A person's requests (with decisions and cited evidence) and sign-offs (with revocations) for one capability."""
    requests = list(db.session.scalars(
        sa.select(SignOffRequest)
        .where(SignOffRequest.practitioner_id == user_id, SignOffRequest.capability_uuid == capability_uuid)
        .options(selectinload(SignOffRequest.assessor), selectinload(SignOffRequest.closed_by),
                 selectinload(SignOffRequest.decision).selectinload(SignOffDecision.decided_by),
                 selectinload(SignOffRequest.evidence))
        .order_by(SignOffRequest.created_at.desc(), SignOffRequest.id.desc())))
    signoffs = list(db.session.scalars(
        sa.select(SignOff)
        .where(SignOff.practitioner_id == user_id, SignOff.capability_uuid == capability_uuid)
        .options(selectinload(SignOff.revocation).selectinload(SignOffRevocation.revoked_by))
        .order_by(SignOff.signed_at.desc(), SignOff.id.desc())))
    return requests, signoffs


def requests_citing(evidence_id: int) -> list[SignOffRequest]:
    from competency.signoff.models import request_evidence

    return list(db.session.scalars(
        sa.select(SignOffRequest).join(request_evidence, request_evidence.c.request_id == SignOffRequest.id)
        .where(request_evidence.c.evidence_id == evidence_id)
        .options(selectinload(SignOffRequest.assessor))
        .order_by(SignOffRequest.created_at.desc(), SignOffRequest.id.desc())))


def waiting_time(since: datetime, now: datetime) -> str:
    """'3 days', '5 hours', 'less than an hour' for the queue."""
    seconds = max(0, int((now - since).total_seconds()))
    days, hours = seconds // 86400, (seconds % 86400) // 3600
    if days:
        return f"{days} day{'s' if days != 1 else ''}"
    if hours:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return "less than an hour"
