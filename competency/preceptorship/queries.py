"""Read-only queries: scoping, the timeline, cohort and preceptee lists, evidence counts, due dates.

Every list loads a fixed number of statements however many enrolments there are
(eager loading, states computed in SQL), so pages stay fast as programmes grow.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from competency.accounts.models import Membership, Role, User
from competency.accounts.policies import org_ids_with_role
from competency.extensions import db
from competency.preceptorship.models import (
    Enrolment,
    EnrolmentMilestone,
    EnrolmentPause,
    EnrolmentStatus,
    ProgrammeCompletion,
    SupervisionSession,
    TemplateVersion,
)

LONDON = ZoneInfo("Europe/London")
COHORT_STATES = {
    "on_track": "On track",
    "due_soon": "Due soon",
    "overdue": "Overdue",
    "paused": "Paused",
    "completed": "Completed",
    "withdrawn": "Withdrawn",
}
CURRENT_STATES = ("on_track", "due_soon", "overdue", "paused")


def today() -> date:
    """Today's date in the UK, where programmes run."""
    return datetime.now(LONDON).date()


# --- scoping ---------------------------------------------------------------------------------

def visible_enrolments_clause(user: User):
    """Enrolments ``user`` is a party to, or that belong to an organisation they lead."""
    lead_orgs = org_ids_with_role(user, Role.lead)
    return sa.or_(
        Enrolment.practitioner_id == user.id,
        Enrolment.preceptor_id == user.id,
        Enrolment.lead_id == user.id,
        Enrolment.organisation_id.in_(lead_orgs or [-1]),
    )


def _timeline_options():
    return (
        joinedload(Enrolment.practitioner), joinedload(Enrolment.preceptor), joinedload(Enrolment.lead),
        joinedload(Enrolment.organisation),
        joinedload(Enrolment.template_version).joinedload(TemplateVersion.template),
        selectinload(Enrolment.milestones).selectinload(EnrolmentMilestone.signatures),
        selectinload(Enrolment.milestones).joinedload(EnrolmentMilestone.definition),
        selectinload(Enrolment.pauses),
        selectinload(Enrolment.supervisions).joinedload(SupervisionSession.recorded_by),
        selectinload(Enrolment.protected_time),
        selectinload(Enrolment.checkins),
    )


def enrolment_for(user: User, enrolment_id: int, *, full: bool = False) -> Enrolment | None:
    """The enrolment if ``user`` may see it, else None (the caller answers 404)."""
    query = sa.select(Enrolment).where(Enrolment.id == enrolment_id, visible_enrolments_clause(user))
    if full:
        query = query.options(*_timeline_options())
    return db.session.scalar(query)


def completions_for(practitioner_id: int) -> list[ProgrammeCompletion]:
    """Completed programmes, as the passport carries them (newest first)."""
    return list(db.session.scalars(
        sa.select(ProgrammeCompletion).where(ProgrammeCompletion.practitioner_id == practitioner_id)
        .options(joinedload(ProgrammeCompletion.organisation))
        .order_by(ProgrammeCompletion.completed_on.desc(), ProgrammeCompletion.id.desc())))


def my_enrolments(user: User) -> list[Enrolment]:
    return list(db.session.scalars(
        sa.select(Enrolment).where(Enrolment.practitioner_id == user.id).options(*_timeline_options())
        .order_by(Enrolment.start_on.desc(), Enrolment.id.desc())))


# --- evidence --------------------------------------------------------------------------------

def evidence_counts(practitioner_id: int, since: date, until: date | None = None) -> dict[str, int] | None:
    """The practitioner's evidence by kind from ``since`` (the programme start).

    Feedback is also counted by who gave it (``feedback_people``, ``feedback_professionals``).
    Returns None when the evidence area is not installed, so nothing is enforced.
    """
    try:
        from competency.evidence.models import Evidence, FeedbackSource
    except ImportError:  # pragma: no cover - evidence is part of the platform
        return None
    query = (sa.select(Evidence.kind, Evidence.feedback_source, sa.func.count())
             .where(Evidence.owner_id == practitioner_id, Evidence.occurred_on >= since)
             .group_by(Evidence.kind, Evidence.feedback_source))
    if until is not None:
        query = query.where(Evidence.occurred_on <= until)
    counts: dict[str, int] = {}
    for kind, source, number in db.session.execute(query):
        counts[kind.value] = counts.get(kind.value, 0) + number
        if source in (FeedbackSource.person_served, FeedbackSource.carer):
            counts["feedback_people"] = counts.get("feedback_people", 0) + number
        elif source == FeedbackSource.colleague:
            counts["feedback_professionals"] = counts.get("feedback_professionals", 0) + number
    return counts


