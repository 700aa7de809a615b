"""Progression over the API: readiness per pathway record, and the off-the-job log."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from competency.accounts.models import User
from competency.accounts.policies import can_see_person
from competency.blueprints.api.blueprint import ProblemError, api_user, parse_body
from competency.blueprints.api.fields import NOT_BLANK, DbId, stated
from competency.blueprints.api.openapi import api_route
from competency.extensions import db
from competency.progression import apprenticeships, policies, queries
from competency.progression.models import Apprenticeship
from competency.progression.offthejob import OtjProgress
from competency.progression.queries import RecordProgress
from competency.reminders.planning import local_today


class Named(BaseModel):
    id: int
    name: str


class StageOut(BaseModel):
    code: str
    name: str


class PathwayOut(BaseModel):
    slug: str
    version: str
    title: str


class MissingCapabilityOut(BaseModel):
    code: str
    uuid: str
    statement: str


class CriterionOut(BaseModel):
    code: str
    kind: str = Field(description="capabilities, months_in_post, evidence_count, confirmation or panel")
    title: str
    is_met: bool
    done: int
    needed: int
    summary: str
    missing: list[str]
    missing_capabilities: list[MissingCapabilityOut]


class ReadinessOut(BaseModel):
    step: str
    title: str
    met: int
    total: int
    percent: int
    is_ready_for_panel: bool
    is_ready: bool
    criteria: list[CriterionOut]


class OtjOut(BaseModel):
    planned_hours: float
    logged_hours: float
    expected_hours: float = Field(description="What the pro-rata plan expects by today")
    status: str = Field(description="not_started, on_track, behind or complete")
    hours_behind: float
    plan_per_week: float
    catch_up_per_week: float | None = Field(description="Hours a week to the planned end that reach the plan")


class ReviewOut(BaseModel):
    sequence: int
    due_on: date
    held_on: date | None


class ApprenticeshipOut(BaseModel):
    id: int
    provider: str
    standard: str
    start_on: date
    planned_end_on: date
    planned_otj_hours: float
    epa_gateway_on: date | None
    status: str
    otj: OtjOut
    reviews: list[ReviewOut]


class RecordOut(BaseModel):
    id: int
    person: Named
    organisation: Named
    pathway: PathwayOut
    status: str
    stage: StageOut
    target: StageOut | None
    readiness: ReadinessOut | None
    apprenticeship: ApprenticeshipOut | None


class ProgressionOut(BaseModel):
    records: list[RecordOut]


class OtjIn(BaseModel):
    occurred_on: date
    hours: Decimal = Field(gt=0, le=24, description="Hours, to the nearest quarter hour",
                           **stated(multipleOf=0.25))
    activity: str = Field(min_length=1, max_length=500, **stated(pattern=NOT_BLANK))
    evidence_id: DbId | None = Field(default=None, description="One of the apprentice's own evidence items")


class OtjEntryOut(BaseModel):
    id: int
    occurred_on: date
    hours: float
    activity: str
    evidence_id: int | None
    otj: OtjOut


def _otj(otj: OtjProgress) -> OtjOut:
    return OtjOut(planned_hours=float(otj.planned_hours), logged_hours=float(otj.logged_hours),
                  expected_hours=float(otj.expected_hours), status=otj.status.value,
                  hours_behind=float(otj.hours_behind), plan_per_week=float(otj.plan_per_week),
                  catch_up_per_week=float(otj.catch_up_per_week) if otj.catch_up_per_week is not None else None)


def _apprenticeship(a: Apprenticeship, otj: OtjProgress) -> ApprenticeshipOut:
    return ApprenticeshipOut(
        id=a.id, provider=a.provider, standard=a.standard, start_on=a.start_on, planned_end_on=a.planned_end_on,
        planned_otj_hours=a.planned_otj_hours, epa_gateway_on=a.epa_gateway_on, status=a.status.value,
        otj=_otj(otj), reviews=[ReviewOut(sequence=r.sequence, due_on=r.due_on, held_on=r.held_on) for r in a.reviews])


def _record(p: RecordProgress) -> RecordOut:
    r = p.readiness
    readiness = None
    if r is not None:
        readiness = ReadinessOut(
            step=p.step.code, title=p.step.title, met=r.met_count, total=r.total, percent=r.percent,
            is_ready_for_panel=r.is_ready_for_panel, is_ready=r.is_ready,
            criteria=[CriterionOut(code=c.code, kind=c.kind, title=c.criterion.title, is_met=c.is_met, done=c.done,
                                   needed=c.needed, summary=c.summary, missing=list(c.missing),
                                   missing_capabilities=[MissingCapabilityOut(code=m.code, uuid=m.uuid,
                                                                       statement=m.statement)
                                                         for m in c.missing_capabilities])
                      for c in r.results])
    record = p.record
    return RecordOut(
        id=record.id, person=Named(id=record.user.id, name=record.user.display_name),
        organisation=Named(id=record.organisation.id, name=record.organisation.name),
        pathway=PathwayOut(slug=p.pathway.slug, version=p.pathway.version, title=p.pathway.title),
        status=record.status.value, stage=StageOut(code=p.stage.code, name=p.stage.name),
        target=StageOut(code=p.target.code, name=p.target.name) if p.target else None, readiness=readiness,
        apprenticeship=_apprenticeship(p.apprenticeship, p.otj) if p.apprenticeship else None)


def _answer(records) -> dict:
    progress = queries.progress_for(records, local_today())
    return ProgressionOut(records=[_record(p) for p in progress]).model_dump(mode="json")


@api_route("/me/progression", summary="My progression pathways and readiness for each next step",
           tag="progression", response=ProgressionOut)
def get_my_progression():
    return _answer(queries.records_for_user(api_user().id))


@api_route("/people/<int:person_id>/progression", summary="A person's progression at organisations you lead",
           tag="progression", response=ProgressionOut, errors=(403, 404))
def get_person_progression(person_id: int):
    viewer = api_user()
    person = db.session.get(User, person_id)
    if person is None or not can_see_person(viewer, person):
        raise ProblemError(404, "Not found", "There is no such person among your organisations.")
    if person.id == viewer.id:
        return _answer(queries.records_for_user(person.id))
    org_ids = policies.lead_org_ids(viewer)
    if not org_ids & {m.organisation_id for m in person.memberships if m.is_active}:
        raise ProblemError(403, "Forbidden", "Only leads of the person's organisation can read their progression.")
    return _answer(queries.records_for_user(person.id, org_ids))


@api_route("/apprenticeships/<int:apprenticeship_id>/otj", "POST", summary="Log off-the-job training hours",
           tag="progression", body=OtjIn, response=OtjEntryOut, status=201, errors=(403, 404, 409))
def post_otj_entry(apprenticeship_id: int):
    viewer = api_user()
    apprenticeship = queries.apprenticeship_detail(apprenticeship_id)
    if apprenticeship is None or not policies.can_view_apprenticeship(viewer, apprenticeship):
        raise ProblemError(404, "Not found", "There is no such apprenticeship among your records.")
    body = parse_body(OtjIn)
    today = local_today()
    entry = apprenticeships.log_otj(apprenticeship, occurred_on=body.occurred_on, hours=body.hours,
                                    activity=body.activity, evidence_id=body.evidence_id, by=viewer, today=today)
    db.session.commit()
    db.session.refresh(apprenticeship)
    otj = queries.apprenticeship_otj(apprenticeship, today)
    return OtjEntryOut(id=entry.id, occurred_on=entry.occurred_on, hours=entry.hours, activity=entry.activity,
                       evidence_id=entry.evidence_id, otj=_otj(otj)).model_dump(mode="json"), 201
