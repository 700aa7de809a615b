"""Who may read which reports.

Leads (and administrators) read exact figures, including a short list of named
waiting requests, for the organisations they lead. Analysts read suppressed
aggregates across the organisations of their region, never person-level data.
"""
from __future__ import annotations

import sqlalchemy as sa

from competency.accounts.models import Organisation, OrgKind, Role, User
from competency.accounts.policies import has_any_role, org_ids_with_role
from competency.extensions import db

DASHBOARD_ROLES = (Role.lead, Role.admin)


def dashboard_org_ids(user: User | None) -> set[int]:
    return org_ids_with_role(user, *DASHBOARD_ROLES)


def can_view_dashboard(user: User | None) -> bool:
    return bool(dashboard_org_ids(user))


def can_view_system(user: User | None) -> bool:
    return has_any_role(user, Role.analyst)


def can_view_reports(user: User | None) -> bool:
    return can_view_dashboard(user) or can_view_system(user)


def region_org_ids(user: User | None) -> set[int]:
    """Every service-providing organisation in the regions where ``user`` is an analyst (one query)."""
    analyst_orgs = org_ids_with_role(user, Role.analyst)
    if not analyst_orgs:
        return set()
    regions = sa.select(Organisation.region).where(Organisation.id.in_(analyst_orgs)).scalar_subquery()
    rows = db.session.scalars(sa.select(Organisation.id).where(Organisation.region.in_(regions),
                                                               Organisation.kind != OrgKind.regional_body))
    return set(rows)
