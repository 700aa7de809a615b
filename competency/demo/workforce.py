"""Demo data for one workforce across employers (issue 16, points 1-3).

The story, all in the Solent and Downs ICS region:

* The ICS AHP Faculty (Nadia Brooks, ``ics.lead@demo.test``) lends Dr Helen Ward, a consultant OT at
  Wessex Valley (``consultant@demo.test``), to every organisation in the region to assess
  professional practice at the advanced and consultant levels. Olu Adeyemi (``council.ot@demo.test``),
  the council's single-handed advanced OT for housing and major adaptations, has one consultant-level
  capability signed off by her and one waiting in her queue.
* Ellis Martin (``student@demo.test``), a student OT from the University of the Downs, is on placement
  at the council with Tom Hughes as supervisor: one pre-registration capability signed off, one waiting.
* The council names Jordan Lee (``ota@demo.test``, an OT assistant) a trained assessor for
  support-level capabilities: Jordan has signed off one of Riley Evans's and has one waiting.
* The council lets Rachel Green (the trust's physiotherapist) precept its people on rotational posts.
* Tom has a preceptor training record and a year's preceptor time log; Rachel's training has expired.

Safe to run again: each part is skipped when it is already there.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from competency.accounts import services as account_services
from competency.accounts.models import Employment, Organisation, OrgKind, Role, Sector, User
from competency.accounts.passwords import hash_password
from competency.demo.accounts import REGION
from competency.demo.context import DemoContext
from competency.errors import DomainError
from competency.evidence import services as evidence_services
from competency.evidence.models import EvidenceKind
from competency.extensions import db
from competency.grants import services as grant_services
from competency.grants.models import Grant, GrantKind
from competency.placements import services as placement_services
from competency.placements.models import LearnerKind, Placement
from competency.preceptors import services as preceptor_services
from competency.preceptors.models import PreceptorTimeEntry, PreceptorTraining
from competency.reminders.planning import local_today
from competency.signoff import services as signoff_services
from competency.signoff.capabilities import current_framework_version
from competency.signoff.models import Outcome, SignOffRequest

UNIVERSITY = dict(slug="university-of-the-downs", name="University of the Downs", kind=OrgKind.education_provider,
                  sector=Sector.education, ods_code=None, settings={})

# email, name, profession, registration, [(org slug, role)], employment (org, title, level, band, years in post)
PEOPLE = [
    ("consultant@demo.test", "Dr Helen Ward", "Occupational therapist", ("HCPC", "OT30117", date(2003, 9, 1)),
     [("wessex-valley-nhs", Role.preceptor)],
     ("wessex-valley-nhs", "Consultant Occupational Therapist", "consultant", "Band 8b", 6)),
    ("ics.lead@demo.test", "Nadia Brooks", "Physiotherapist", ("HCPC", "PH21005", date(2001, 9, 1)),
     [("solent-downs-ics", Role.lead)], None),
    ("council.ot@demo.test", "Olu Adeyemi", "Occupational therapist", ("HCPC", "OT48820", date(2011, 7, 1)),
     [("downshire-cc", Role.practitioner)],
     ("downshire-cc", "Advanced Occupational Therapist (housing and major adaptations)", "advanced", "Grade 10", 4)),
    ("student@demo.test", "Ellis Martin", "Student occupational therapist", None,
     [("university-of-the-downs", Role.practitioner)], None),
]
DESCRIPTIONS = {
    "consultant@demo.test": "consultant OT at the trust, granted by the ICS to assess across the region",
    "ics.lead@demo.test": "lead at the Solent and Downs ICS AHP Faculty (makes regional grants)",
    "council.ot@demo.test": "single-handed advanced OT at the council, signed off by the trust's consultant",
    "student@demo.test": "student OT from the University of the Downs, on placement at the council",
}


def _at(today: date, days_ago: int, hour: int = 10) -> datetime:
    return datetime.combine(today - timedelta(days=days_ago), time(hour), tzinfo=timezone.utc)


def _people(ctx: DemoContext, today: date) -> None:
    university = db.session.scalar(sa.select(Organisation).filter_by(slug=UNIVERSITY["slug"]))
    if university is None:
        university = Organisation(region=REGION, **UNIVERSITY)
        db.session.add(university)
        db.session.flush()
    ctx.orgs[UNIVERSITY["slug"]] = university
    for email, name, profession, registration, roles, job in PEOPLE:
        user = account_services.find_user_by_email(email)
        if user is None:
            body, number, registered_on = registration or (None, None, None)
            user = User(email=email, display_name=name, profession=profession, registration_body=body,
                        registration_number=number, registered_on=registered_on)
            db.session.add(user)
        user.password_hash = hash_password(ctx.password)
        db.session.flush()
        for slug, role in roles:
            account_services.ensure_membership(user, ctx.orgs[slug], role)
        if job and not db.session.scalar(sa.select(Employment.id).filter_by(
                user_id=user.id, organisation_id=ctx.orgs[job[0]].id)):
            slug, title, level, band, years = job
            db.session.add(Employment(user=user, organisation=ctx.orgs[slug], role_title=title, level_code=level,
                                      band_label=band, start_on=date(today.year - years, 4, 1), fte=1.0))
        db.session.flush()
        db.session.refresh(user)
        ctx.users[email] = user
        ctx.accounts.append((email, DESCRIPTIONS[email]))


def _has_grant(grantee: User, kind: GrantKind) -> bool:
    return db.session.scalar(sa.select(Grant.id).filter_by(grantee_id=grantee.id, kind=kind)) is not None


def _evidence_and_requests(person: User, assessor: User, plan, capabilities: dict, today: date) -> None:
    """``plan``: (code, title, kind, text, days ago, outcome, comment); outcome is "signed" or "pending"."""
    if db.session.scalar(sa.select(SignOffRequest.id).filter_by(practitioner_id=person.id)):
        return
    for code, title, kind, text, days_ago, outcome, comment in plan:
        capability = capabilities.get(code)
        if capability is None:
            continue
        evidence = evidence_services.create_evidence(
            person, kind=kind, title=title, occurred_on=today - timedelta(days=days_ago + 10), text=text,
            capability_uuids=[capability.uuid], today=today)
        asked = _at(today, days_ago + 2, 9)
        request = signoff_services.request_signoff(person, capability, [evidence], assessor, today=asked.date(),
                                                   at=asked, message="I think my evidence shows this now.")
        if outcome == "signed":
            decided = _at(today, days_ago, 15)
            signoff_services.decide(request, assessor, Outcome.sign, comment, today=decided.date(), at=decided)


def _ics_grant(ctx: DemoContext, capabilities: dict, today: date) -> None:
    consultant, ics_lead = ctx.users["consultant@demo.test"], ctx.users["ics.lead@demo.test"]
    if not _has_grant(consultant, GrantKind.assessor):
        start = today - timedelta(days=60)
        grant_services.create_grant(
            kind=GrantKind.assessor, granting=ctx.orgs["solent-downs-ics"], grantee=consultant,
            grantee_organisation=ctx.orgs["wessex-valley-nhs"], starts_on=start, ends_on=start + timedelta(days=365),
            pillar_codes=["professional_practice"], level_codes=["advanced", "consultant"],
            reason="Council and private-provider OT teams have no consultant practitioner to assess "
                   "consultant-level practice.", by=ics_lead, on=start)
    _evidence_and_requests(ctx.users["council.ot@demo.test"], consultant, [
        ("PP-CON-01", "Consultancy log: adaptations advice to three organisations", EvidenceKind.case_study,
         "Advice on major adaptations given to the trust's discharge team, a housing association and Harbourside "
         "Care over the year, with their written feedback.", 20, "signed",
         "Consultancy across organisations, with feedback from each: consultant-level practice shown."),
        ("PP-CON-02", "Countywide standard for stair-lift and through-floor lift assessments", EvidenceKind.other,
         "The assessment standard I wrote, adopted by the council and two housing associations, and my review "
         "of its use after six months.", 3, "pending", ""),
    ], capabilities, today)


def _placement(ctx: DemoContext, capabilities: dict, today: date) -> None:
    student, tom, lead = ctx.users["student@demo.test"], ctx.users["preceptor@demo.test"], ctx.users["lead@demo.test"]
    if not db.session.scalar(sa.select(Placement.id).filter_by(learner_id=student.id)):
        start = today - timedelta(days=21)
        placement_services.create_placement(
            learner=student, learner_kind=LearnerKind.student, host=ctx.orgs["downshire-cc"],
            home=ctx.orgs[UNIVERSITY["slug"]], supervisor=tom, starts_on=start, ends_on=start + timedelta(days=56),
            note="Second-year practice placement in the council's reablement and adaptations teams.", by=lead,
            on=start)
    _evidence_and_requests(student, tom, [
        ("PP-PRE-01", "Supervised assessment: kitchen assessment with Mr F", EvidenceKind.direct_observation,
         "Tom observed my kitchen assessment and intervention plan, and linked it to the placement outcomes.", 7,
         "signed", "A well-reasoned assessment under supervision, linking the model to what Mr F wanted."),
        ("PP-PRE-02", "Reflection: confidentiality on a joint visit", EvidenceKind.reflection,
         "What I did when a neighbour asked about Mrs G's care, and what the HCPC standards say.", 1, "pending", ""),
    ], capabilities, today)


def _trained_assessor(ctx: DemoContext, capabilities: dict, today: date) -> None:
    jordan, lead = ctx.users["ota@demo.test"], ctx.users["lead@demo.test"]
    riley = ctx.users.get("support.worker@demo.test") or account_services.find_user_by_email("support.worker@demo.test")
    if riley is None:
        return
    if not _has_grant(jordan, GrantKind.trained_assessor):
        start = today - timedelta(days=90)
        grant_services.create_grant(
            kind=GrantKind.trained_assessor, granting=ctx.orgs["downshire-cc"], grantee=jordan,
            grantee_organisation=ctx.orgs["downshire-cc"], starts_on=start, ends_on=start + timedelta(days=365),
            training_course="Care Certificate assessor training (council workforce development)",
            training_completed_on=start - timedelta(days=30),
            reason="Jordan assesses Care Certificate-level work in the reablement team.", by=lead, on=start)
    _evidence_and_requests(riley, jordan, [
        ("PP-SUP-01", "Observed: following a reablement plan on three visits", EvidenceKind.direct_observation,
         "Jordan observed three routine visits: the plan followed, and I asked before trying something new.", 10,
         "signed", "Safe, careful practice following the plan; you checked before acting."),
        ("IW-SUP-02", "Passing on a change in Mrs E's needs", EvidenceKind.reflection,
         "How I told the OT and the home care agency the same day when Mrs E's needs changed.", 2, "pending", ""),
    ], capabilities, today)


def _preceptors(ctx: DemoContext, today: date) -> None:
    council, lead = ctx.orgs["downshire-cc"], ctx.users["lead@demo.test"]
    rachel, tom = ctx.users["trust.preceptor@demo.test"], ctx.users["preceptor@demo.test"]
    if not _has_grant(rachel, GrantKind.preceptor):
        start = today - timedelta(days=30)
        grant_services.create_grant(
            kind=GrantKind.preceptor, granting=council, grantee=rachel, grantee_organisation=ctx.orgs["wessex-valley-nhs"],
            starts_on=start, ends_on=start + timedelta(days=730),
            reason="Rotational posts between the trust's community therapy team and the council's reablement team.",
            by=lead, on=start)
    if not db.session.scalar(sa.select(PreceptorTraining.id).filter_by(preceptor_id=tom.id)):
        preceptor_services.record_training(
            tom, course="Multiprofessional preceptor development programme", provider="Solent and Downs ICS AHP Faculty",
            completed_on=today - timedelta(days=330), expires_on=today + timedelta(days=400), by=tom, on=today)
        preceptor_services.record_training(
            rachel, course="Preceptor workshop", provider="Wessex Valley NHS Foundation Trust",
            completed_on=today - timedelta(days=1100), expires_on=today - timedelta(days=30), by=rachel, on=today)
    if not db.session.scalar(sa.select(PreceptorTimeEntry.id).filter_by(preceptor_id=tom.id)):
        for n in range(6):
            preceptor_services.log_time(tom, spent_on=today - timedelta(days=20 + 50 * n), minutes=90,
                                        activity=["Preceptor peer-support group", "Preparing Sam's 3-month review",
                                                  "Preceptor update session"][n % 3], by=tom, on=today)
        preceptor_services.log_time(rachel, spent_on=today - timedelta(days=40), minutes=240,
                                    activity="Preceptor forum", by=rachel, on=today)


def seed_workforce(ctx: DemoContext) -> None:
    version = current_framework_version()
    if version is None:
        ctx.notes.append("Workforce demo skipped: no published framework.")
        return
    today = local_today()
    capabilities = {c.code: c for c in version.capabilities}
    _people(ctx, today)
    for part in (_ics_grant, _placement, _trained_assessor):
        try:
            with db.session.begin_nested():
                part(ctx, capabilities, today)
        except DomainError as error:
            ctx.notes.append(f"Workforce demo: {part.__name__.strip('_').replace('_', ' ')} skipped: {error.message}")
    _preceptors(ctx, today)
    ctx.notes.append("One workforce: consultant@demo.test has Olu's consultant-level request waiting (Review); "
                     "ota@demo.test, a trained assessor, has Riley's; lead@demo.test sees grants and placements "
                     "under Assessors and placements, and the Preceptors section of the organisation dashboard.")