def enrolment_evidence_counts(enrolment: Enrolment) -> dict[str, int] | None:
    """What a programme counts: evidence since its start plus counts carried from an earlier
    employer's programme (a mid-programme move), so nothing is asked for twice."""
    counts = evidence_counts(enrolment.practitioner_id, enrolment.start_on)
    if counts is None:
        return None
    for kind, number in (enrolment.carried_evidence or {}).items():
        counts[kind] = counts.get(kind, 0) + int(number)
    return counts


@dataclass(frozen=True)
class EvidenceLine:
    kind: str
    required: int
    have: int | None

    @property
    def is_met(self) -> bool:
        return self.have is not None and self.have >= self.required

    @property
    def missing(self) -> int:
        return max(self.required - (self.have or 0), 0)


def evidence_lines(required: dict[str, int], counts: dict[str, int] | None) -> list[EvidenceLine]:
    return [EvidenceLine(kind, number, None if counts is None else counts.get(kind, 0))
            for kind, number in required.items()]


# --- lists -----------------------------------------------------------------------------------

def _exists_pause_on(on: date):
    return sa.exists().where(EnrolmentPause.enrolment_id == Enrolment.id, EnrolmentPause.start_on <= on,
                             EnrolmentPause.end_on >= on)


def _earliest_open(column):
    """The earliest ``column`` among the enrolment's open required reviews (NULL when none).

    A scalar subquery rather than EXISTS: PostgreSQL answers it per enrolment from the partial
    index ``ix_enrolment_milestone_open``, where EXISTS let it hash the whole milestone table.
    """
    return (sa.select(sa.func.min(column))
            .where(EnrolmentMilestone.enrolment_id == Enrolment.id, EnrolmentMilestone.is_required.is_(True),
                   EnrolmentMilestone.completed_on.is_(None), EnrolmentMilestone.is_after_completion.is_(False))
            .scalar_subquery())


def cohort_state(on: date):
    """The cohort state of each enrolment on ``on``, as one SQL expression."""
    return sa.case(
        (Enrolment.status == EnrolmentStatus.withdrawn, "withdrawn"),
        (Enrolment.status == EnrolmentStatus.completed, "completed"),
        (_exists_pause_on(on), "paused"),
        (_earliest_open(EnrolmentMilestone.due_on) < on, "overdue"),
        # A supervision gap is as overdue as a late review: never "on track" beside "Overdue since".
        (Enrolment.next_supervision_due_on < on, "overdue"),
        (_earliest_open(EnrolmentMilestone.due_soon_on) <= on, "due_soon"),
        else_="on_track",
    )


@dataclass
class CohortFilters:
    state: str = ""  # "" = current (on track, due soon, overdue, paused); "all"; or one state
    organisation_id: int | None = None
    template_id: int | None = None
    preceptor_id: int | None = None


def _cohort_conditions(user: User, on: date, filters: CohortFilters) -> list:
    """Which enrolments the cohort shows: the organisations ``user`` leads, then the filters."""
    conditions = [Enrolment.organisation_id.in_(org_ids_with_role(user, Role.lead) or [-1])]
    if filters.organisation_id:
        conditions.append(Enrolment.organisation_id == filters.organisation_id)
    if filters.template_id:
        conditions.append(Enrolment.template_version.has(TemplateVersion.template_id == filters.template_id))
    if filters.preceptor_id:
        conditions.append(Enrolment.preceptor_id == filters.preceptor_id)
    if filters.state in COHORT_STATES:
        conditions.append(cohort_state(on) == filters.state)
    elif filters.state != "all":
        conditions.append(Enrolment.status == EnrolmentStatus.active)
    return conditions


_MILESTONE_LIST_COLUMNS = (EnrolmentMilestone.enrolment_id, EnrolmentMilestone.template_milestone_id,
                           EnrolmentMilestone.code, EnrolmentMilestone.position, EnrolmentMilestone.due_on,
                           EnrolmentMilestone.due_soon_on, EnrolmentMilestone.is_required,
                           EnrolmentMilestone.is_after_completion, EnrolmentMilestone.completed_on)


