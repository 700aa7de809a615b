"""Demo preceptorship programmes: Sam's OT-in-social-care year at the council and a trust cohort.

The story, as seen on 23 November 2026:

* Sam Okafor (preceptee@demo.test), a newly registered OT who joined Downshire County
  Council on 7 September 2026, started the OT in social care (ASYE-aligned) programme on
  14 September with Tom Hughes (preceptor@demo.test) as preceptor and Priya Shah
  (lead@demo.test) as lead. The learning agreement is signed by all three; supervision has
  been regular apart from one missed week in October; three confidence check-ins show
  confidence growing; the 3-month review (due 14 December) is due soon and Sam has started
  writing it; Tom has one session to confirm.
* At Wessex Valley NHS Foundation Trust, where Priya also leads and Rachel Green
  (trust.preceptor@demo.test) precepts: a physiotherapist whose 3-month review is overdue,
  a speech and language therapist paused for sickness (part-time, so dates stretch), a
  dietitian who has just started, and a nurse who completed the core programme in March.

Safe to run again: an enrolment that already exists is left as it is.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import sqlalchemy as sa

from competency.accounts import services as accounts
from competency.accounts.models import Employment, Role, User
from competency.accounts.passwords import hash_password
from competency.demo.context import DemoContext
from competency.extensions import db
from competency.preceptorship import catalogue, logs, reviews, services
from competency.preceptorship.models import Enrolment, PauseReason, ProgrammeTemplate, TemplateVersion

TRUST = "wessex-valley-nhs"
COUNCIL = "downshire-cc"
PILLARS = ["professional_practice", "facilitation_of_learning", "leadership", "evidence_research_development",
           "integrated_working"]

# email, name, profession, registration (body, number, registered_on), role title, band, employment start, fte
TRUST_PEOPLE = [
    ("aisha.rahman@demo.test", "Aisha Rahman", "Physiotherapist", ("HCPC", "PH81001", date(2026, 7, 10)),
     "Physiotherapist", "Band 5", date(2026, 8, 3), 1.0),
    ("ben.carter@demo.test", "Ben Carter", "Speech and language therapist", ("HCPC", "SL81002", date(2026, 2, 20)),
     "Speech and Language Therapist", "Band 5", date(2026, 3, 2), 0.8),
    ("chloe.evans@demo.test", "Chloe Evans", "Dietitian", ("HCPC", "DT81003", date(2026, 10, 1)),
     "Dietitian", "Band 5", date(2026, 10, 26), 1.0),
    ("dan.price@demo.test", "Dan Price", "Nurse", ("NMC", "25I1004E", date(2025, 8, 20)),
     "Staff Nurse", "Band 5", date(2025, 9, 1), 1.0),
]


def _at(day: date, hour: int = 14) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.utc)


def _existing(person: User, slug: str) -> Enrolment | None:
    return db.session.scalar(
        sa.select(Enrolment).join(TemplateVersion).join(ProgrammeTemplate)
        .where(Enrolment.practitioner_id == person.id, ProgrammeTemplate.slug == slug))


def _person(ctx: DemoContext, email, name, profession, registration, title, band, start_on, fte) -> User:
    user = accounts.find_user_by_email(email)
    if user is None:
        body, number, registered_on = registration
        user = User(email=email, display_name=name, profession=profession, registration_body=body,
                    registration_number=number, registered_on=registered_on, password_hash=hash_password(ctx.password))
        db.session.add(user)
        db.session.flush()
    accounts.ensure_membership(user, ctx.orgs[TRUST], Role.practitioner)
    if not db.session.scalar(sa.select(Employment.id).filter_by(user_id=user.id, organisation_id=ctx.orgs[TRUST].id)):
        db.session.add(Employment(user=user, organisation=ctx.orgs[TRUST], role_title=title, level_code="registered",
                                  band_label=band, start_on=start_on, fte=fte))
    db.session.flush()
    db.session.refresh(user)
    ctx.accounts.append((email, f"practitioner at {ctx.orgs[TRUST].name} (on a preceptorship programme)"))
    return user


def _sign(milestone, people: dict, day: date, **text) -> None:
    """Each party writes their own section, then everyone signs."""
    from competency.preceptorship.review_sections import FIELD_OWNER

    text.setdefault("preceptor_feedback", "We talked the period through together; the support and plan are agreed.")
    for party in ("preceptee", "preceptor", "lead"):
        mine = {name: value for name, value in text.items() if FIELD_OWNER[name] == party}
        if mine:
            reviews.save_review(milestone, by=people[party], at=_at(day, 10), **mine)
    for party in milestone.definition.signed_by:
        reviews.sign_milestone(milestone, by=people[party], at=_at(day), on=day)


def _checkin(enrolment, person, day: date, base: int, wellbeing: int) -> None:
    ratings = {code: max(1, min(5, base + (1 if code == "professional_practice" else 0)
                                - (1 if code in ("leadership", "evidence_research_development") else 0)))
               for code in PILLARS}
    logs.record_checkin(enrolment, checked_on=day, wellbeing=wellbeing, ratings=ratings, by=person, on=day)


def _seed_sam(ctx: DemoContext, templates: dict) -> None:
    sam, tom, priya = (ctx.users[e] for e in ("preceptee@demo.test", "preceptor@demo.test", "lead@demo.test"))
    if _existing(sam, "ot-social-care-asye") is not None:
        return
    start = date(2026, 9, 14)
    enrolment = services.enrol(practitioner=sam, template=templates["ot-social-care-asye"],
                               organisation=ctx.orgs[COUNCIL], preceptor=tom, lead=priya, start_on=start, fte=1.0,
                               by=priya, on=start).enrolment
    people = {"preceptee": sam, "preceptor": tom, "lead": priya}
    _checkin(enrolment, sam, date(2026, 9, 15), 2, 3)
    _sign(enrolment.milestone("learning_agreement"), people, date(2026, 9, 25),
          reflection="Coming from placement in a hospital team, community reablement is new to me.",
          goals="Hold a caseload of 12 by December; lead a joint visit with social work; complete moving and "
                "handling assessor training.",
          development_plan="Weekly supervision with Tom to day 42, then fortnightly; Wednesday afternoons "
                           "protected for learning (10%); shadow the hospital discharge team in October.")
    # One week in October was missed: the session due by 15 October happened on the 20th.
    for day, topics, recorder, confirmed in [
        (date(2026, 9, 17), "Caseload and local services", sam, True),
        (date(2026, 9, 24), "Learning agreement", tom, True),
        (date(2026, 10, 1), "Risk in home visits", sam, True),
        (date(2026, 10, 8), "Equipment provision and budgets", tom, True),
        (date(2026, 10, 20), "Safeguarding referral debrief", tom, True),
        (date(2026, 10, 26), "Joint work with social work", sam, True),
        (date(2026, 11, 9), "Complex seating case", tom, True),
        (date(2026, 11, 20), "Preparing the 3-month review", sam, False),
    ]:
        session = logs.record_supervision(enrolment, held_on=day, minutes=90, topics=topics, by=recorder, on=day)
        if confirmed:
            logs.confirm_supervision(session, by=tom if recorder is sam else sam, at=_at(day, 17))
    for day, minutes, activity in [(date(2026, 9, 23), 210, "Reading: council OT policies"),
                                   (date(2026, 10, 7), 240, "Shadowing the hospital discharge team"),
                                   (date(2026, 10, 21), 180, "Moving and handling assessor course"),
                                   (date(2026, 11, 4), 200, "Reflective writing"),
                                   (date(2026, 11, 18), 225, "Peer learning set")]:
        logs.record_protected_time(enrolment, taken_on=day, minutes=minutes, activity=activity, by=sam, on=day)
    _checkin(enrolment, sam, date(2026, 10, 12), 3, 3)
    _checkin(enrolment, sam, date(2026, 11, 16), 3, 4)
    reviews.save_review(enrolment.milestone("review_3m"), by=sam, at=_at(date(2026, 11, 21)),
                        reflection="Three months in, I manage my own caseload and feel more confident with "
                                   "complex equipment. Joint visits with social workers are the best part.")


def _seed_trust(ctx: DemoContext, templates: dict) -> None:
    priya, rachel = ctx.users["lead@demo.test"], ctx.users["trust.preceptor@demo.test"]
    trust = ctx.orgs[TRUST]
    people = {spec[0]: _person(ctx, *spec) for spec in TRUST_PEOPLE}

    def enrol(person, slug, start_on, fte=None):
        return services.enrol(practitioner=person, template=templates[slug], organisation=trust, preceptor=rachel,
                              lead=priya, start_on=start_on, fte=fte, by=priya, on=start_on).enrolment

    aisha = people["aisha.rahman@demo.test"]
    if _existing(aisha, "ahp-preceptorship") is None:
        enrolment = enrol(aisha, "ahp-preceptorship", date(2026, 8, 10))
        _sign(enrolment.milestone("learning_agreement"), {"preceptee": aisha, "preceptor": rachel, "lead": priya},
              date(2026, 8, 21), goals="Independent on the respiratory ward rota by November.")
        for day in (date(2026, 8, 14), date(2026, 8, 21), date(2026, 8, 28), date(2026, 9, 11), date(2026, 10, 9)):
            logs.record_supervision(enrolment, held_on=day, minutes=60, topics="Ward caseload", by=rachel, on=day)
        _checkin(enrolment, aisha, date(2026, 8, 12), 2, 4)
    ben = people["ben.carter@demo.test"]
    if _existing(ben, "ahp-preceptorship") is None:
        enrolment = enrol(ben, "ahp-preceptorship", date(2026, 3, 9), fte=0.8)
        team = {"preceptee": ben, "preceptor": rachel, "lead": priya}
        _sign(enrolment.milestone("learning_agreement"), team, date(2026, 3, 25),
              goals="Dysphagia competencies; community clinic by the autumn.")
        _sign(enrolment.milestone("review_3m"), team, date(2026, 6, 10),
              reflection="Settled into clinics; dysphagia assessments supervised.")
        for day in (date(2026, 3, 12), date(2026, 3, 19), date(2026, 4, 2), date(2026, 4, 30), date(2026, 6, 25),
                    date(2026, 8, 20), date(2026, 9, 24), date(2026, 10, 15)):
            logs.record_supervision(enrolment, held_on=day, minutes=60, topics="Clinic caseload", by=ben, on=day)
        services.record_pause(enrolment, start_on=date(2026, 10, 19), end_on=date(2026, 12, 4),
                              reason=PauseReason.sickness, note="Phased return planned", by=priya,
                              on=date(2026, 10, 19))
    chloe = people["chloe.evans@demo.test"]
    if _existing(chloe, "ahp-preceptorship") is None:
        enrolment = enrol(chloe, "ahp-preceptorship", date(2026, 11, 2))
        _sign(enrolment.milestone("learning_agreement"), {"preceptee": chloe, "preceptor": rachel, "lead": priya},
              date(2026, 11, 13), goals="Outpatient clinics and enteral feeding plans.")
        for day in (date(2026, 11, 5), date(2026, 11, 12), date(2026, 11, 19)):
            logs.record_supervision(enrolment, held_on=day, minutes=60, topics="Clinic", by=rachel, on=day)
    dan = people["dan.price@demo.test"]
    if _existing(dan, "nursing-preceptorship-core") is None:
        enrolment = enrol(dan, "nursing-preceptorship-core", date(2025, 9, 8))
        team = {"preceptee": dan, "preceptor": rachel, "lead": priya}
        for day in (date(2025, 9, 12), date(2025, 9, 26), date(2025, 10, 10), date(2025, 11, 7), date(2025, 12, 5),
                    date(2026, 1, 5), date(2026, 2, 4), date(2026, 3, 4)):
            logs.record_supervision(enrolment, held_on=day, minutes=45, topics="Ward practice", by=dan, on=day)
        _sign(enrolment.milestone("initial_meeting"), team, date(2025, 9, 19), goals="Ward medication rounds.")
        _sign(enrolment.milestone("mid_point"), team, date(2025, 12, 5), reflection="Confident on the ward.")
        _sign(enrolment.milestone("final_review"), team, date(2026, 3, 9), reflection="Six months complete.")


def seed_programmes(ctx: DemoContext) -> None:
    templates = {version.template.slug: version for version in catalogue.ensure_shipped_templates()}
    _seed_sam(ctx, templates)
    _seed_trust(ctx, templates)
