"""Demo evidence and sign-offs for the preceptee and the OT assistant at Downshire County Council.

The story:

* Sam Okafor (preceptee@demo.test), a newly registered OT, has logged a few weeks of
  evidence. Tom Hughes (preceptor@demo.test) has signed off four registered-level
  capabilities, returned one with feedback, and has one request waiting in his queue.
* Jordan Lee (ota@demo.test), the OT assistant, has support-level sign-offs (two more
  arrive as recognised prior sign-offs from Harbourside Care in the passport step) and
  some senior support worker sign-offs, so their apprenticeship readiness checklist is
  partly met; one senior support request is waiting for Tom.

Safe to run again: a person who already has the demo evidence is left alone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from competency.demo.context import DemoContext
from competency.errors import DomainError
from competency.evidence import services as evidence_services
from competency.evidence.models import Evidence, EvidenceKind, FeedbackSource
from competency.extensions import db
from competency.signoff import services
from competency.signoff.capabilities import current_framework_version
from competency.signoff.models import Outcome


@dataclass
class Item:
    title: str
    kind: EvidenceKind
    days_ago: int
    text: str
    codes: tuple[str, ...]
    reflection: tuple[str, str, str] | None = None
    feedback_source: FeedbackSource | None = None
    file: tuple[str, str] | None = None


@dataclass
class Plan:
    """What happens to one capability: signed, returned, pending (with how many days ago)."""

    code: str
    outcome: str
    days_ago: int
    comment: str = ""
    assessor: str = "preceptor@demo.test"
    extra: dict = field(default_factory=dict)


PRECEPTEE_EVIDENCE = [
    Item("First joint home visit with my preceptor", EvidenceKind.reflection, 60, "",
         ("PP-REG-01", "IW-REG-01"),
         reflection=("Tom and I visited Mrs A, who wants to keep bathing independently after a fall. I led the "
                     "conversation about what matters to her and we agreed goals together.",
                     "I noticed I jumped to equipment before hearing her priorities. Asking open questions first "
                     "changed the plan: she cared more about getting to the garden than the bath.",
                     "I will start each first visit with her own words about what matters, and record them in "
                     "the shared care record so the reablement team does not ask again.")),
    Item("Direct observation: assessing a bed-to-chair transfer", EvidenceKind.direct_observation, 45,
         "Tom observed my assessment of a transfer from bed to chair, the goals I agreed with Mr D and my advice "
         "to his carer. He noted a clear plan and suggested I record Mr D's own words about his goals.",
         ("PP-REG-01",)),
    Item("Feedback from Mr B after his kitchen assessment", EvidenceKind.feedback, 38,
         "\u201cShe listened to what I wanted to do and didn't just tell me what I couldn't. I can make my own "
         "tea again.\u201d Collected with his permission by the duty desk.", ("PP-REG-01", "IW-REG-01"),
         feedback_source=FeedbackSource.person_served),
    Item("Reflection: prioritising my first caseload", EvidenceKind.reflection, 33,
         "With twelve open cases I rated each by need and risk with Tom, saw the two highest-risk people first, "
         "and told the duty manager when three new urgent referrals arrived in one day.", ("PP-REG-03",)),
    Item("Supervision notes: learning agreement and first month", EvidenceKind.supervision_note, 30,
         "Supervision with Tom: agreed my learning goals for months 1-3, protected time on Thursday afternoons, "
         "and that I would lead a case discussion at the team meeting.", ("FL-REG-01",),
         file=("supervision-2026-10.txt", "Supervision record\n\nGoals for months 1-3:\n- Lead first visits\n"
                                          "- Present a case at the team meeting\n- Complete safeguarding level 3\n")),
    Item("Case discussion I led at the team meeting", EvidenceKind.case_study, 21,
         "I presented a complex discharge where health and social care assessments overlapped, and proposed "
         "one shared assessment summary. The team agreed to trial it.", ("FL-REG-01", "ER-REG-01")),
    Item("Safeguarding adults and children (level 3)", EvidenceKind.cpd_record, 14,
         "Two-day council course on safeguarding adults and children at level 3, with a certificate.",
         ("PP-REG-04",)),
    Item("Reflection: raising a safeguarding concern", EvidenceKind.reflection, 9,
         "On a visit I saw unexplained bruising and a frightened response to a family member. I recorded what I "
         "saw in the person's words, discussed it with the duty manager the same day and made a referral.",
         ("PP-REG-04",)),
    Item("Reflection: a visit where consent was unclear", EvidenceKind.reflection, 5,
         "A person's daughter asked me to arrange equipment her father had refused. I checked his capacity for "
         "this decision with him, recorded it, and explained to his daughter why his choice stands.",
         ("PP-REG-02",)),
]

PRECEPTEE_PLAN = [
    Plan("PP-REG-01", "signed", 40, "A safe, person-centred assessment with goals in the person's own words."),
    Plan("IW-REG-01", "signed", 35, "Good use of the shared record so the person did not repeat themselves."),
    Plan("PP-REG-03", "signed", 28, "Sensible prioritising, and you escalated at the right time."),
    Plan("FL-REG-01", "signed", 18, "Well-structured learning agreement and follow-through."),
    Plan("ER-REG-01", "returned", 12, "The case discussion is a good start, but this capability asks how you "
                                      "used evidence: add what research or guidance informed your proposal."),
    Plan("PP-REG-04", "pending", 3),
]

OTA_EVIDENCE = [
    Item("Observed: helping a person to wash and dress as they prefer", EvidenceKind.direct_observation, 300,
         "Observed by Tom during a reablement visit: privacy, dignity and the person's own routine respected, "
         "and I encouraged her to do what she could herself.", ("PP-SUP-02",)),
    Item("Care Certificate: safeguarding and handling information", EvidenceKind.certificate, 285,
         "Completed workbook and assessor sign-off for the Care Certificate standards on safeguarding adults and "
         "handling information.", ("PP-SUP-03", "IW-SUP-01")),
    Item("Certificates: moving and handling, infection prevention, basic life support", EvidenceKind.certificate,
         280, "Council mandatory training certificates, all in date.", ("PP-SUP-04",)),
    Item("Equipment demonstration and check with a carer", EvidenceKind.direct_observation, 120,
         "Checked a bath board and a perching stool against the referral, demonstrated them to a carer, checked "
         "they could use them safely, and recorded the results.", ("PP-SSW-02",)),
    Item("Reflection: managing my delegated caseload of reviews", EvidenceKind.reflection, 100,
         "For six weeks I held a delegated caseload of equipment reviews, planned visits by need, and escalated "
         "two to the OT when needs had changed.", ("PP-SSW-01",)),
    Item("Feedback from Ms C's son", EvidenceKind.feedback, 90,
         "\u201cJordan explained everything twice, slowly, and checked Mum understood, without making her feel "
         "rushed.\u201d (Ms C lives with dementia.)", ("PP-SSW-03",), feedback_source=FeedbackSource.carer),
    Item("Arranging equipment and home care to start on the same day", EvidenceKind.case_study, 70,
         "Coordinated the equipment service and the home care agency so a hoist and the first care call arrived "
         "together on discharge day.", ("IW-SSW-01",)),
    Item("Learning plan towards my level 3 diploma", EvidenceKind.supervision_note, 60,
         "Agreed with Tom: two units a month, study time on Wednesdays, and a reflection after each unit on what "
         "changed in my practice.", ("FL-SSW-01",)),
    Item("Outcome measures recorded at my reviews", EvidenceKind.other, 10,
         "Recorded the standard outcome measure at the start and six-week review for each person on my "
         "caseload this quarter.", ("ER-SSW-01",)),
]

OTA_PLAN = [
    Plan("PP-SUP-02", "signed", 290, "Dignity and choice evident throughout."),
    Plan("PP-SUP-03", "signed", 275, "Care Certificate standards evidenced.", assessor="lead@demo.test"),
    Plan("IW-SUP-01", "signed", 275, "Care Certificate standards evidenced.", assessor="lead@demo.test"),
    Plan("PP-SUP-04", "signed", 270, "All mandatory training in date."),
    Plan("PP-SSW-02", "signed", 110, "Accurate checks and clear recording."),
    Plan("PP-SSW-01", "signed", 95, "Safe caseload management and timely escalation."),
    Plan("PP-SSW-03", "signed", 80, "The family's feedback says it all."),
    Plan("IW-SSW-01", "signed", 65, "Excellent coordination on discharge day."),
    Plan("FL-SSW-01", "signed", 50, "A realistic, well-kept learning plan."),
    Plan("ER-SSW-01", "pending", 2),
]


def _at(today: date, days_ago: int, hour: int = 10) -> datetime:
    return datetime.combine(today - timedelta(days=days_ago), time(hour, 0), tzinfo=timezone.utc)


def seed_evidence(ctx: DemoContext) -> None:
    from competency.frameworks.demo import demo_base_version

    version = demo_base_version() or current_framework_version()
    if version is None:
        ctx.notes.append("Evidence demo skipped: no published framework.")
        return
    capabilities = {c.code: c for c in version.capabilities}
    today = date.today()
    for email, items, plan in (("preceptee@demo.test", PRECEPTEE_EVIDENCE, PRECEPTEE_PLAN),
                               ("ota@demo.test", OTA_EVIDENCE, OTA_PLAN)):
        person = ctx.users[email]
        if db.session.scalar(sa.select(Evidence.id).where(Evidence.owner_id == person.id,
                                                          Evidence.title == items[0].title)):
            continue
        try:
            with db.session.begin_nested():
                evidence = _log(person, items, capabilities, today)
                _requests(ctx, person, plan, evidence, capabilities, today)
        except DomainError as error:  # e.g. a framework without these codes: leave this person's record empty
            ctx.notes.append(f"Evidence demo for {email} skipped: {error.message}")


def _log(person, items: list[Item], capabilities: dict, today: date) -> dict[str, list[Evidence]]:
    by_code: dict[str, list[Evidence]] = {}
    for item in items:
        reflection = item.reflection or (None, None, None)
        evidence = evidence_services.create_evidence(
            person, kind=item.kind, title=item.title, occurred_on=today - timedelta(days=item.days_ago),
            text=item.text, what_happened=reflection[0], so_what=reflection[1], now_what=reflection[2],
            feedback_source=item.feedback_source,
            capability_uuids=[capabilities[code].uuid for code in item.codes if code in capabilities], today=today)
        if item.file:
            evidence_services.add_attachment(evidence, person, filename=item.file[0],
                                             data=item.file[1].encode())
        for code in item.codes:
            by_code.setdefault(code, []).append(evidence)
    return by_code


def _requests(ctx: DemoContext, person, plan: list[Plan], evidence: dict, capabilities: dict, today: date) -> None:
    for step in plan:
        capability = capabilities.get(step.code)
        cited = evidence.get(step.code)
        if capability is None or not cited:
            continue
        assessor = ctx.users[step.assessor]
        asked_at = _at(today, step.days_ago + 2, 9)
        request = services.request_signoff(person, capability, cited, assessor, today=today, at=asked_at,
                                           message="I think my evidence now shows this; thank you for looking.")
        if step.outcome == "pending":
            continue
        outcome = Outcome.sign if step.outcome == "signed" else Outcome.return_
        services.decide(request, assessor, outcome, step.comment, today=today, at=_at(today, step.days_ago, 15))