def cohort_query(user: User, on: date, filters: CohortFilters) -> sa.Select:
    """Rows of (Enrolment, state) for the organisations ``user`` leads, by practitioner name.

    The practitioner comes with the join the order needs; the few preceptors, leads,
    organisations and templates of a page come by id (planning one seven-way join cost
    more than running it).
    """
    return (sa.select(Enrolment, cohort_state(on).label("state"))
            .join(Enrolment.practitioner)
            .where(*_cohort_conditions(user, on, filters))
            .options(contains_eager(Enrolment.practitioner), selectinload(Enrolment.preceptor),
                     selectinload(Enrolment.lead), selectinload(Enrolment.organisation),
                     selectinload(Enrolment.template_version).joinedload(TemplateVersion.template),
                     # Only what the next milestone needs (not the reviews' text); the handful of
                     # definitions once each, not joined to every milestone.
                     selectinload(Enrolment.milestones).load_only(*_MILESTONE_LIST_COLUMNS)
                     .selectinload(EnrolmentMilestone.definition),
                     selectinload(Enrolment.pauses))
            .order_by(User.display_name, Enrolment.id))


def cohort_counts(user: User, on: date, filters: CohortFilters) -> dict[str, int]:
    """How many enrolments are in each state (ignoring the state filter): one query."""
    everything = CohortFilters(state="all", organisation_id=filters.organisation_id,
                               template_id=filters.template_id, preceptor_id=filters.preceptor_id)
    state = cohort_state(on).label("state")
    rows = db.session.execute(sa.select(state, sa.func.count()).where(*_cohort_conditions(user, on, everything))
                              .group_by(state))
    counts = {key: 0 for key in COHORT_STATES}
    counts.update({state: number for state, number in rows})
    return counts


def preceptee_enrolments(user: User) -> list[Enrolment]:
    """Programmes ``user`` is the named preceptor on that still need something (active, or a follow-up open)."""
    open_follow_up = sa.exists().where(EnrolmentMilestone.enrolment_id == Enrolment.id,
                                       EnrolmentMilestone.is_after_completion.is_(True),
                                       EnrolmentMilestone.completed_on.is_(None))
    return list(db.session.scalars(
        sa.select(Enrolment).join(Enrolment.practitioner)
        .where(Enrolment.preceptor_id == user.id,
               sa.or_(Enrolment.status == EnrolmentStatus.active,
                      sa.and_(Enrolment.status == EnrolmentStatus.completed, open_follow_up)))
        .options(*_timeline_options())
        .order_by(User.display_name, Enrolment.id)))


def members_with_roles(organisation_id: int, *roles: Role) -> list[User]:
    members = sa.select(Membership.user_id).where(Membership.organisation_id == organisation_id,
                                                   Membership.is_active.is_(True), Membership.role.in_(roles))
    return list(db.session.scalars(
        sa.select(User).where(User.id.in_(members), User.is_active_account.is_(True))
        .order_by(User.display_name, User.id)))


def member_names_with_roles(organisation_ids, *roles: Role) -> list[tuple[int, str]]:
    """``[(user id, display name)]`` of active people with one of ``roles`` at any of the organisations,
    by name: a filter's choices, without loading whole accounts."""
    members = sa.select(Membership.user_id).where(Membership.organisation_id.in_(list(organisation_ids) or [-1]),
                                                   Membership.is_active.is_(True), Membership.role.in_(roles))
    rows = db.session.execute(sa.select(User.id, User.display_name)
                              .where(User.id.in_(members), User.is_active_account.is_(True))
                              .order_by(User.display_name, User.id))
    return [(user_id, name) for user_id, name in rows]


# The shared framework's pillar names, used when its data has not been imported yet.
DEFAULT_PILLAR_NAMES = {
    "professional_practice": "Professional practice",
    "facilitation_of_learning": "Facilitation of learning",
    "leadership": "Leadership",
    "evidence_research_development": "Evidence, research and development",
    "integrated_working": "Integrated working",
}


