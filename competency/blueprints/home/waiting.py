"""What needs you: the things waiting on the signed-in person, gathered from each area's read-only queries.

Nothing here runs SQL itself: every source is a domain query with a fixed number of
statements, so the home page costs the same for a person with one item as for one
with hundreds. Each section lists its items oldest first, each one click from acting.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import url_for

from competency.accounts.models import Role, User
from competency.accounts.policies import has_any_role, org_ids_with_role
from competency.db import utcnow
from competency.frameworks.policies import can_edit_frameworks
from competency.frameworks.queries import drafts_waiting
from competency.passport.queries import imports_waiting
from competency.preceptorship import queries as preceptorship
from competency.preceptorship.reviews import outstanding_parties
from competency.progression.queries import active_apprenticeships, apprenticeship_otj
from competency.reporting.policies import can_view_system, region_org_ids
from competency.reporting.queries import organisations
from competency.reporting.suppression import publish_count
from competency.signoff import queries as signoff
from competency.signoff.capabilities import capabilities_by_uuid

# Posts at these levels practise under a professional registration.
REGISTERED_LEVELS = {"registered", "enhanced", "advanced", "consultant"}
# How long a reviewer has before a waiting request is escalated to the leads (the reminders' rule).
ESCALATION_DAYS = 21
REVIEW_SOON_DAYS = 14
PARTY_NAMES = {"preceptee": "preceptee", "preceptor": "preceptor", "lead": "lead"}


@dataclass
class Item:
    """One thing waiting: a tag, a link that acts on it, and the detail a busy person needs."""

    tag: str
    title: str
    href: str
    since: datetime | date
    detail: str = ""
    quote: str = ""
    colour: str = "blue"

    @property
    def sort_key(self) -> datetime:
        if isinstance(self.since, datetime):
            return self.since
        return datetime.combine(self.since, datetime.min.time(), tzinfo=utcnow().tzinfo)


@dataclass
class Section:
    key: str
    heading: str
    items: list[Item] = field(default_factory=list)
    more_href: str | None = None
    more_text: str = ""

    def sorted(self) -> Section:
        self.items.sort(key=lambda item: item.sort_key)
        return self


@dataclass
class Task:
    name: str
    hint: str
    is_done: bool
    href: str | None = None


@dataclass
class Checklist:
    tasks: list[Task]

    @property
    def done(self) -> int:
        return sum(1 for task in self.tasks if task.is_done)

    @property
    def is_complete(self) -> bool:
        return self.done == len(self.tasks)


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _excerpt(text: str, limit: int = 240) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _when(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- the person's own sign-off requests ------------------------------------------------------

def own_requests(user: User, now: datetime) -> Section:
    section = Section("requests", "Your sign-off requests")
    returned = signoff.returned_to_answer(user.id)
    answered = {r.id for r in returned}
    conversations = signoff.messages_to_answer(user)
    codes = capabilities_by_uuid({r.capability_uuid for r in returned}
                                 | {r.capability_uuid for r, _ in conversations})
    for r in returned:
        capability = codes.get(r.capability_uuid)
        code = capability.code if capability else "A capability"
        who = r.decision.decided_by.display_name
        section.items.append(Item(
            "Returned", f"{code} returned by {who}: reply or send it again",
            url_for("review.show_request", request_id=r.id, _anchor="conversation"), r.decision.decided_at,
            detail=f"Returned {_days((now - r.decision.decided_at).days)} ago.", quote=_excerpt(r.decision.comment),
            colour="orange"))
    for r, message in conversations:
        if r.practitioner_id != user.id or r.id in answered:
            continue
        capability = codes.get(r.capability_uuid)
        section.items.append(Item(
            "Message", f"{message.author.display_name} wrote about {capability.code if capability else 'your request'}",
            url_for("review.show_request", request_id=r.id, _anchor="conversation"), message.created_at,
            quote=_excerpt(message.body)))
    return section.sorted()


# --- reviewing other people's requests -------------------------------------------------------

def to_review(user: User, now: datetime) -> Section | None:
    if not has_any_role(user, Role.preceptor, Role.lead):
        return None
    section = Section("review", "Sign-off requests to review")
    waiting, total = signoff.queue_page(user)
    conversations = [(r, m) for r, m in signoff.messages_to_answer(user) if r.practitioner_id != user.id]
    codes = capabilities_by_uuid({r.capability_uuid for r in waiting} | {r.capability_uuid for r, _ in conversations})
    for r in waiting:
        capability = codes.get(r.capability_uuid)
        age = (now - r.created_at).days
        sent_to = "" if r.assessor_id == user.id else f" (sent to {r.assessor.display_name})"
        section.items.append(Item(
            "Sign-off request", f"{r.practitioner.display_name}: {capability.code if capability else 'a capability'}"
                                f"{sent_to}",
            url_for("review.show_request", request_id=r.id), r.created_at,
            detail=f"Waiting {signoff.waiting_time(r.created_at, now)}."
                   + (" Leads are told after 21 days." if 7 <= age < ESCALATION_DAYS else ""),
            colour="red" if age >= ESCALATION_DAYS else "blue"))
    for r, message in conversations:
        capability = codes.get(r.capability_uuid)
        section.items.append(Item(
            "Reply", f"{message.author.display_name} replied about {capability.code if capability else 'a request'}",
            url_for("review.show_request", request_id=r.id, _anchor="conversation"), message.created_at,
            quote=_excerpt(message.body)))
    if total > len(waiting):
        section.more_href, section.more_text = url_for("review.queue"), f"See all {total} requests waiting"
    return section.sorted()


# --- preceptorship ---------------------------------------------------------------------------

def preceptorship_items(user: User, on: date) -> Section:
    section = Section("programmes", "Preceptorship")
    for milestone in preceptorship.milestones_due_for(user, on):
        enrolment = milestone.enrolment
        mine = enrolment.party_of(user) & set(outstanding_parties(milestone))
        if not mine:
            continue
        whose = "your" if enrolment.practitioner_id == user.id else f"{enrolment.practitioner.display_name}'s"
        days = (milestone.due_on - on).days
        if days < 0:
            due, colour = f"overdue by {_days(-days)}", "red"
        elif days == 0:
            due, colour = "due today", "orange"
        else:
            due, colour = f"due in {_days(days)}", "yellow"
        as_whom = " and ".join(sorted(PARTY_NAMES[p] for p in mine))
        section.items.append(Item(
            "Review", f"Sign {whose} {milestone.definition.title.lower()}: {due}",
            url_for("programmes.milestone", enrolment_id=enrolment.id, code=milestone.code), milestone.due_on,
            detail=f"Due {_when(milestone.due_on)}. Your signature is needed as {as_whom}.", colour=colour))
    for enrolment in preceptorship.supervision_overdue_for(user, on):
        due = enrolment.next_supervision_due_on
        other = enrolment.preceptor if enrolment.practitioner_id == user.id else enrolment.practitioner
        section.items.append(Item(
            "Supervision", f"Supervision with {other.display_name} is overdue",
            url_for("programmes.timeline", enrolment_id=enrolment.id), due,
            detail=f"Due since {_when(due)} ({_days((on - due).days)}). Record the session once it has happened.",
            colour="red"))
    total, led = preceptorship.supervision_overdue_led(user, on)
    if total:
        names = ", ".join(e.practitioner.display_name for e in led) + (" and others" if total > len(led) else "")
        section.items.append(Item(
            "Supervision", f"{total} programme{'s' if total != 1 else ''} you lead "
                           f"{'have' if total != 1 else 'has'} supervision overdue",
            url_for("programmes.cohort"), led[0].next_supervision_due_on, detail=names, colour="red"))
    return section.sorted()


# --- leads and administrators ----------------------------------------------------------------

def organisation_items(user: User, on: date) -> Section | None:
    lead_orgs = org_ids_with_role(user, Role.lead)
    if not lead_orgs and not has_any_role(user, Role.admin):
        return None
    section = Section("organisation", "Your organisation")
    for record, count in imports_waiting(user):
        section.items.append(Item(
            "Passport", f"{record.holder.display_name} brought a passport to {record.organisation.name}",
            url_for("passport.import_detail", import_id=record.id), record.created_at,
            detail=f"{count} credential{'s' if count != 1 else ''} waiting to be recognised."))
    for job in preceptorship.not_enrolled(lead_orgs, on):
        days = (on - job.start_on).days
        late = days > preceptorship.ENROL_WITHIN_DAYS
        detail = (f"Started as {job.role_title} on {_when(job.start_on)}, {_days(days)} ago: "
                  + ("past the 60 days within which preceptorship should start." if late
                     else f"enrol within {_days(preceptorship.ENROL_WITHIN_DAYS - days)}."))
        section.items.append(Item(
            "Enrolment", f"{job.user.display_name} is not on a preceptorship programme at {job.organisation.name}",
            url_for("programmes.enrol"), job.start_on, detail=detail, colour="red" if late else "yellow"))
    return section.sorted()


def framework_items(user: User) -> Section | None:
    if not can_edit_frameworks(user):
        return None
    section = Section("frameworks", "Frameworks")
    for version in drafts_waiting():
        section.items.append(Item(
            "Draft", f"{version.title} {version.version} is a draft waiting for review",
            url_for("frameworks.review_version", slug=version.framework.slug, number=version.version),
            version.created_at, detail="Review the changes, then publish or discard it."))
    return section.sorted()


def apprenticeship_items(user: User, on: date) -> Section:
    section = Section("apprenticeship", "Your apprenticeship")
    for apprenticeship in active_apprenticeships(user.id):
        href = url_for("progression.show_apprenticeship", apprenticeship_id=apprenticeship.id)
        for review in apprenticeship.reviews:
            if review.held_on is None and review.due_on <= on + timedelta(days=REVIEW_SOON_DAYS):
                days = (review.due_on - on).days
                due = f"overdue by {_days(-days)}" if days < 0 else ("due today" if days == 0 else f"due in {_days(days)}")
                section.items.append(Item("Progress review", f"Progress review {review.sequence}: {due}", href,
                                          review.due_on, detail=f"With your employer and training provider, "
                                                                f"due {_when(review.due_on)}.",
                                          colour="red" if days < 0 else "yellow"))
        otj = apprenticeship_otj(apprenticeship, on)
        if otj.is_behind:
            catch_up = f" Log about {otj.catch_up_per_week} hours a week to catch up." if otj.catch_up_per_week else ""
            section.items.append(Item("Off-the-job", f"Off-the-job training is {otj.hours_behind} hours behind plan",
                                      href, apprenticeship.start_on,
                                      detail=f"{otj.logged_hours} of {otj.planned_hours} hours logged.{catch_up}",
                                      colour="orange"))
    return section.sorted()


def region_items(user: User, now: datetime, on: date) -> Section | None:
    """For analysts: organisations in the region where people are waiting, as suppressed counts (no names)."""
    if not can_view_system(user):
        return None
    org_ids = region_org_ids(user)
    section = Section("region", "Across your region")
    names = {org.id: org.name for org in organisations(org_ids)} if org_ids else {}
    waiting = signoff.waiting_longer_than(org_ids, now - timedelta(days=ESCALATION_DAYS))
    late = preceptorship.late_enrolment_counts(org_ids, on)
    href = url_for("reports.system_view")
    for org_id, count in sorted(waiting.items(), key=lambda pair: names.get(pair[0], "")):
        section.items.append(Item("Sign-off", f"{names.get(org_id, 'An organisation')}: {publish_count(count)} "
                                              f"sign-off request{'s' if count != 1 else ''} waiting over 21 days",
                                  href, now - timedelta(days=ESCALATION_DAYS),
                                  detail="Counts under 5 show as <5; others are rounded to the nearest 5."))
    for org_id, count in sorted(late.items(), key=lambda pair: names.get(pair[0], "")):
        section.items.append(Item("Preceptorship", f"{names.get(org_id, 'An organisation')}: {publish_count(count)} "
                                                   "newly registered not enrolled within 60 days of starting",
                                  href, on - timedelta(days=preceptorship.ENROL_WITHIN_DAYS),
                                  detail="Counts under 5 show as <5; others are rounded to the nearest 5.",
                                  colour="red"))
    return section


# --- first run -------------------------------------------------------------------------------

def checklist(user: User, on: date) -> Checklist | None:
    """What a new account needs before sign-off and the passport work: profession, registration, post, preceptor.

    Shown to practitioners, preceptors and leads until every task that applies is done.
    """
    if not has_any_role(user, Role.practitioner, Role.preceptor, Role.lead):
        return None
    posts = [job for job in user.employments if job.is_current_on(on)]
    profile = url_for("auth.profile")
    tasks = [Task("Add your profession", "Reviewers and your passport show it.", bool(user.profession), profile)]
    # Registration applies unless every current post is below registered practice (support workers, learners).
    unregistered_posts = bool(posts) and all(job.level_code not in REGISTERED_LEVELS for job in posts)
    if not unregistered_posts or user.is_registered or has_any_role(user, Role.preceptor, Role.lead):
        tasks.append(Task("Add your professional registration",
                          "If you are registered (HCPC, NMC, Social Work England), your body and number: assessors "
                          "need one to sign off, and newly registered practitioners need one for preceptorship.",
                          user.is_registered, profile))
    tasks.append(Task("Have your post recorded",
                      "Your employer's administrator records your role, level and start date. Sign-off and your "
                      "passport's employment history depend on it.", bool(posts)))
    newly_registered = user.registered_on is not None and user.registered_on > on - timedelta(days=730)
    if has_any_role(user, Role.practitioner) and (newly_registered or any(j.level_code == "registered" for j in posts)):
        enrolment = preceptorship.latest_enrolment(user.id)
        hint = (f"{enrolment.preceptor.display_name} is your preceptor." if enrolment is not None
                else "Your lead enrols you on a preceptorship programme with a named preceptor, within 60 days of "
                     "starting.")
        tasks.append(Task("Have a named preceptor", hint, enrolment is not None))
    result = Checklist(tasks)
    return None if result.is_complete else result


def sections_for(user: User) -> list[Section]:
    now = utcnow()
    on = preceptorship.today()
    found = [own_requests(user, now), to_review(user, now), preceptorship_items(user, on),
             organisation_items(user, on), apprenticeship_items(user, on), framework_items(user),
             region_items(user, now, on)]
    return [section for section in found if section is not None and section.items]
