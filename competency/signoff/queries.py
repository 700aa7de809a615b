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
from competency.signoff.models import (
    RequestState,
    SignOff,
    SignOffDecision,
    SignOffMessage,
    SignOffRequest,
    SignOffRevocation,
)
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
    """Pending requests this person may decide: sent to them (while they stand there), or at an
    organisation they lead. Oldest first."""
    from competency.grants.queries import reach_organisation_ids
    from competency.grants.standing import uk_today

    lead_orgs = org_ids_with_role(user, Role.lead)
    # Sent to them where they still stand: staff there, or reached by a grant in force.
    stands = org_ids_with_role(user, Role.preceptor, Role.lead) | reach_organisation_ids(user.id, uk_today())
    reach = sa.and_(SignOffRequest.assessor_id == user.id, SignOffRequest.organisation_id.in_(stands or {-1}))
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
                 selectinload(SignOffRequest.evidence).selectinload(Evidence.links),
                 selectinload(SignOffRequest.resent_as), selectinload(SignOffRequest.resubmits),
                 selectinload(SignOffRequest.messages)))


def latest_request(user_id: int, capability_uuid: str) -> SignOffRequest | None:
    """A person's newest request for a capability, with its decision and cited evidence."""
    return db.session.scalar(
        sa.select(SignOffRequest)
        .where(SignOffRequest.practitioner_id == user_id, SignOffRequest.capability_uuid == capability_uuid)
        .options(selectinload(SignOffRequest.decision).selectinload(SignOffDecision.decided_by),
                 selectinload(SignOffRequest.evidence))
        .order_by(SignOffRequest.created_at.desc(), SignOffRequest.id.desc()).limit(1))


def has_reply_since(request_id: int, author_id: int, since: datetime) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(
        SignOffMessage.request_id == request_id, SignOffMessage.author_id == author_id,
        SignOffMessage.created_at >= since))) or False


def conversation(practitioner_id: int, capability_uuid: str) -> list[SignOffRequest]:
    """Every request a person made for one capability, oldest first, with notes, messages and decisions.

    The request page shows them as one thread, so a reviewer reading a request sent
    again sees the earlier feedback and replies. A fixed number of statements.
    """
    return list(db.session.scalars(
        sa.select(SignOffRequest)
        .where(SignOffRequest.practitioner_id == practitioner_id, SignOffRequest.capability_uuid == capability_uuid)
        .options(selectinload(SignOffRequest.assessor), selectinload(SignOffRequest.closed_by),
                 selectinload(SignOffRequest.decision).selectinload(SignOffDecision.decided_by),
                 selectinload(SignOffRequest.messages).selectinload(SignOffMessage.author),
                 selectinload(SignOffRequest.evidence))
        .order_by(SignOffRequest.created_at, SignOffRequest.id)))


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
        .options(selectinload(SignOff.revocation).selectinload(SignOffRevocation.revoked_by),
                 selectinload(SignOff.recognised_by))
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


def linked_evidence_counts(user_id: int) -> dict[str, int]:
    """Capability identifier -> how many of the person's evidence items are linked to it (one query)."""
    from competency.evidence.models import Evidence, EvidenceCapability

    rows = db.session.execute(
        sa.select(EvidenceCapability.capability_uuid, sa.func.count(EvidenceCapability.id))
        .join(Evidence, Evidence.id == EvidenceCapability.evidence_id)
        .where(Evidence.owner_id == user_id).group_by(EvidenceCapability.capability_uuid))
    return {uuid: count for uuid, count in rows}


def linked_evidence(user_id: int, capability_uuids: set[str]) -> dict[str, list]:
    """The person's evidence linked to each of these capabilities, oldest first (two statements)."""
    from competency.evidence.models import Evidence, EvidenceCapability

    if not capability_uuids:
        return {}
    linked = sa.select(EvidenceCapability.evidence_id).where(EvidenceCapability.capability_uuid.in_(capability_uuids))
    items = db.session.scalars(
        sa.select(Evidence).where(Evidence.owner_id == user_id, Evidence.id.in_(linked))
        .options(selectinload(Evidence.links), selectinload(Evidence.attachments))
        .order_by(Evidence.occurred_on, Evidence.id))
    found: dict[str, list] = {uuid: [] for uuid in capability_uuids}
    for item in items:
        for uuid in item.capability_uuids & capability_uuids:
            found[uuid].append(item)
    return found


