"""Read-only placement queries, scoped by the caller where they list people."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from competency.accounts.models import Role, User
from competency.accounts.policies import org_ids_with_role
from competency.extensions import db
from competency.placements.models import Placement

MANAGING_ROLES = (Role.lead, Role.admin)


def _current(on: date):
    return sa.and_(Placement.ended_at.is_(None), Placement.starts_on <= on, Placement.ends_on >= on)


def current_placements(learner_id: int, on: date) -> list[Placement]:
    """The learner's placements running on ``on`` (their hosts give standing like employment)."""
    return list(db.session.scalars(
        sa.select(Placement).where(Placement.learner_id == learner_id, _current(on))
        .order_by(Placement.starts_on, Placement.id)))


def host_ids(learner_id: int, on: date) -> dict[int, int]:
    """Host organisation id -> placement id for the learner's current placements."""
    return {p.host_organisation_id: p.id for p in current_placements(learner_id, on)}


def visible_placements_query(user: User) -> sa.Select:
    """Placements the user may see: their own, those they supervise, and those hosted by or
    coming from an organisation they lead or administer."""
    orgs = org_ids_with_role(user, *MANAGING_ROLES) or {-1}
    return (sa.select(Placement)
            .where(sa.or_(Placement.learner_id == user.id, Placement.supervisor_id == user.id,
                          Placement.host_organisation_id.in_(orgs), Placement.home_organisation_id.in_(orgs)))
            .options(selectinload(Placement.learner), selectinload(Placement.supervisor),
                     selectinload(Placement.host_organisation), selectinload(Placement.home_organisation))
            .order_by(Placement.ends_on.desc(), Placement.id.desc()))


def placement_for(user: User, placement_id: int) -> Placement | None:
    """The placement if ``user`` may see it, else None (the caller answers 404)."""
    return db.session.scalar(visible_placements_query(user).where(Placement.id == placement_id))
