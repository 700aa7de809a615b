"""Who may read which reports.

Leads (and administrators) read exact figures, including a short list of named
waiting requests, for the organisations they lead. Analysts read suppressed
aggregates across the organisations of the regions they are analysts for (a platform
role, see competency.platform), never person-level data.
"""
from __future__ import annotations

import sqlalchemy as sa

from competency.accounts.models import Organisation, OrgKind, Role, User
from competency.accounts.policies import org_ids_with_role
from competency.extensions import db
from competency.platform.policies import analyst_regions

DASHBOARD_ROLES = (Role.lead, Role.admin)


def dashboard_org_ids(user: User | None) -> set[int]:
    return org_ids_with_role(user, *DASHBOARD_ROLES)


def can_view_dashboard(user: User | None) -> bool:
    return bool(dashboard_org_ids(user))


def can_view_system(user: User | None) -> bool:
    """Analysts: a platform role granted per region, never an organisation role."""
    return bool(analyst_regions(user))


def can_view_reports(user: User | None) -> bool:
    return can_view_dashboard(user) or can_view_system(user)


def region_org_ids(user: User | None) -> set[int]:
    """Every service-providing organisation in the regions where ``user`` is an analyst (one query)."""
    regions = analyst_regions(user)
    if not regions:
        return set()
    rows = db.session.scalars(sa.select(Organisation.id).where(Organisation.region.in_(sorted(regions)),
                                                               Organisation.kind != OrgKind.regional_body))
    return set(rows)
