"""Read-only queries on people and organisations, always scoped by the caller."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from competency.accounts.models import Employment, Membership, Organisation, Role, User
from competency.extensions import db


def organisations_administered(user: User) -> list[Organisation]:
    return list(db.session.scalars(
        sa.select(Organisation).join(Membership)
        .where(Membership.user_id == user.id, Membership.role == Role.admin, Membership.is_active)
        .order_by(Organisation.name)
    ))


def members_query(organisation: Organisation) -> sa.Select:
    """People with any membership (active or not) at ``organisation``, with their roles loaded."""
    member_ids = sa.select(Membership.user_id).where(Membership.organisation_id == organisation.id)
    return (
        sa.select(User).where(User.id.in_(member_ids))
        .options(selectinload(User.memberships), selectinload(User.employments).selectinload(Employment.organisation))
        .order_by(User.display_name, User.id)
    )


def member_of(organisation: Organisation, user_id: int) -> User | None:
    return db.session.scalar(members_query(organisation).where(User.id == user_id))
