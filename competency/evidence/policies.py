"""Who may see and change evidence.

Evidence is personal: its owner sees it, and so do the preceptors and leads of
an organisation where a sign-off request citing it was made (pending or decided),
and the assessor it was sent to. Nobody else learns that it exists.
"""
from __future__ import annotations

import sqlalchemy as sa

from competency.accounts.models import Role, User
from competency.accounts.policies import org_ids_with_role
from competency.evidence.models import Evidence
from competency.extensions import db

REVIEWER_ROLES = (Role.preceptor, Role.lead)


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def can_view_evidence(user: User | None, evidence: Evidence) -> bool:
    if not _signed_in(user):
        return False
    if evidence.owner_id == user.id:
        return True
    from competency.signoff.models import RequestState, SignOffRequest, request_evidence

    staff_orgs = org_ids_with_role(user, *REVIEWER_ROLES)
    reach = SignOffRequest.assessor_id == user.id
    if staff_orgs:
        reach = sa.or_(reach, SignOffRequest.organisation_id.in_(staff_orgs))
    return bool(db.session.scalar(
        sa.select(sa.literal(True)).select_from(request_evidence)
        .join(SignOffRequest, SignOffRequest.id == request_evidence.c.request_id)
        .where(request_evidence.c.evidence_id == evidence.id, SignOffRequest.state != RequestState.withdrawn, reach)
        .limit(1)))


def can_edit_evidence(user: User | None, evidence: Evidence) -> bool:
    return _signed_in(user) and evidence.owner_id == user.id and not evidence.is_frozen
