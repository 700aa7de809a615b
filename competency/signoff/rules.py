"""The sign-off rules (DESIGN.md section 3, rules 1, 2 and 6), each raising a message for the person at the screen.

Every rule has a stable ``rule`` code, which the API returns in its problem documents.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from competency.accounts.models import Membership, Role, User
from competency.accounts.policies import current_employer_ids, org_ids_with_role
from competency.errors import DomainError
from competency.extensions import db
from competency.frameworks.models import Capability
from competency.signoff.capabilities import level_positions

ASSESSOR_ROLES = (Role.preceptor, Role.lead)


class RuleBroken(DomainError):
    """A sign-off rule is not met (422 with the rule's code)."""


def no_self_signoff(practitioner: User, assessor: User) -> None:
    if practitioner.id == assessor.id:
        raise RuleBroken("Nobody can sign off their own capability. Ask a preceptor or lead.",
                               rule="no_self_signoff", field="assessor_id")


def assessor_level_position(assessor: User, organisation_ids: set[int], positions: dict[str, int],
                            today: date) -> int:
    """How senior the assessor's practice is: their highest current post at these organisations."""
    return max((positions.get(job.level_code, 0) for job in assessor.employments
                if job.organisation_id in organisation_ids and job.is_current_on(today)), default=0)


def eligible_assessors(practitioner: User, capability: Capability, today: date) -> list[User]:
    """Everyone who could sign ``capability`` off for ``practitioner`` today (rule 1), by name.

    A fixed number of statements: the candidates (staff at the practitioner's current
    employers) with their memberships and posts, then the rule for each in memory.
    """
    employers = current_employer_ids(practitioner, today)
    if not employers:
        return []
    staff = sa.select(Membership.user_id).where(
        Membership.organisation_id.in_(employers), Membership.role.in_(ASSESSOR_ROLES), Membership.is_active.is_(True))
    candidates = db.session.scalars(
        sa.select(User).where(User.id.in_(staff), User.id != practitioner.id, User.is_active_account.is_(True))
        .options(selectinload(User.memberships), selectinload(User.employments))
        .order_by(User.display_name, User.id)).all()
    positions = level_positions(capability.version_id)
    eligible = []
    for candidate in candidates:
        try:
            check_assessor(candidate, practitioner, capability, today, positions=positions)
        except DomainError:
            continue
        eligible.append(candidate)
    return eligible


def _common_orgs(assessor: User, practitioner: User, today: date) -> set[int]:
    return current_employer_ids(practitioner, today) & org_ids_with_role(assessor, *ASSESSOR_ROLES)


def check_assessor(assessor: User, practitioner: User, capability: Capability, today: date,
                   organisation_id: int | None = None, positions: dict[str, int] | None = None) -> int:
    """Rule 1. Returns the organisation the sign-off happens at (``organisation_id`` when given)."""
    no_self_signoff(practitioner, assessor)
    name = assessor.display_name
    if not assessor.is_active_account:
        raise RuleBroken(f"{name}'s account is not active.", rule="assessor_not_eligible", field="assessor_id")
    common = _common_orgs(assessor, practitioner, today)
    if organisation_id is not None:
        common &= {organisation_id}
    if not common:
        # Not a colleague: say so without naming them (the id may be anyone's).
        where = "the organisation this request was made at" if organisation_id is not None else \
            f"an organisation where {practitioner.display_name} currently works"
        raise RuleBroken(f"The person chosen is not an active preceptor or lead at {where}.",
                         rule="assessor_not_eligible", field="assessor_id")
    if not assessor.is_registered:
        raise RuleBroken(f"{name} does not hold a professional registration, which a sign-off needs.",
                         rule="assessor_not_eligible", field="assessor_id")
    positions = positions if positions is not None else level_positions(capability.version_id)
    needed = positions.get(capability.level.code, 0)
    if needed > min(positions.values(), default=0):
        have = assessor_level_position(assessor, common, positions, today)
        if have < needed:
            raise RuleBroken(
                f"{name} practises below the {capability.level.name.lower()} level of {capability.code}; the "
                "assessor must practise at or above the capability's level.",
                rule="assessor_not_eligible", field="assessor_id")
    return min(common)


def evidence_supports(practitioner: User, capability_uuid: str, evidence: list, code: str) -> None:
    """Rule 2: at least one piece of the practitioner's own evidence, each linked to the capability."""
    if not evidence:
        raise RuleBroken("Cite at least one piece of your evidence.", rule="evidence_required",
                         field="evidence_ids")
    if any(item.owner_id != practitioner.id for item in evidence):
        raise RuleBroken("Only your own evidence can be cited; one or more of the items chosen is not in your "
                         "record.", rule="evidence_not_owned", field="evidence_ids")
    unlinked = [item.title for item in evidence if capability_uuid not in item.capability_uuids]
    if unlinked:
        raise RuleBroken(f"\u201c{unlinked[0]}\u201d is not linked to {code}. Link it to the capability on the "
                         "evidence page first, or cite other evidence.", rule="evidence_not_linked",
                         field="evidence_ids")
