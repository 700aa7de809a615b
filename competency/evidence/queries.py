"""Read-only evidence queries."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from competency.evidence.models import Evidence, EvidenceCapability
from competency.extensions import db


def my_evidence_query(owner_id: int, capability_uuid: str | None = None) -> sa.Select:
    """A person's evidence, most recent first, with links and files loaded in fixed statements."""
    query = (sa.select(Evidence).where(Evidence.owner_id == owner_id)
             .options(selectinload(Evidence.links), selectinload(Evidence.attachments))
             .order_by(Evidence.occurred_on.desc(), Evidence.id.desc()))
    if capability_uuid:
        query = query.where(Evidence.id.in_(
            sa.select(EvidenceCapability.evidence_id).where(EvidenceCapability.capability_uuid == capability_uuid)))
    return query


def evidence_for_capability(owner_id: int, capability_uuid: str) -> list[Evidence]:
    return list(db.session.scalars(my_evidence_query(owner_id, capability_uuid)))


def load_evidence(evidence_id: int) -> Evidence | None:
    return db.session.scalar(sa.select(Evidence).where(Evidence.id == evidence_id)
                             .options(selectinload(Evidence.links), selectinload(Evidence.attachments),
                                      selectinload(Evidence.owner)))


def evidence_by_ids(ids: list[int]) -> list[Evidence]:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Evidence).where(Evidence.id.in_(ids))
                                   .options(selectinload(Evidence.links))))
