"""Demo seeding for reports: a few dozen synthetic staff so the dashboards have figures to show.

They are named "Synthetic ..." with addresses at synthetic.demo.test, have their own
synthetic preceptors (so the demo preceptors' queues stay as the other steps left them),
and are added once: a second run finds them and does nothing.
"""
from __future__ import annotations

import sqlalchemy as sa

from competency.accounts.models import User
from competency.bench.generator import Generator, Plan, ensure_reference
from competency.bench.writer import CoreWriter, reset_sequences, tables_with_serial_ids
from competency.extensions import db

DOMAIN = "synthetic.demo.test"
# Organisation slug -> how many synthetic practitioners join it.
STAFF = {"wessex-valley-nhs": 28, "downshire-cc": 24, "harbourside-care": 12}


def seed_report_figures(ctx) -> None:
    if db.session.scalar(sa.select(User.id).where(User.email.like(f"%@{DOMAIN}")).limit(1)) is not None:
        return
    plan = Plan(practitioners=sum(STAFF.values()), organisations=len(STAFF), evidence_per_person=6,
                signoffs_per_person=4, email_domain=DOMAIN, name_prefix="Synthetic ", password=ctx.password,
                seed=2026)
    generator = Generator(plan, ensure_reference(), CoreWriter().write)
    lead = ctx.users["lead@demo.test"]
    for slug, count in STAFF.items():
        organisation = ctx.orgs[slug]
        generator.join_organisation({"id": organisation.id, "name": organisation.name, "kind": organisation.kind,
                                     "sector": organisation.sector}, count, lead.id)
    db.session.flush()
    # The generator names its rows' ids itself; PostgreSQL's sequences must move past them, or
    # the next row anyone creates in those tables collides with a primary key.
    reset_sequences(tables_with_serial_ids())