# --- what is waiting on someone (the home page) ----------------------------------------------

def _later_request_exists():
    later = sa.orm.aliased(SignOffRequest)
    return sa.exists().where(later.practitioner_id == SignOffRequest.practitioner_id,
                             later.capability_uuid == SignOffRequest.capability_uuid,
                             sa.or_(later.created_at > SignOffRequest.created_at,
                                    sa.and_(later.created_at == SignOffRequest.created_at,
                                            later.id > SignOffRequest.id)))


def returned_to_answer(user_id: int, limit: int = 20) -> list[SignOffRequest]:
    """The person's returned requests not yet answered by a later request or a sign-off, oldest return first."""
    signed = sa.exists().where(SignOff.practitioner_id == SignOffRequest.practitioner_id,
                               SignOff.capability_uuid == SignOffRequest.capability_uuid, not_revoked())
    return list(db.session.scalars(
        sa.select(SignOffRequest).join(SignOffDecision, SignOffDecision.request_id == SignOffRequest.id)
        .where(SignOffRequest.practitioner_id == user_id, SignOffRequest.state == RequestState.returned,
               ~_later_request_exists(), ~signed)
        .options(selectinload(SignOffRequest.decision).selectinload(SignOffDecision.decided_by))
        .order_by(SignOffDecision.decided_at, SignOffRequest.id).limit(limit)))


def messages_to_answer(user: User, limit: int = 20) -> list[tuple[SignOffRequest, SignOffMessage]]:
    """Open conversations whose last message came from the other side: (request, that message), oldest first.

    The practitioner answers reviewers' messages on their own requests; the named
    assessor answers the practitioner's. One statement plus eager loads; the latest
    message is found per request through its index, never by grouping the whole table.
    """
    latest_id = (sa.select(sa.func.max(SignOffMessage.id)).where(SignOffMessage.request_id == SignOffRequest.id)
                 .correlate(SignOffRequest).scalar_subquery())
    from_other_side = sa.or_(
        sa.and_(SignOffRequest.practitioner_id == user.id, SignOffMessage.author_id != user.id),
        sa.and_(SignOffRequest.assessor_id == user.id, SignOffMessage.author_id == SignOffRequest.practitioner_id))
    still_open = sa.or_(SignOffRequest.state == RequestState.pending,
                        sa.and_(SignOffRequest.state == RequestState.returned, ~_later_request_exists()))
    rows = db.session.execute(
        sa.select(SignOffRequest, SignOffMessage)
        .join(SignOffMessage, SignOffMessage.id == latest_id)
        .where(sa.or_(SignOffRequest.practitioner_id == user.id, SignOffRequest.assessor_id == user.id),
               from_other_side, still_open)
        .options(selectinload(SignOffRequest.practitioner), selectinload(SignOffMessage.author))
        .order_by(SignOffMessage.created_at, SignOffMessage.id).limit(limit))
    return [(request, message) for request, message in rows]


def queue_page(user: User, limit: int = 10) -> tuple[list[SignOffRequest], int]:
    """The oldest requests this person may decide, and how many there are in all."""
    query = queue_query(user)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    return list(db.session.scalars(query.limit(limit))) if total else [], total


def waiting_longer_than(org_ids: set[int], since: datetime) -> dict[int, int]:
    """Organisation id -> pending requests made before ``since`` (aggregate, for the region view)."""
    if not org_ids:
        return {}
    rows = db.session.execute(
        sa.select(SignOffRequest.organisation_id, sa.func.count())
        .where(SignOffRequest.organisation_id.in_(org_ids), SignOffRequest.state == RequestState.pending,
               SignOffRequest.created_at < since)
        .group_by(SignOffRequest.organisation_id))
    return {org_id: count for org_id, count in rows}
