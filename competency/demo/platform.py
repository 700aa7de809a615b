"""Demo platform roles: who keeps the shared framework, the trust list and the region's figures.

The organisation administrator (admin@) holds none of them, so the demo shows the separation:
editor@ edits the ICS faculty's framework, analyst@ reads the region, platform@ grants roles
and keeps the trust list.
"""
from __future__ import annotations

import sqlalchemy as sa

from competency.demo.accounts import REGION
from competency.demo.context import DemoContext
from competency.extensions import db
from competency.frameworks import queries as framework_queries
from competency.frameworks.loading import SHIPPED_DATA, load_path
from competency.platform import services
from competency.platform.models import PLATFORM_ROLE_LABELS, PlatformGrant, PlatformRole, scope_key

FRAMEWORK_OWNER = "solent-downs-ics"
# email, role, owner organisation slug (framework editors), region (analysts)
GRANTS = [
    ("platform@demo.test", PlatformRole.platform_admin, None, None),
    ("platform@demo.test", PlatformRole.trust_list_manager, None, None),
    ("editor@demo.test", PlatformRole.framework_editor, FRAMEWORK_OWNER, None),
    ("analyst@demo.test", PlatformRole.analyst, None, REGION),
]


def seed_platform_roles(ctx: DemoContext) -> None:
    """Idempotent: existing grants are kept, and a framework that has an owner keeps it."""
    for spec in load_path(SHIPPED_DATA).specs("framework"):
        framework = framework_queries.framework_by_slug(spec.slug)
        if framework is not None and framework.owner_id is None:
            services.set_framework_owner(framework, ctx.orgs[FRAMEWORK_OWNER], by=None)
    held: dict[str, list[str]] = {}
    for email, role, owner_slug, region in GRANTS:
        person = ctx.users[email]
        owner = ctx.orgs[owner_slug] if owner_slug else None
        key = scope_key(role, owner.id if owner else None, region)
        exists = db.session.scalar(sa.select(PlatformGrant.id).filter_by(user_id=person.id, role=role, scope_key=key))
        if not exists:
            services.grant_role(person, role, by=None, owner=owner, region=region)
        where = f" for {owner.name}" if owner else (f" for {region}" if region else "")
        held.setdefault(email, []).append(f"{PLATFORM_ROLE_LABELS[role].lower()}{where}")
    ctx.accounts[:] = [(email, ", ".join(filter(None, [described, *held.get(email, [])])))
                       for email, described in ctx.accounts]
