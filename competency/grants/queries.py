"""Read-only grant queries: the grants a person holds, and those an organisation's leads see."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from competency.accounts.models import Organisation, OrgKind, Role, User
from competency.accounts.policies import org_ids_with_role
from competency.extensions import db
from competency.grants.models import ASSESSING_KINDS, Grant, GrantKind
from competency.grants.policies import can_view_grant

MANAGING_ROLES = (Role.lead, Role.admin)


def _active(on: date):
    return sa.and_(Grant.revoked_at.is_(None), Grant.starts_on <= on, Grant.ends_on >= on)


def _options():
    return (selectinload(Grant.granting_organisation), selectinload(Grant.grantee_organisation),
            selectinload(Grant.grantee))


def held_grants(user_id: int, on: date, kinds: Iterable[GrantKind] = ASSESSING_KINDS) -> list[Grant]:
    """Grants ``user_id`` holds that are in force on ``on``, oldest first."""
    return list(db.session.scalars(
        sa.select(Grant).where(Grant.grantee_id == user_id, Grant.kind.in_(list(kinds)), _active(on))
        .options(*_options()).order_by(Grant.starts_on, Grant.id)))


def grants_covering_query(organisation_ids: Iterable[int], on: date,
                          kinds: Iterable[GrantKind] = ASSESSING_KINDS) -> sa.Select:
    """Grants in force on ``on`` whose people include those of ``organisation_ids`` (directly or
    through the region's regional body)."""
    ids = list(organisation_ids) or [-1]
    regions = sa.select(Organisation.region).where(Organisation.id.in_(ids))
    regional_bodies = sa.select(Organisation.id).where(Organisation.kind == OrgKind.regional_body,
                                                       Organisation.region.in_(regions))
    return (sa.select(Grant)
            .where(Grant.kind.in_(list(kinds)), _active(on),
                   sa.or_(Grant.granting_organisation_id.in_(ids), Grant.granting_organisation_id.in_(regional_bodies)))
            .options(*_options()).order_by(Grant.starts_on, Grant.id))


def reach_organisation_ids(user_id: int, on: date) -> set[int]:
    """Organisations whose people ``user_id`` may assess today through a grant (regions expanded)."""
    grants = held_grants(user_id, on)
    direct = {g.granting_organisation_id for g in grants if g.granting_organisation.kind != OrgKind.regional_body}
    regions = {g.granting_organisation.region for g in grants if g.granting_organisation.kind == OrgKind.regional_body}
    if regions:
        direct |= set(db.session.scalars(sa.select(Organisation.id).where(Organisation.region.in_(regions))))
    return direct


def managed_organisations(user: User) -> list[Organisation]:
    """Organisations whose grants and placements ``user`` manages (lead or admin there)."""
    ids = org_ids_with_role(user, *MANAGING_ROLES)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))


def grants_made_by_query(organisation_id: int) -> sa.Select:
    """Every grant the organisation made (revoked and ended ones too), newest first."""
    return (sa.select(Grant).where(Grant.granting_organisation_id == organisation_id)
            .options(*_options()).order_by(Grant.created_at.desc(), Grant.id.desc()))


def regional_grants_for(organisation: Organisation, on: date) -> list[Grant]:
    """Grants in force made by the region's regional body: they cover this organisation's people too."""
    if organisation.kind == OrgKind.regional_body:
        return []
    return list(db.session.scalars(
        sa.select(Grant).join(Organisation, Organisation.id == Grant.granting_organisation_id)
        .where(Organisation.kind == OrgKind.regional_body, Organisation.region == organisation.region, _active(on))
        .options(*_options()).order_by(Grant.starts_on, Grant.id)))


def grants_held_query(user_id: int) -> sa.Select:
    return (sa.select(Grant).where(Grant.grantee_id == user_id).options(*_options())
            .order_by(Grant.ends_on.desc(), Grant.id.desc()))


def grant_for(user: User, grant_id: int) -> Grant | None:
    """The grant if ``user`` may see it (the grantee, or a lead or admin of the granting organisation,
    or, for a regional grant, of an organisation in its region), else None (404)."""
    grant = db.session.scalar(sa.select(Grant).where(Grant.id == grant_id).options(*_options()))
    return grant if grant is not None and can_view_grant(user, grant) else None


def visible_grants_query(user: User) -> sa.Select:
    """Every grant ``user`` may see (as :func:`can_view_grant` decides, in SQL): those they hold, those
    an organisation they lead or administer made, and those of the regional body of such an
    organisation's region. Newest first."""
    managed = org_ids_with_role(user, *MANAGING_ROLES) or {-1}
    regions = sa.select(Organisation.region).where(Organisation.id.in_(managed))
    regional_bodies = sa.select(Organisation.id).where(Organisation.kind == OrgKind.regional_body,
                                                       Organisation.region.in_(regions))
    return (sa.select(Grant)
            .where(sa.or_(Grant.grantee_id == user.id, Grant.granting_organisation_id.in_(managed),
                          Grant.granting_organisation_id.in_(regional_bodies)))
            .options(*_options()).order_by(Grant.created_at.desc(), Grant.id.desc()))
