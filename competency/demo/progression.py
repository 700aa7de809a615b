"""Demo progression at Downshire County Council.

The story:

* Jordan Lee (ota@demo.test), the OT assistant, is on the OT assistant to degree
  apprenticeship pathway. The evidence step signed off some senior support worker
  capabilities (one more waits in Tom's queue); more than a year in post; three of
  the six employer confirmations are done. Priya Shah (lead@demo.test) can confirm the
  rest, schedule the panel and, after a "ready" outcome, start the apprenticeship.
* Casey Brooks (apprentice@demo.test) started the OT degree apprenticeship fourteen
  months ago after a "ready" panel; the off-the-job log is slightly behind the
  pro-rata plan, the first progress reviews are recorded and the next is due.
* Riley Evans (support.worker@demo.test), a reablement support worker, is on the
  council's grade step (a year in post, portfolio to panel), with a partial portfolio.

Safe to run again: a person already on the pathway is left alone.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from competency.accounts import services as account_services
from competency.accounts.models import Employment, Role, User
from competency.accounts.passwords import hash_password
from competency.demo.context import DemoContext
from competency.extensions import db
from competency.progression import services
from competency.progression.catalogue import catalogue
from competency.progression.models import (
    Apprenticeship,
    ChecklistConfirmation,
    OffTheJobEntry,
    OtjPlanBlock,
    Panel,
    PanelOutcome,
    ProgressionRecord,
    ProgressReview,
)
from competency.progression.offthejob import review_due_dates
from competency.reminders.planning import local_today

OTA_PATHWAY = "ota-to-ot-degree-apprenticeship"
COUNCIL_PATHWAY = "council-support-worker-to-practitioner"
OTA_STEP = "ota_to_apprenticeship"

# email, name, profession, role title, level, grade, start date (years, months before today)
NEW_PEOPLE = [
    ("apprentice@demo.test", "Casey Brooks", "Occupational therapy degree apprentice",
     "Occupational Therapy Assistant", "senior_support", "Grade 6", (5, 7)),
    ("support.worker@demo.test", "Riley Evans", "Reablement support worker",
     "Reablement Support Worker", "support", "Grade 4", (1, 2)),
]

OTJ_ACTIVITIES = [
    "University teaching day: occupational science",
    "Reading and writing up the anatomy assignment",
    "Shadowing an OT on a complex moving and handling assessment",
    "University teaching day: assessment and intervention planning",
    "Placement learning log and reflection with mentor",
    "Online module: mental health and occupation",
]


def _years_months_ago(today: date, years: int, months: int) -> date:
    index = today.year * 12 + today.month - 1 - years * 12 - months
    return date(index // 12, index % 12 + 1, 1)


def _person(ctx: DemoContext, email: str, name: str, profession: str, title: str, level: str, grade: str,
            start_on: date) -> User:
    council = ctx.orgs["downshire-cc"]
    user = account_services.find_user_by_email(email)
    if user is None:
        user = User(email=email, display_name=name, profession=profession,
                    password_hash=hash_password(ctx.password))
        db.session.add(user)
        db.session.flush()
    account_services.ensure_membership(user, council, Role.practitioner)
    if not db.session.scalar(sa.select(Employment.id).filter_by(user_id=user.id, organisation_id=council.id)):
        db.session.add(Employment(user=user, organisation=council, role_title=title, level_code=level,
                                  band_label=grade, start_on=start_on, fte=1.0))
    db.session.flush()
    db.session.refresh(user)
    ctx.users[email] = user
    ctx.accounts.append((email, f"practitioner at {council.name} (progression demo)"))
    return user


def _existing(person: User, organisation_id: int, slug: str) -> ProgressionRecord | None:
    return db.session.scalar(sa.select(ProgressionRecord).filter_by(
        user_id=person.id, organisation_id=organisation_id, pathway_slug=slug))


def seed_progression(ctx: DemoContext) -> None:
    today = local_today()
    council = ctx.orgs["downshire-cc"]
    lead = ctx.users["lead@demo.test"]
    people = {email: _person(ctx, email, name, profession, title, level, grade, _years_months_ago(today, *ago))
              for email, name, profession, title, level, grade, ago in NEW_PEOPLE}
    _seed_ota(ctx.users["ota@demo.test"], council, lead, today)
    _seed_apprentice(people["apprentice@demo.test"], council, lead, today)
    _seed_support_worker(people["support.worker@demo.test"], council, lead, today)
    ctx.notes.append("Progression: sign in as lead@demo.test and open Progression > people on pathways; "
                     "ota@demo.test sees a partly met apprenticeship checklist, apprentice@demo.test an "
                     "off-the-job log slightly behind plan.")


def _seed_ota(ota: User, council, lead: User, today: date) -> None:
    if _existing(ota, council.id, OTA_PATHWAY):
        return
    record = services.enrol(ota, council, pathway_slug=OTA_PATHWAY, stage_code="ota",
                            target_stage_code="degree_apprentice", by=lead, today=today - timedelta(days=75))
    notes = {"sponsorship": "Agreed by the head of adult social care for the September intake.",
             "hours_worked": "Full time (37 hours) in the community OT team since October 2024.",
             "mentor_named": "Tom Hughes, Senior OT, will mentor and supervise fortnightly."}
    for code, note in notes.items():
        services.confirm_item(record, code, note=note, by=lead)


def _seed_apprentice(person: User, council, lead: User, today: date) -> None:
    """Already past the panel and fourteen months into the apprenticeship (rows written as they stood)."""
    if _existing(person, council.id, OTA_PATHWAY):
        return
    pathway = catalogue().get(OTA_PATHWAY)
    step = pathway.step(OTA_STEP)
    start_on = _years_months_ago(today, 1, 2) + timedelta(days=14)
    panel_on = start_on - timedelta(days=60)
    record = services.enrol(person, council, pathway_slug=OTA_PATHWAY, stage_code="ota",
                            target_stage_code="degree_apprentice", by=lead, today=start_on - timedelta(days=150))
    confirmed_at = datetime.combine(panel_on - timedelta(days=14), time(11), tzinfo=timezone.utc)
    for criterion in step.criteria:
        if criterion.kind.value == "confirmation":
            db.session.add(ChecklistConfirmation(record=record, step_code=step.code, criterion_code=criterion.code,
                                                 confirmed_by_id=lead.id, confirmed_at=confirmed_at))
    db.session.add(Panel(record=record, step_code=step.code, scheduled_on=panel_on, outcome=PanelOutcome.ready,
                         members=["Priya Shah, Principal OT (chair)", "Tom Hughes, Senior OT",
                                  "University of the South Coast admissions tutor"],
                         notes="A thoughtful portfolio; strong feedback from families. Ready for September.",
                         decided_at=datetime.combine(panel_on, time(15), tzinfo=timezone.utc),
                         decided_by_id=lead.id, scheduled_by_id=lead.id))
    planned_end = start_on + timedelta(days=4 * 365)
    apprenticeship = Apprenticeship(
        record=record, user_id=person.id, organisation_id=council.id, provider="University of the South Coast",
        standard=pathway.stage("degree_apprentice").apprenticeship.standard, start_on=start_on,
        planned_end_on=planned_end, planned_otj_hours=1250.0, epa_gateway_on=planned_end - timedelta(days=90),
        otj_minimum_hours=pathway.stage("degree_apprentice").apprenticeship.otj_minimum_hours,
        created_by_id=lead.id)
    # The university teaches one day a week all year round here, so the schedule is one regular block.
    apprenticeship.plan_blocks.append(OtjPlanBlock(label="Weekly university day and study time", starts_on=start_on,
                                                   ends_on=planned_end, hours=1250.0, created_by_id=lead.id))
    db.session.add(apprenticeship)
    for sequence, due_on in enumerate(review_due_dates(start_on, planned_end), start=1):
        held = due_on + timedelta(days=3) if due_on + timedelta(days=3) < today else None
        apprenticeship.reviews.append(ProgressReview(
            sequence=sequence, due_on=due_on, held_on=held, recorded_by_id=lead.id if held else None,
            notes="Reviewed with the university tutor: progressing well; keep the off-the-job log up to date."
            if held else ""))
    # Fortnightly entries a little under the plan's 6 hours a week.
    day, n = start_on + timedelta(days=3), 0
    while day <= today - timedelta(days=2):
        apprenticeship.entries.append(OffTheJobEntry(occurred_on=day, hours=11.0 if n % 3 else 10.5,
                                                     activity=OTJ_ACTIVITIES[n % len(OTJ_ACTIVITIES)],
                                                     logged_by_id=person.id))
        day, n = day + timedelta(days=14), n + 1
    db.session.flush()
    services.move_to_stage(record, "degree_apprentice", by=lead, today=start_on)


PORTFOLIO = [
    ("reflection", "Reflection: a first week of reablement visits", 200,
     "I learned to let people do as much as they could, even when it took longer."),
    ("feedback", "Feedback from Mr D after his reablement package", 120,
     "\u201cRiley gave me my confidence back in the kitchen.\u201d"),
    ("reflection", "Reflection: noticing a change in a person's mood", 45,
     "I noticed Mrs E was withdrawn and reported it to the OT; a referral to the GP followed."),
]


def _seed_support_worker(person: User, council, lead: User, today: date) -> None:
    from competency.evidence.models import EvidenceKind, FeedbackSource
    from competency.evidence.services import create_evidence

    if _existing(person, council.id, COUNCIL_PATHWAY):
        return
    services.enrol(person, council, pathway_slug=COUNCIL_PATHWAY, stage_code="support_worker",
                   target_stage_code=None, by=lead, today=today - timedelta(days=30))
    for kind, title, days_ago, text in PORTFOLIO:
        create_evidence(person, kind=EvidenceKind(kind), title=title, occurred_on=today - timedelta(days=days_ago),
                        text=text, feedback_source=FeedbackSource.person_served if kind == "feedback" else None,
                        today=today)
