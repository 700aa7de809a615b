"""Demo organisations and people: a trust, a county council and a care provider in one region."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from competency.accounts import services
from competency.accounts.models import Employment, Organisation, OrgKind, Role, Sector, User
from competency.accounts.passwords import hash_password
from competency.demo.context import DemoContext
from competency.extensions import db

REGION = "South East: Solent and Downs ICS"

ORGANISATIONS = [
    dict(slug="wessex-valley-nhs", name="Wessex Valley NHS Foundation Trust", kind=OrgKind.nhs_trust,
         sector=Sector.health, ods_code="R9W", settings={"people_served": "patient"}),
    dict(slug="downshire-cc", name="Downshire County Council", kind=OrgKind.local_authority,
         sector=Sector.social_care, ods_code=None, settings={"people_served": "person who draws on care and support"}),
    dict(slug="harbourside-care", name="Harbourside Care Ltd", kind=OrgKind.private_provider,
         sector=Sector.social_care, ods_code=None, settings={"people_served": "client"}),
    dict(slug="solent-downs-ics", name="Solent and Downs ICS AHP Faculty", kind=OrgKind.regional_body,
         sector=Sector.health, ods_code=None, settings={}),
]

# email, name, profession, (body, number, registered_on), [(org slug, role)], [employment]
PEOPLE = [
    ("admin@demo.test", "Alex Morgan (administrator)", None, None,
     [("wessex-valley-nhs", Role.admin), ("downshire-cc", Role.admin), ("harbourside-care", Role.admin)], []),
    ("lead@demo.test", "Priya Shah", "Occupational therapist", ("HCPC", "OT61234", date(2009, 7, 1)),
     [("downshire-cc", Role.lead), ("downshire-cc", Role.preceptor), ("wessex-valley-nhs", Role.lead)],
     [("downshire-cc", "Principal Occupational Therapist", "advanced", "Grade 11", date(2018, 4, 1))]),
    ("preceptor@demo.test", "Tom Hughes", "Occupational therapist", ("HCPC", "OT70321", date(2016, 9, 1)),
     [("downshire-cc", Role.preceptor)],
     [("downshire-cc", "Senior Occupational Therapist", "enhanced", "Grade 9 (KR10)", date(2020, 1, 6))]),
    ("preceptee@demo.test", "Sam Okafor", "Occupational therapist", ("HCPC", "OT99876", date(2026, 8, 14)),
     [("downshire-cc", Role.practitioner)],
     [("downshire-cc", "Occupational Therapist", "registered", "Grade 8", date(2026, 9, 7))]),
    ("ota@demo.test", "Jordan Lee", "Occupational therapy assistant", None,
     [("downshire-cc", Role.practitioner)],
     [("harbourside-care", "Care Assistant", "support", None, date(2022, 3, 1)),
      ("downshire-cc", "Occupational Therapy Assistant", "senior_support", "Grade 6", date(2024, 10, 1))]),
    ("trust.preceptor@demo.test", "Rachel Green", "Physiotherapist", ("HCPC", "PH55110", date(2014, 9, 1)),
     [("wessex-valley-nhs", Role.preceptor)],
     [("wessex-valley-nhs", "Physiotherapist", "enhanced", "Band 6", date(2019, 5, 1))]),
    # The analyst and the editor act through platform roles (competency.demo.platform), not memberships.
    ("analyst@demo.test", "Morgan Ellis", None, None, [], []),
    ("editor@demo.test", "Dana Fox", "Occupational therapist", ("HCPC", "OT40001", date(2005, 9, 1)), [], []),
    ("platform@demo.test", "Jo Bennett (platform administrator)", None, None, [], []),
]


def seed_accounts(ctx: DemoContext) -> None:
    for spec in ORGANISATIONS:
        organisation = db.session.scalar(sa.select(Organisation).filter_by(slug=spec["slug"]))
        if organisation is None:
            organisation = Organisation(region=REGION, **spec)
            db.session.add(organisation)
        ctx.orgs[spec["slug"]] = organisation
    db.session.flush()

    password_hash = hash_password(ctx.password)
    for email, name, profession, registration, roles, jobs in PEOPLE:
        user = services.find_user_by_email(email)
        if user is None:
            body, number, registered_on = registration or (None, None, None)
            user = User(email=email, display_name=name, profession=profession, registration_body=body,
                        registration_number=number, registered_on=registered_on)
            db.session.add(user)
        user.password_hash = password_hash
        db.session.flush()
        for slug, role in roles:
            services.ensure_membership(user, ctx.orgs[slug], role)
        for slug, title, level, band, start_on in jobs:
            exists = db.session.scalar(sa.select(Employment.id).filter_by(
                user_id=user.id, organisation_id=ctx.orgs[slug].id, role_title=title))
            if not exists:
                db.session.add(Employment(user=user, organisation=ctx.orgs[slug], role_title=title,
                                          level_code=level, band_label=band, start_on=start_on, fte=1.0))
        ctx.users[email] = user
        described = ", ".join(sorted({f"{role.value} at {ctx.orgs[slug].name}" for slug, role in roles}))
        ctx.accounts.append((email, described))
    # The OTA's care-assistant post ended when they joined the council.
    ota_jobs = db.session.scalars(sa.select(Employment).filter_by(
        user_id=ctx.users["ota@demo.test"].id, organisation_id=ctx.orgs["harbourside-care"].id)).all()
    for job in ota_jobs:
        job.end_on = date(2024, 9, 30)
