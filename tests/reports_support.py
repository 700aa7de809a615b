"""Scenario builders for report tests: a synthetic region from the bench generator, at any size."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa

from competency.accounts.models import Membership, Organisation, OrgKind, Role, User
from competency.bench.generator import Plan, generate
from competency.extensions import db
from competency.platform.models import PlatformGrant, PlatformRole
from tests.factories import PASSWORD


def region(practitioners: int, *, organisations: int = 3, evidence_per_person: int = 2,
           signoffs_per_person: int = 3, today: date | None = None, region_name: str = "Test region") -> SimpleNamespace:
    """``practitioners`` people across ``organisations`` with evidence, sign-offs, programmes and pathways.

    Rows go in through the generator's batched core inserts inside the test's transaction.
    """
    first_org = (db.session.scalar(sa.select(sa.func.max(Organisation.id))) or 0) + 1
    first_user = (db.session.scalar(sa.select(sa.func.max(User.id))) or 0) + 1
    plan = Plan(practitioners=practitioners, organisations=organisations, evidence_per_person=evidence_per_person,
                signoffs_per_person=signoffs_per_person, region=region_name, password=PASSWORD,
                **({"today": today} if today else {}))
    generate(plan)
    db.session.flush()
    orgs = db.session.scalars(sa.select(Organisation).where(Organisation.id >= first_org,
                                                            Organisation.slug.like("bench-org-%"))
                              .order_by(Organisation.id)).all()
    body = db.session.scalar(sa.select(Organisation).where(Organisation.id >= first_org,
                                                           Organisation.kind == OrgKind.regional_body))

    def first(organisation, role: Role) -> User:
        return db.session.scalar(sa.select(User).join(Membership, Membership.user_id == User.id)
                                 .where(Membership.organisation_id == organisation.id, Membership.role == role)
                                 .order_by(User.id).limit(1))

    analyst = db.session.scalar(sa.select(User).join(PlatformGrant, PlatformGrant.user_id == User.id)
                                .where(PlatformGrant.role == PlatformRole.analyst, PlatformGrant.region == region_name,
                                       User.id >= first_user).order_by(User.id).limit(1))
    return SimpleNamespace(plan=plan, orgs=orgs, lead=first(orgs[0], Role.lead),
                           preceptor=first(orgs[0], Role.preceptor), practitioner=first(orgs[0], Role.practitioner),
                           admin=first(orgs[0], Role.admin), analyst=analyst, body=body)