def pillar_names(framework_slug: str, codes: list[str]) -> list[tuple[str, str]]:
    """``[(code, name)]`` for the pillar codes a template rates, named as the framework names them."""
    names = dict(DEFAULT_PILLAR_NAMES)
    try:
        from competency.frameworks.models import Framework, FrameworkVersion, Pillar
    except ImportError:  # pragma: no cover - the frameworks area is part of the platform
        Framework = None
    if Framework is not None and codes:
        rows = db.session.execute(
            sa.select(Pillar.code, Pillar.name).join(FrameworkVersion, FrameworkVersion.id == Pillar.version_id)
            .join(Framework, Framework.id == FrameworkVersion.framework_id)
            .where(Framework.slug == framework_slug, Pillar.code.in_(codes)).order_by(FrameworkVersion.id))
        names.update({code: name for code, name in rows})
    return [(code, names.get(code, code.replace("_", " ").capitalize())) for code in codes]


# --- for reminders and reports ---------------------------------------------------------------

def milestone_due_dates() -> sa.Select:
    """Every open milestone someone must act on, with its due dates: one set-based SELECT.

    Columns: milestone_id, enrolment_id, code, title, due_on, due_soon_on, practitioner_id,
    preceptor_id, lead_id, organisation_id. Required milestones of active enrolments,
    plus the after-completion follow-up of completed ones. Add ``.where(...)`` on
    ``due_on`` / ``due_soon_on`` to pick a day; both are indexed-friendly plain dates.
    """
    from competency.preceptorship.models import TemplateMilestone

    return (
        sa.select(EnrolmentMilestone.id.label("milestone_id"), EnrolmentMilestone.enrolment_id,
                  EnrolmentMilestone.code, TemplateMilestone.title, EnrolmentMilestone.due_on,
                  EnrolmentMilestone.due_soon_on, Enrolment.practitioner_id, Enrolment.preceptor_id,
                  Enrolment.lead_id, Enrolment.organisation_id)
        .join(Enrolment, Enrolment.id == EnrolmentMilestone.enrolment_id)
        .join(TemplateMilestone, TemplateMilestone.id == EnrolmentMilestone.template_milestone_id)
        .where(EnrolmentMilestone.completed_on.is_(None), EnrolmentMilestone.is_required.is_(True),
               sa.or_(Enrolment.status == EnrolmentStatus.active,
                      sa.and_(Enrolment.status == EnrolmentStatus.completed,
                              EnrolmentMilestone.is_after_completion.is_(True))))
    )


def supervision_due_dates() -> sa.Select:
    """Active enrolments with the date their next supervision is due (enrolment_id, due_on, parties)."""
    return (
        sa.select(Enrolment.id.label("enrolment_id"), Enrolment.next_supervision_due_on.label("due_on"),
                  Enrolment.practitioner_id, Enrolment.preceptor_id, Enrolment.lead_id, Enrolment.organisation_id)
        .where(Enrolment.status == EnrolmentStatus.active, Enrolment.next_supervision_due_on.is_not(None))
    )


def named_preceptor_id(practitioner_id: int) -> int | None:
    """The preceptor named on the person's active programme (the newest, if several): one query."""
    return db.session.scalar(
        sa.select(Enrolment.preceptor_id)
        .where(Enrolment.practitioner_id == practitioner_id, Enrolment.status == EnrolmentStatus.active)
        .order_by(Enrolment.start_on.desc(), Enrolment.id.desc()).limit(1))


# --- what is waiting on someone (the home page) ----------------------------------------------

def latest_enrolment(practitioner_id: int) -> Enrolment | None:
    """The person's newest programme (any status), with the preceptor named on it."""
    return db.session.scalar(
        sa.select(Enrolment).where(Enrolment.practitioner_id == practitioner_id)
        .options(joinedload(Enrolment.preceptor))
        .order_by((Enrolment.status == EnrolmentStatus.active).desc(), Enrolment.start_on.desc(),
                  Enrolment.id.desc()).limit(1))


def milestones_due_for(user: User, on: date, limit: int = 30) -> list[EnrolmentMilestone]:
    """Open required milestones, due soon or overdue on ``on``, of programmes ``user`` is a named party to.

    Signatures and definitions are loaded, so the caller can tell whose signature is
    missing without further statements. Earliest due first.
    """
    parties = sa.or_(Enrolment.practitioner_id == user.id, Enrolment.preceptor_id == user.id,
                     Enrolment.lead_id == user.id)
    is_open = sa.or_(Enrolment.status == EnrolmentStatus.active,
                     sa.and_(Enrolment.status == EnrolmentStatus.completed,
                             EnrolmentMilestone.is_after_completion.is_(True)))
    return list(db.session.scalars(
        sa.select(EnrolmentMilestone).join(Enrolment, Enrolment.id == EnrolmentMilestone.enrolment_id)
        .where(parties, is_open, EnrolmentMilestone.is_required.is_(True), EnrolmentMilestone.completed_on.is_(None),
               EnrolmentMilestone.due_soon_on <= on, ~_exists_pause_on(on))
        .options(joinedload(EnrolmentMilestone.definition), selectinload(EnrolmentMilestone.signatures),
                 joinedload(EnrolmentMilestone.enrolment).joinedload(Enrolment.practitioner))
        .order_by(EnrolmentMilestone.due_on, EnrolmentMilestone.id).limit(limit)))


