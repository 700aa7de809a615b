"""What progression reads from other areas, each for many people at once.

Readiness for a page of people must cost a fixed number of queries, so each fact is
gathered for a set of user ids in one set-based statement, never per person.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from datetime import date

import sqlalchemy as sa

from competency.accounts.models import Employment
from competency.extensions import db
from competency.progression.readiness import EmploymentFact


def employment_facts(user_ids: Collection[int], today: date | None = None) -> dict[int, list[EmploymentFact]]:
    """Posts here, plus verified previous posts elsewhere (recognised from a passport or checked by a lead):
    months in post at an earlier employer count without being proved again."""
    from competency.recognition.queries import verified_prior_spans

    out: dict[int, list[EmploymentFact]] = defaultdict(list)
    if not user_ids:
        return out
    rows = db.session.execute(
        sa.select(Employment.user_id, Employment.organisation_id, Employment.level_code, Employment.start_on,
                  Employment.end_on, Employment.fte).where(Employment.user_id.in_(user_ids)))
    for user_id, org_id, level, start_on, end_on, fte in rows:
        out[user_id].append(EmploymentFact(org_id, level, start_on, end_on, float(fte or 1.0)))
    for user_id, spans in verified_prior_spans(user_ids, today or date.today()).items():
        for org_id, level, start_on, last_day in spans:
            out[user_id].append(EmploymentFact(org_id or 0, level, start_on, last_day))
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
    """Pieces of evidence per person and kind (value of the evidence area's kind enum): what they hold
    here, plus evidence cited by sign-offs recognised from another employer's passport and held only
    there (counted once, by its hash)."""
    from competency.evidence.models import Evidence
    from competency.recognition.queries import credential_evidence_counts

    out: dict[int, Counter] = defaultdict(Counter)
    if not user_ids:
        return out
    rows = db.session.execute(
        sa.select(Evidence.owner_id, Evidence.kind, sa.func.count(Evidence.id))
        .where(Evidence.owner_id.in_(user_ids)).group_by(Evidence.owner_id, Evidence.kind))
    for user_id, kind, count in rows:
        out[user_id][kind.value] = count
    for user_id, counts in credential_evidence_counts(user_ids).items():
        out[user_id].update(counts)
    return out


def evidence_owner_id(evidence_id: int) -> int | None:
    from competency.evidence.models import Evidence

    return db.session.scalar(sa.select(Evidence.owner_id).where(Evidence.id == evidence_id))
