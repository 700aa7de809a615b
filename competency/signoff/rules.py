"""The sign-off rules (DESIGN.md section 3, rules 1, 2 and 6), each raising a message for the person at the screen.

Every rule has a stable ``rule`` code, which the API returns in its problem documents.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from competency.accounts.models import Membership, Role, User
from competency.accounts.policies import org_ids_with_role
from competency.errors import DomainError
from competency.extensions import db
from competency.frameworks.models import Capability
from competency.grants.standing import Hosts, Standing, candidate_standings, grantees_for, lock_standing, practitioner_hosts
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


def eligible_assessor_standings(practitioner: User, capability: Capability,
                                today: date) -> list[tuple[User, Standing]]:
    """Everyone who could sign ``capability`` off for ``practitioner`` today (rule 1), by name, with the
    way each stands (colleague, placement host, grant, trained assessor).

    A fixed number of statements: where the practitioner is, the grants reaching them, the
    candidates (staff there and grantees) with their memberships and posts, then the rule
    for each in memory.
    """
    hosts = practitioner_hosts(practitioner, today)
    if not hosts.ids:
        return []
    grants = grantees_for(practitioner, today, hosts=hosts)
    held: dict[int, list] = defaultdict(list)
    for grant in grants:
        held[grant.grantee_id].append(grant)
    staff = sa.select(Membership.user_id).where(
        Membership.organisation_id.in_(hosts.ids), Membership.role.in_(ASSESSOR_ROLES), Membership.is_active.is_(True))
    candidates = db.session.scalars(
        sa.select(User).where(sa.or_(User.id.in_(staff), User.id.in_(list(held) or [-1])),
                              User.id != practitioner.id, User.is_active_account.is_(True))
        .options(selectinload(User.memberships), selectinload(User.employments))
        .order_by(User.display_name, User.id)).all()
    positions = level_positions(capability.version_id)
    eligible = []
    for candidate in candidates:
        try:
            standing = assessor_standing(candidate, practitioner, capability, today, positions=positions,
                                         hosts=hosts, grants=held.get(candidate.id, []))
        except DomainError:
            continue
        eligible.append((candidate, standing))
    return eligible


def eligible_assessors(practitioner: User, capability: Capability, today: date) -> list[User]:
    """Everyone who could sign ``capability`` off for ``practitioner`` today (rule 1), by name."""
    return [user for user, _ in eligible_assessor_standings(practitioner, capability, today)]


def assessor_choice_label(assessor: User, standing: Standing) -> str:
    """How a practitioner sees an assessor in the list: name, profession, and where they come from
    when a grant brings them in."""
    label = f"{assessor.display_name}{' - ' + assessor.profession if assessor.profession else ''}"
    if standing.grant is not None:
        kind = "trained assessor" if standing.basis.value == "trained_assessor" else "assessor"
        label += f" ({standing.grant.grantee_organisation.name}, {kind} granted by " \
                 f"{standing.grant.granting_organisation.name})"
    return label


def _not_eligible(message: str) -> RuleBroken:
    return RuleBroken(message, rule="assessor_not_eligible", field="assessor_id")


def _works_at(assessor: User, organisation_id: int, today: date) -> bool:
    return (any(job.organisation_id == organisation_id and job.is_current_on(today) for job in assessor.employments)
            or organisation_id in org_ids_with_role(assessor))


def _check_standing(assessor: User, capability: Capability, standing: Standing, positions: dict[str, int],
                    today: date) -> None:
    name = assessor.display_name
    if standing.needs_registration and not assessor.is_registered:
        raise _not_eligible(f"{name} does not hold a professional registration, which a sign-off needs.")
    if standing.grant is not None and not _works_at(assessor, standing.assessing_organisation_id, today):
        raise _not_eligible(f"{name} no longer works at {standing.grant.grantee_organisation.name}, the organisation "
                            "named on their grant.")
    needed = positions.get(capability.level.code, 0)
    if needed > min(positions.values(), default=0):
        have = assessor_level_position(assessor, set(standing.level_organisation_ids), positions, today)
        if have < needed:
            raise _not_eligible(
                f"{name} practises below the {capability.level.name.lower()} level of {capability.code}; the "
                "assessor must practise at or above the capability's level.")


def assessor_standing(assessor: User, practitioner: User, capability: Capability, today: date,
                      organisation_id: int | None = None, positions: dict[str, int] | None = None, *,
                      hosts: Hosts | None = None, grants: list | None = None, lock: bool = False) -> Standing:
    """Rule 1: the first way ``assessor`` stands for ``practitioner`` that meets every condition.

    ``lock`` re-reads and share-locks the grant or placement relied on (deciding), so a revocation
    at the same instant is either seen here or waits until this sign-off has committed.

    :raises RuleBroken: no way meets the rule; the message says why for the best candidate.
    """
    no_self_signoff(practitioner, assessor)
    name = assessor.display_name
    if not assessor.is_active_account:
        raise _not_eligible(f"{name}'s account is not active.")
    standings, problems = candidate_standings(assessor, practitioner, capability, today,
                                              organisation_id=organisation_id, hosts=hosts, grants=grants)
    if not standings:
        if problems:
            raise _not_eligible(f"{name} cannot sign this off: {problems[0]}.")
        # Not a colleague: say so without naming them (the id may be anyone's).
        where = "the organisation this request was made at" if organisation_id is not None else \
            f"an organisation where {practitioner.display_name} currently works or is on placement"
        raise _not_eligible(f"The person chosen is not an active preceptor or lead at {where}, and holds no "
                            "grant to assess there.")
    positions = positions if positions is not None else level_positions(capability.version_id)
    first_error: RuleBroken | None = None
    for standing in standings:
        try:
            _check_standing(assessor, capability, standing, positions, today)
        except RuleBroken as error:
            first_error = first_error or error
            continue
        if lock and not lock_standing(standing, today):
            first_error = first_error or _not_eligible(
                f"The {'grant' if standing.grant is not None else 'placement'} that let {name} sign this off has "
                "just been revoked or ended, so the sign-off was not recorded.")
            continue
        return standing
    raise first_error


def check_assessor(assessor: User, practitioner: User, capability: Capability, today: date,
                   organisation_id: int | None = None, positions: dict[str, int] | None = None) -> int:
    """Rule 1. Returns the organisation the sign-off happens at (``organisation_id`` when given)."""
    return assessor_standing(assessor, practitioner, capability, today, organisation_id, positions).organisation_id


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
