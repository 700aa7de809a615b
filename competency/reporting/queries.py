"""Read-only aggregate queries behind the organisation dashboard and the system view.

Each function is a fixed number of grouped SQL statements over a set of
organisation ids, whatever the number of people: counting, averaging and
percentiles happen in the database, and what comes back is one row per group.
Callers decide which organisations a user may see (see ``policies``).
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from competency.accounts.models import Employment, Organisation, User
from competency.extensions import db
from competency.frameworks.models import Capability, FrameworkVersion, Pillar
from competency.preceptorship.models import ConfidenceCheckin, Enrolment, EnrolmentStatus, TemplateVersion
from competency.preceptorship.queries import cohort_state
from competency.progression.models import (
    Apprenticeship,
    ApprenticeshipStatus,
    Panel,
    PanelOutcome,
    ProgressionRecord,
    RecordStatus,
)
from competency.reporting.sql import Spread, days_between_dates, days_between_times, percentiles_with_total
from competency.signoff.models import RequestState, SignOffRequest

# The shared levels of practice, support worker to consultant.
LEVELS = [
    ("support", "Support worker"),
    ("senior_support", "Senior support worker / OT assistant"),
    ("assistant_practitioner", "Assistant practitioner"),
    ("pre_registration", "Pre-registration learner or apprentice"),
    ("registered", "Registered practitioner"),
    ("enhanced", "Enhanced practitioner"),
    ("advanced", "Advanced practitioner"),
    ("consultant", "Consultant practitioner"),
]
LEVEL_LABELS = dict(LEVELS)
SUPPORT_LEVELS = ("support", "senior_support", "assistant_practitioner")
NOT_RECORDED = "Not recorded"

PRECEPTORSHIP_STATES = [("on_track", "On track"), ("due_soon", "Due soon"), ("overdue", "Overdue"),
                        ("paused", "Paused"), ("completed", "Completed")]
WAITING_BANDS = [(0, 7, "Up to 7 days"), (8, 14, "8 to 14 days"), (15, 28, "15 to 28 days"),
                 (29, None, "More than 28 days")]
# A quarter: current performance, and a bounded scan at ICS scale.
TURNAROUND_WINDOW_DAYS = 91


@dataclass(frozen=True)
class OrgInfo:
    id: int
    name: str
    sector: str


def organisations(org_ids: Collection[int]) -> list[OrgInfo]:
    rows = db.session.execute(sa.select(Organisation.id, Organisation.name, Organisation.sector)
                              .where(Organisation.id.in_(list(org_ids) or [-1])).order_by(Organisation.name))
    return [OrgInfo(i, name, sector.value) for i, name, sector in rows]


# --- workforce -------------------------------------------------------------------------------

def workforce(org_ids: Collection[int], on: date) -> list[tuple[int, str, str, int]]:
    """(organisation id, level code, profession, people) for posts current on ``on``.

    Everyone with a post counts, support workers, OT assistants and apprentices included;
    a person with posts at two organisations counts at each. Someone on an active
    apprenticeship at that organisation counts as a pre-registration learner or
    apprentice, whatever level their post was recorded at (an apprentice usually keeps
    their OT assistant post while they study).
    """
    profession = sa.func.coalesce(User.profession, NOT_RECORDED)
    on_apprenticeship = sa.exists().where(
        Apprenticeship.user_id == Employment.user_id, Apprenticeship.organisation_id == Employment.organisation_id,
        Apprenticeship.status == ApprenticeshipStatus.active, Apprenticeship.start_on <= on)
    level = sa.case((on_apprenticeship, "pre_registration"), else_=Employment.level_code).label("level")
    query = (
        sa.select(Employment.organisation_id, level, profession, sa.func.count(sa.distinct(Employment.user_id)))
        .join(User, User.id == Employment.user_id)
        .where(Employment.organisation_id.in_(list(org_ids) or [-1]), Employment.start_on <= on,
               sa.or_(Employment.end_on.is_(None), Employment.end_on >= on), User.is_active_account.is_(True))
        .group_by(Employment.organisation_id, level, profession)
    )
    return [tuple(row) for row in db.session.execute(query)]


# --- preceptorship ---------------------------------------------------------------------------

def preceptorship_states(org_ids: Collection[int], on: date) -> list[tuple[int, str, int]]:
    """(organisation id, state, enrolments): on track, due soon, overdue, paused, completed."""
    state = cohort_state(on).label("state")
    inner = (sa.select(Enrolment.organisation_id.label("org"), state)
             .where(Enrolment.organisation_id.in_(list(org_ids) or [-1]),
                    Enrolment.status != EnrolmentStatus.withdrawn)
             .subquery())
    query = sa.select(inner.c.org, inner.c.state, sa.func.count()).group_by(inner.c.org, inner.c.state)
    return [tuple(row) for row in db.session.execute(query)]


def completion_times(org_ids: Collection[int]) -> dict[int | None, Spread]:
    """Days from programme start to completion, by organisation (and None for all of them)."""
    days = days_between_dates(Enrolment.completed_on, Enrolment.start_on).label("days")
    source = (sa.select(Enrolment.organisation_id.label("org"), days)
              .where(Enrolment.organisation_id.in_(list(org_ids) or [-1]),
                     Enrolment.status == EnrolmentStatus.completed, Enrolment.completed_on.is_not(None)))
    return percentiles_with_total(source, "days", "org")


# --- sign-off turnaround ---------------------------------------------------------------------

def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def turnaround(org_ids: Collection[int], on: date) -> dict[int | None, Spread]:
    """Days from request to decision (signed or returned) for requests made in the year to ``on``."""
    since = _start_of(on - timedelta(days=TURNAROUND_WINDOW_DAYS))
    days = days_between_times(SignOffRequest.closed_at, SignOffRequest.created_at).label("days")
    source = (sa.select(SignOffRequest.organisation_id.label("org"), days)
              .where(SignOffRequest.organisation_id.in_(list(org_ids) or [-1]),
                     SignOffRequest.state.in_([RequestState.signed, RequestState.returned]),
                     SignOffRequest.created_at >= since, SignOffRequest.closed_at.is_not(None)))
    return percentiles_with_total(source, "days", "org")


def waiting_by_band(org_ids: Collection[int], now: datetime) -> list[tuple[int, int, int]]:
    """(organisation id, band index, pending requests) by how long they have waited."""
    whens = []
    for index, (_, high, _) in enumerate(WAITING_BANDS):
        if high is not None:
            whens.append((SignOffRequest.created_at > now - timedelta(days=high + 1), index))
    band = sa.case(*whens, else_=len(WAITING_BANDS) - 1).label("band")
    inner = (sa.select(SignOffRequest.organisation_id.label("org"), band)
             .where(SignOffRequest.organisation_id.in_(list(org_ids) or [-1]),
                    SignOffRequest.state == RequestState.pending)
             .subquery())
    query = sa.select(inner.c.org, inner.c.band, sa.func.count()).group_by(inner.c.org, inner.c.band)
    return [tuple(row) for row in db.session.execute(query)]


@dataclass(frozen=True)
class WaitingRequest:
    id: int
    organisation_name: str
    practitioner_name: str
    assessor_name: str
    capability_code: str
    requested_at: datetime


def oldest_waiting(org_ids: Collection[int], limit: int = 10) -> list[WaitingRequest]:
    """The longest-waiting sign-off requests (person-level: organisation dashboard only)."""
    practitioner, assessor = aliased(User), aliased(User)
    query = (
        sa.select(SignOffRequest.id, Organisation.name, practitioner.display_name, assessor.display_name,
                  sa.func.coalesce(Capability.code, SignOffRequest.capability_uuid), SignOffRequest.created_at)
        .join(Organisation, Organisation.id == SignOffRequest.organisation_id)
        .join(practitioner, practitioner.id == SignOffRequest.practitioner_id)
        .join(assessor, assessor.id == SignOffRequest.assessor_id)
        .outerjoin(Capability, sa.and_(Capability.version_id == SignOffRequest.framework_version_id,
                                       Capability.uuid == SignOffRequest.capability_uuid))
        .where(SignOffRequest.organisation_id.in_(list(org_ids) or [-1]),
               SignOffRequest.state == RequestState.pending)
        .order_by(SignOffRequest.created_at, SignOffRequest.id)
        .limit(limit)
    )
    return [WaitingRequest(*row) for row in db.session.execute(query)]


# --- progression -----------------------------------------------------------------------------

def pipeline_stages(org_ids: Collection[int]) -> list[tuple[int, str, str, int]]:
    """(organisation id, pathway slug, current stage code, people) on active progression records."""
    query = (sa.select(ProgressionRecord.organisation_id, ProgressionRecord.pathway_slug,
                       ProgressionRecord.stage_code, sa.func.count())
             .where(ProgressionRecord.organisation_id.in_(list(org_ids) or [-1]),
                    ProgressionRecord.status == RecordStatus.active)
             .group_by(ProgressionRecord.organisation_id, ProgressionRecord.pathway_slug,
                       ProgressionRecord.stage_code))
    return [tuple(row) for row in db.session.execute(query)]


def pipeline_milestones(org_ids: Collection[int]) -> dict[int, dict[str, int]]:
    """Per organisation: people with a panel booked, people a panel found ready, people on an apprenticeship."""
    ids = list(org_ids) or [-1]
    booked = sa.exists().where(Panel.record_id == ProgressionRecord.id, Panel.outcome.is_(None))
    ready = sa.exists().where(Panel.record_id == ProgressionRecord.id, Panel.outcome == PanelOutcome.ready,
                              Panel.scheduled_on >= ProgressionRecord.stage_since_on)
    records = (sa.select(ProgressionRecord.organisation_id,
                         sa.func.count(sa.distinct(sa.case((booked, ProgressionRecord.user_id)))),
                         sa.func.count(sa.distinct(sa.case((ready, ProgressionRecord.user_id)))))
               .where(ProgressionRecord.organisation_id.in_(ids), ProgressionRecord.status == RecordStatus.active)
               .group_by(ProgressionRecord.organisation_id))
    apprentices = (sa.select(Apprenticeship.organisation_id, sa.func.count(sa.distinct(Apprenticeship.user_id)))
                   .where(Apprenticeship.organisation_id.in_(ids),
                          Apprenticeship.status == ApprenticeshipStatus.active)
                   .group_by(Apprenticeship.organisation_id))
    result: dict[int, dict[str, int]] = {}
    for org, n_booked, n_ready in db.session.execute(records):
        result.setdefault(org, {}).update(panel_booked=n_booked, panel_ready=n_ready)
    for org, n in db.session.execute(apprentices):
        result.setdefault(org, {})["apprenticeship"] = n
    return result


# --- confidence ------------------------------------------------------------------------------

QUARTERS = ["Months 0 to 2", "Months 3 to 5", "Months 6 to 8", "Months 9 to 11", "Month 12 onwards"]


def checkin_pillars(org_ids: Collection[int]) -> list[tuple[str, str]]:
    """(pillar code, name) rated at check-ins on the programmes these organisations run."""
    used = (sa.select(Enrolment.template_version_id).distinct()
            .where(Enrolment.organisation_id.in_(list(org_ids) or [-1])))
    rows = db.session.execute(sa.select(TemplateVersion.checkin_pillars)
                              .where(TemplateVersion.id.in_(used)).order_by(TemplateVersion.id))
    codes: list[str] = []
    for (pillars,) in rows:
        for code in pillars or []:
            if code not in codes:
                codes.append(code)
    names = dict(db.session.execute(
        sa.select(Pillar.code, Pillar.name).join(FrameworkVersion, FrameworkVersion.id == Pillar.version_id)
        .where(Pillar.code.in_(codes or [""])).order_by(FrameworkVersion.id)).all())
    return [(code, names.get(code, code.replace("_", " ").capitalize())) for code in codes]


def confidence_by_quarter(org_ids: Collection[int], pillar_codes: list[str]) -> list[dict]:
    """Average wellbeing and pillar ratings by quarter of the programme, with how many people rated.

    One row per quarter: {"quarter": i, "people": n, "checkins": n, "wellbeing": avg, code: avg, ...}.
    """
    days = days_between_dates(ConfidenceCheckin.checked_on, Enrolment.start_on)
    quarter = sa.case((days < 91, 0), (days < 182, 1), (days < 273, 2), (days < 365, 3), else_=4).label("quarter")
    inner = (sa.select(quarter, Enrolment.practitioner_id.label("person"), ConfidenceCheckin.wellbeing,
                       *[ConfidenceCheckin.ratings[code].as_float().label(f"r{i}")
                         for i, code in enumerate(pillar_codes)])
             .join(Enrolment, Enrolment.id == ConfidenceCheckin.enrolment_id)
             .where(Enrolment.organisation_id.in_(list(org_ids) or [-1]))
             .subquery())
    query = (sa.select(inner.c.quarter, sa.func.count(sa.distinct(inner.c.person)), sa.func.count(),
                       sa.func.avg(inner.c.wellbeing),
                       *[sa.func.avg(inner.c[f"r{i}"]) for i in range(len(pillar_codes))])
             .group_by(inner.c.quarter).order_by(inner.c.quarter))
    result = []
    for row in db.session.execute(query):
        entry = {"quarter": int(row[0]), "people": row[1], "checkins": row[2],
                 "wellbeing": float(row[3]) if row[3] is not None else None}
        for i, code in enumerate(pillar_codes):
            value = row[4 + i]
            entry[code] = float(value) if value is not None else None
        result.append(entry)
    return result
