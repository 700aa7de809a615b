"""Standing: the ways one person could assess another today, best first (DESIGN.md rule 1).

A practitioner is *at* an organisation when currently employed there or on a current
placement there. An assessor stands for them through:

1. a preceptor or lead role at an organisation the practitioner is at (employment or placement);
2. an assessor grant from such an organisation, or from the regional body of its region;
3. a trained-assessor grant likewise (support-level capabilities only, no registration needed).

:mod:`competency.signoff.rules` then checks registration and level for each way in turn.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from competency.accounts.models import Organisation, Role, User
from competency.accounts.policies import current_employer_ids, org_ids_with_role
from competency.extensions import db
from competency.grants import queries as grant_queries
from competency.grants.models import ASSESSING_KINDS, AssessorBasis, Grant, GrantKind
from competency.grants.scope import capability_scope_problem, covered_organisations, person_in_scope
from competency.placements import queries as placement_queries
from competency.placements.models import Placement

ASSESSOR_ROLES = (Role.preceptor, Role.lead)
LONDON = ZoneInfo("Europe/London")


def uk_today() -> date:
    """Grants and placements run by UK calendar days."""
    return datetime.now(LONDON).date()


@dataclass(frozen=True)
class Standing:
    """One way an assessor may sign: where the sign-off happens and who the assessing organisation is."""

    organisation_id: int  # where the practitioner is (the sign-off's organisation and issuer)
    assessing_organisation_id: int  # the assessor's own organisation
    basis: AssessorBasis
    grant: Grant | None = None
    placement_id: int | None = None
    # Where the assessor's posts count when comparing their level with the capability's.
    level_organisation_ids: frozenset[int] = frozenset()

    @property
    def grant_id(self) -> int | None:
        return self.grant.id if self.grant is not None else None

    @property
    def needs_registration(self) -> bool:
        return self.basis != AssessorBasis.trained_assessor


@dataclass(frozen=True)
class Hosts:
    """Where a practitioner is today: organisation id -> placement id (None for employment)."""

    placements: dict[int, int | None]
    organisations: dict[int, Organisation]

    @property
    def ids(self) -> set[int]:
        return set(self.placements)


def practitioner_hosts(practitioner: User, today: date) -> Hosts:
    """Employers first; a placement at an employer adds nothing."""
    hosts: dict[int, int | None] = {org_id: None for org_id in current_employer_ids(practitioner, today)}
    for org_id, placement_id in placement_queries.host_ids(practitioner.id, today).items():
        hosts.setdefault(org_id, placement_id)
    organisations = {o.id: o for o in db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(list(hosts) or [-1])))}
    return Hosts(hosts, organisations)


def _role_basis(hosts: Hosts, org_id: int) -> tuple[AssessorBasis, int | None]:
    placement_id = hosts.placements.get(org_id)
    return (AssessorBasis.employment, None) if placement_id is None else (AssessorBasis.placement, placement_id)


def candidate_standings(assessor: User, practitioner: User, capability, today: date, *,
                        organisation_id: int | None = None, hosts: Hosts | None = None,
                        grants: list[Grant] | None = None) -> tuple[list[Standing], list[str]]:
    """Every way ``assessor`` could stand for ``practitioner`` on ``capability`` today, best first,
    and why grants that reach the practitioner's organisation do not cover this one (for messages).

    ``organisation_id`` restricts to one organisation (deciding a request made there).
    """
    hosts = hosts or practitioner_hosts(practitioner, today)
    host_ids = hosts.ids if organisation_id is None else hosts.ids & {organisation_id}
    standings: list[Standing] = []
    common = host_ids & org_ids_with_role(assessor, *ASSESSOR_ROLES)
    if common:
        org_id = min(common)
        basis, placement_id = _role_basis(hosts, org_id)
        standings.append(Standing(org_id, org_id, basis, placement_id=placement_id,
                                  level_organisation_ids=frozenset(common)))
    problems: list[str] = []
    in_reach = {i: hosts.organisations[i] for i in host_ids if i in hosts.organisations}
    held = grants if grants is not None else grant_queries.held_grants(assessor.id, today)
    for grant in sorted(held, key=lambda g: (g.kind != GrantKind.assessor, g.starts_on, g.id)):
        covered = covered_organisations(grant, in_reach)
        if not covered:
            continue
        if not person_in_scope(grant, practitioner.id):
            problems.append(f"the grant from {grant.granting_organisation.name} does not name "
                            f"{practitioner.display_name}")
            continue
        problem = capability_scope_problem(grant, capability)
        if problem:
            problems.append(problem)
            continue
        basis = AssessorBasis.trained_assessor if grant.kind == GrantKind.trained_assessor else AssessorBasis.grant
        standings.append(Standing(covered[0], grant.grantee_organisation_id, basis, grant=grant,
                                  level_organisation_ids=frozenset({grant.grantee_organisation_id})))
    return standings, problems


def lock_standing(standing: Standing, today: date) -> bool:
    """Re-read (and share-lock) the grant or placement a sign-off relies on, so a revocation at the same
    instant either commits first (and this answers False) or waits for the sign-off to commit."""
    if standing.grant is not None:
        grant = db.session.scalar(sa.select(Grant).where(Grant.id == standing.grant.id)
                                  .with_for_update(read=True).execution_options(populate_existing=True))
        return grant is not None and grant.is_active_on(today)
    if standing.placement_id is not None:
        placement = db.session.scalar(sa.select(Placement).where(Placement.id == standing.placement_id)
                                      .with_for_update(read=True).execution_options(populate_existing=True))
        return placement is not None and placement.is_current_on(today)
    return True


def grant_reaches(user: User, practitioner_id: int, organisation: Organisation, capability, today: date,
                  grants: list[Grant] | None = None) -> bool:
    """Whether a grant ``user`` holds today covers this practitioner and capability at ``organisation``
    (what a granted assessor may see: DESIGN.md rule 5)."""
    held = grants if grants is not None else grant_queries.held_grants(user.id, today, ASSESSING_KINDS)
    for grant in held:
        if (covered_organisations(grant, {organisation.id: organisation}) and person_in_scope(grant, practitioner_id)
                and capability is not None and capability_scope_problem(grant, capability) is None):
            return True
    return False


def grantees_for(practitioner: User, today: date, kinds=ASSESSING_KINDS, hosts: Hosts | None = None) -> list[Grant]:
    """Grants in force that reach the practitioner's organisations (candidates for "who may be asked")."""
    hosts = hosts or practitioner_hosts(practitioner, today)
    if not hosts.ids:
        return []
    grants = db.session.scalars(grant_queries.grants_covering_query(hosts.ids, today, kinds)).all()
    return [g for g in grants if person_in_scope(g, practitioner.id) and covered_organisations(
        g, hosts.organisations)]


def request_reached_by_grant(user: User, request, today: date | None = None) -> bool:
    """Whether a grant ``user`` holds today covers ``request`` (its practitioner, capability and organisation)."""
    from competency.signoff.capabilities import find_capability

    today = today or uk_today()
    grants = grant_queries.held_grants(user.id, today)
    if not grants:
        return False
    capability = find_capability(request.capability_uuid, request.framework_version) or \
        find_capability(request.capability_uuid)
    return grant_reaches(user, request.practitioner_id, request.organisation, capability, today, grants)