def _supervision_overdue(on: date):
    return sa.and_(Enrolment.status == EnrolmentStatus.active, Enrolment.next_supervision_due_on < on,
                   ~_exists_pause_on(on))


def supervision_overdue_for(user: User, on: date, limit: int = 20) -> list[Enrolment]:
    """Running programmes where ``user`` is the preceptee or the preceptor and supervision is overdue on ``on``."""
    return list(db.session.scalars(
        sa.select(Enrolment)
        .where(sa.or_(Enrolment.practitioner_id == user.id, Enrolment.preceptor_id == user.id),
               _supervision_overdue(on))
        .options(joinedload(Enrolment.practitioner), joinedload(Enrolment.preceptor))
        .order_by(Enrolment.next_supervision_due_on, Enrolment.id).limit(limit)))


def supervision_overdue_led(user: User, on: date, limit: int = 5) -> tuple[int, list[Enrolment]]:
    """Programmes ``user`` is the named lead on (and not preceptee or preceptor) with supervision overdue:
    how many, and the longest overdue few."""
    where = sa.and_(Enrolment.lead_id == user.id, Enrolment.practitioner_id != user.id,
                    Enrolment.preceptor_id != user.id, _supervision_overdue(on))
    total = db.session.scalar(sa.select(sa.func.count(Enrolment.id)).where(where)) or 0
    if not total:
        return 0, []
    return total, list(db.session.scalars(
        sa.select(Enrolment).where(where).options(joinedload(Enrolment.practitioner))
        .order_by(Enrolment.next_supervision_due_on, Enrolment.id).limit(limit)))


# A newly registered person starts preceptorship within this many days of starting in post.
ENROL_WITHIN_DAYS = 60
# "Newly registered": registered no more than a year before starting the post, which began within the last year.
NEWLY_REGISTERED_DAYS = 365


def _not_enrolled_query(org_ids: set[int], on: date) -> sa.Select:
    from datetime import timedelta

    from competency.accounts.models import Employment

    no_programme = ~sa.exists().where(Enrolment.practitioner_id == Employment.user_id,
                                      Enrolment.organisation_id == Employment.organisation_id)
    return (sa.select(Employment).join(User, User.id == Employment.user_id)
            .where(Employment.organisation_id.in_(org_ids or {-1}), Employment.start_on <= on,
                   sa.or_(Employment.end_on.is_(None), Employment.end_on >= on),
                   Employment.start_on > on - timedelta(days=NEWLY_REGISTERED_DAYS),
                   User.registered_on.is_not(None),
                   User.registered_on > Employment.start_on - timedelta(days=NEWLY_REGISTERED_DAYS),
                   User.is_active_account.is_(True), no_programme))


def not_enrolled(org_ids: set[int], on: date, limit: int = 20) -> list:
    """Newly registered people in post at these organisations with no programme there, earliest start first."""
    from competency.accounts.models import Employment

    return list(db.session.scalars(
        _not_enrolled_query(org_ids, on)
        .options(joinedload(Employment.user), joinedload(Employment.organisation))
        .order_by(Employment.start_on, Employment.id).limit(limit)))


def late_enrolment_counts(org_ids: set[int], on: date) -> dict[int, int]:
    """Organisation id -> newly registered people still not enrolled more than 60 days after starting."""
    from datetime import timedelta

    from competency.accounts.models import Employment

    inner = _not_enrolled_query(org_ids, on).where(
        Employment.start_on < on - timedelta(days=ENROL_WITHIN_DAYS)).subquery()
    rows = db.session.execute(sa.select(inner.c.organisation_id, sa.func.count()).group_by(inner.c.organisation_id))
    return {org_id: count for org_id, count in rows}
