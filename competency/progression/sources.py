"""What progression reads from other areas, each for many people at once.

Readiness for a page of people must cost a fixed number of queries, so each fact is
gathered for a set of user ids in one set-based statement, never per person.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection

import sqlalchemy as sa

from competency.accounts.models import Employment
from competency.extensions import db
from competency.progression.readiness import EmploymentFact


def employment_facts(user_ids: Collection[int]) -> dict[int, list[EmploymentFact]]:
    out: dict[int, list[EmploymentFact]] = defaultdict(list)
    if not user_ids:
        return out
    rows = db.session.execute(
        sa.select(Employment.user_id, Employment.organisation_id, Employment.level_code, Employment.start_on,
                  Employment.end_on).where(Employment.user_id.in_(user_ids)))
    for user_id, org_id, level, start_on, end_on in rows:
        out[user_id].append(EmploymentFact(org_id, level, start_on, end_on))
    return out


def signed_capability_ids(user_ids: Collection[int]) -> dict[int, set[str]]:
    """Capabilities signed off or recognised, and not revoked, per person (the sign-off area's rule)."""
    from competency.signoff.models import SignOff
    from competency.signoff.queries import not_revoked
    from competency.signoff.revisions import current_equivalence

    out: dict[int, set[str]] = defaultdict(set)
    if not user_ids:
        return out
    rows = db.session.execute(
        sa.select(SignOff.practitioner_id, SignOff.capability_uuid)
        .where(SignOff.practitioner_id.in_(user_ids), not_revoked()).distinct())
    for user_id, capability_uuid in rows:
        out[user_id].add(capability_uuid)
    if out:
        # Minor revisions count as the same capability (competency.signoff.revisions).
        equivalence = current_equivalence()
        for user_id in out:
            out[user_id] = equivalence.expand(out[user_id])
    return out


def evidence_counts(user_ids: Collection[int]) -> dict[int, Counter]:
    """Pieces of evidence per person and kind (value of the evidence area's kind enum)."""
    from competency.evidence.models import Evidence

    out: dict[int, Counter] = defaultdict(Counter)
    if not user_ids:
        return out
    rows = db.session.execute(
        sa.select(Evidence.owner_id, Evidence.kind, sa.func.count(Evidence.id))
        .where(Evidence.owner_id.in_(user_ids)).group_by(Evidence.owner_id, Evidence.kind))
    for user_id, kind, count in rows:
        out[user_id][kind.value] = count
    return out


def evidence_owner_id(evidence_id: int) -> int | None:
    from competency.evidence.models import Evidence

    return db.session.scalar(sa.select(Evidence.owner_id).where(Evidence.id == evidence_id))
