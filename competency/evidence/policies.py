"""Who may see and change evidence.

Evidence is personal: its owner sees it, and so do the preceptors and leads of
an organisation where a sign-off request citing it was made (pending or decided),
and the assessor it was sent to while they still stand there (a colleague, or a
grant in force covering it). Nobody else learns that it exists.
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

    from competency.signoff.policies import assessor_stands

    staff_orgs = org_ids_with_role(user, *REVIEWER_ROLES)
    citing = (sa.select(SignOffRequest).join(request_evidence, SignOffRequest.id == request_evidence.c.request_id)
              .where(request_evidence.c.evidence_id == evidence.id, SignOffRequest.state != RequestState.withdrawn))
    if staff_orgs and db.session.scalar(
            citing.with_only_columns(sa.literal(True)).where(SignOffRequest.organisation_id.in_(staff_orgs)).limit(1)):
        return True
    # The assessor a request was sent to, while they still stand there (a granted assessor's grant
    # in force and covering it: DESIGN.md rule 5).
    sent_to_them = db.session.scalars(citing.where(SignOffRequest.assessor_id == user.id).limit(10)).all()
    return any(assessor_stands(user, request) for request in sent_to_them)


def can_edit_evidence(user: User | None, evidence: Evidence) -> bool:
    return _signed_in(user) and evidence.owner_id == user.id and not evidence.is_frozen
