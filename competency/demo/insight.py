"""Demo figures for workforce insight (issue 16.7): services, an OTA at the top of their grade, language.

* Every named demo post gets its service or team and whether it is an allied health
  professions service (Jordan in community OT: yes; Riley in reablement: no), and the
  synthetic staff are spread over services by organisation, so the dashboard can say
  whether support workers work in AHP services.
* Riley Evans (reablement support worker) has a senior support worker capability signed
  off by the principal OT: working at the top of their grade.
* Each organisation's local list of role titles and grades (mapped through the crosswalk).

Safe to run again: values are set, not added, and the sign-off is made once.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from competency.accounts.models import Employment, User
from competency.demo.context import DemoContext
from competency.evidence.models import EvidenceKind
from competency.extensions import db

# email -> (organisation slug, service, is an AHP service)
SERVICES = {
    "lead@demo.test": ("downshire-cc", "Adult social care occupational therapy", True),
    "preceptor@demo.test": ("downshire-cc", "Community occupational therapy", True),
    "preceptee@demo.test": ("downshire-cc", "Community occupational therapy", True),
    "ota@demo.test": ("downshire-cc", "Community occupational therapy", True),
    "apprentice@demo.test": ("downshire-cc", "Community occupational therapy", True),
    "support.worker@demo.test": ("downshire-cc", "Reablement", False),
    "trust.preceptor@demo.test": ("wessex-valley-nhs", "Therapies: physiotherapy", True),
}
SYNTHETIC_SERVICES = {
    "wessex-valley-nhs": [("Therapies: occupational therapy", True), ("Therapies: physiotherapy", True),
                          ("Acute medicine ward", False)],
    "downshire-cc": [("Community occupational therapy", True), ("Reablement", False),
                     ("Sensory impairment team", True)],
    "harbourside-care": [("Residential care", False), ("Home care", False)],
}
ABOVE_GRADE_CODE = "PP-SSW-04"

# Local role titles and grades per organisation, each mapped to a level through the crosswalk.
LANGUAGE = {
    "downshire-cc": {
        "role_titles": ["Reablement Support Worker", "Occupational Therapy Assistant", "Social Care Practitioner",
                        "Occupational Therapist", "Senior Occupational Therapist", "Principal Occupational Therapist"],
        "grades": ["Grade 4", "Grade 5", "Grade 6", "Grade 8", "Grade 9 (KR10)", "Grade 11"],
    },
    "wessex-valley-nhs": {
        "role_titles": ["Therapy Support Worker", "Therapy Assistant Practitioner", "Physiotherapist",
                        "Occupational Therapist", "Advanced Practitioner", "Consultant Therapist"],
        "grades": ["Band 3", "Band 4", "Band 5", "Band 6", "Band 7", "Band 8a"],
    },
    "harbourside-care": {
        "role_titles": ["Care Assistant", "Senior Care Assistant", "Deputy Manager"],
        "grades": ["Care grade 1", "Care grade 2", "Senior care grade"],
    },
}


def seed_insight(ctx: DemoContext) -> None:
    """Runs before the synthetic staff are bulk-written (it inserts rows through the ORM)."""
    _services(ctx)
    _above_grade(ctx)
    for slug, words in LANGUAGE.items():
        organisation = ctx.orgs[slug]
        organisation.settings = {**(organisation.settings or {}), **{k: list(v) for k, v in words.items()}}
    db.session.flush()


def _services(ctx: DemoContext) -> None:
    for email, (slug, service, is_ahp) in SERVICES.items():
        person = ctx.users.get(email)
        if person is None:
            continue
        for job in db.session.scalars(sa.select(Employment).filter_by(user_id=person.id,
                                                                      organisation_id=ctx.orgs[slug].id)):
            job.service_name, job.is_ahp_service = service, is_ahp


def seed_synthetic_services(ctx: DemoContext) -> None:
    """After the synthetic staff exist: updates only, so it never needs a new row id."""
    from competency.demo.reports import DOMAIN

    for slug, services in SYNTHETIC_SERVICES.items():
        jobs = db.session.scalars(
            sa.select(Employment).join(User, User.id == Employment.user_id)
            .where(Employment.organisation_id == ctx.orgs[slug].id, User.email.like(f"%@{DOMAIN}"),
                   Employment.service_name.is_(None)).order_by(Employment.id))
        for number, job in enumerate(jobs):
            job.service_name, job.is_ahp_service = services[number % len(services)]


def _above_grade(ctx: DemoContext) -> None:
    from competency.errors import DomainError
    from competency.evidence import services as evidence_services
    from competency.frameworks.demo import demo_base_version
    from competency.signoff import services
    from competency.signoff.models import Outcome
    from competency.signoff.queries import signed_capability_ids

    person, lead = ctx.users.get("support.worker@demo.test"), ctx.users.get("lead@demo.test")
    version = demo_base_version()
    capability = next((c for c in version.capabilities if c.code == ABOVE_GRADE_CODE), None) if version else None
    if person is None or lead is None or capability is None or capability.uuid in signed_capability_ids(person.id):
        return
    today = date.today()
    at = datetime.combine(today - timedelta(days=30), time(11), tzinfo=timezone.utc)
    try:
        with db.session.begin_nested():
            evidence = evidence_services.create_evidence(
                person, kind=EvidenceKind.case_study, title="Reviewing Mr F's reablement goals with the OT",
                occurred_on=today - timedelta(days=40),
                text="After two weeks I reviewed with Mr F whether the kitchen practice was helping him towards "
                     "making his own lunch, and suggested to the OT that we add a perching stool.",
                capability_uuids=[capability.uuid], today=today)
            request = services.request_signoff(person, capability, [evidence], lead, today=today,
                                               at=at - timedelta(days=3))
            services.decide(request, lead, Outcome.sign, "A thoughtful review that changed the plan: working at "
                            "the top of your grade.", today=today, at=at)
    except DomainError as error:
        ctx.notes.append(f"Insight demo: Riley's senior support worker sign-off skipped: {error.message}")
