"""Preceptorship programmes over the API: enrol, read, pause, sign reviews, log supervision, check in.

Scoping follows the web pages: an enrolment (or a person named in a request) outside the
caller's organisations answers 404; a visible enrolment the caller may not act on answers 403.
"""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from flask import request
from pydantic import BaseModel, Field

from competency.accounts.models import Organisation, Role, User
from competency.accounts.policies import org_ids_with_role
from competency.blueprints.api.blueprint import ProblemError, api_user, parse_body
from competency.blueprints.api.fields import NOT_BLANK, DbId, stated
from competency.blueprints.api.openapi import api_route
from competency.db import utcnow
from competency.errors import NotFound, PermissionDenied
from competency.extensions import db
from competency.preceptorship import catalogue, logs, policies, queries, reviews, services
from competency.preceptorship.errors import EnrolmentRuleError, TemplateNotFound
from competency.preceptorship.logs import MAX_SESSION_MINUTES
from competency.preceptorship.models import Enrolment, EnrolmentMilestone, PauseReason
from competency.preceptorship.progress import milestone_view, progress_of


class EnrolmentIn(BaseModel):
    practitioner_id: DbId
    template: str = Field(description="A template slug (its newest published version) or 'slug@1.0.0'.",
                          max_length=120, **stated(pattern=NOT_BLANK))
    preceptor_id: DbId
    lead_id: DbId
    start_on: date
    fte: float | None = Field(default=None, gt=0, le=1, description="Defaults to the employment's FTE.")
    organisation_id: DbId | None = Field(default=None, description="Needed only when the practitioner works at "
                                                                   "more than one organisation you lead.")
    preceptor_override_reason: str | None = Field(
        default=None, max_length=1000,
        description="Accept a preceptor registered under 12 months; recorded in the audit log.")


class PauseIn(BaseModel):
    start_on: date
    end_on: date = Field(description="The last day of the pause, included.")
    reason: Literal["sickness", "parental_leave", "other"]
    note: str = Field(default="", max_length=2000)


class SignatureIn(BaseModel):
    """Your own section's fields (optional), then your signature. Preceptee: reflection, goals.
    Preceptor: preceptor_feedback, development_plan, has_concern, concerns. Lead: lead_comments."""

    reflection: str | None = Field(default=None, max_length=20000)
    goals: str | None = Field(default=None, max_length=20000)
    preceptor_feedback: str | None = Field(default=None, max_length=20000)
    development_plan: str | None = Field(default=None, max_length=20000)
    concerns: str | None = Field(default=None, max_length=20000)
    has_concern: bool | None = None
    lead_comments: str | None = Field(default=None, max_length=20000)
    confirm_resign: list[Literal["preceptee", "preceptor", "lead"]] = Field(
        default_factory=list, description="Parties whose signatures you agree will need giving again because of "
                                          "your change; without them such a change answers 409 and lists them.")


class SupervisionIn(BaseModel):
    held_on: date
    minutes: int = Field(gt=0, le=MAX_SESSION_MINUTES)
    topics: str = Field(default="", max_length=500)
    notes: str = Field(default="", max_length=20000)


class CheckinIn(BaseModel):
    checked_on: date | None = Field(default=None, description="Defaults to today.")
    wellbeing: int = Field(ge=1, le=5)
    ratings: dict[str, Annotated[int, Field(strict=True, **stated(minimum=1, maximum=5))]] = Field(
        description="A 1-5 rating for every pillar code the template names.")
    note: str = Field(default="", max_length=5000)
    milestone_code: str | None = None


class SignatureOut(BaseModel):
    party: str
    user_id: int
    signed_at: str


class MilestoneOut(BaseModel):
    code: str
    title: str
    due_on: date
    due_soon_on: date
    status: str = Field(description="upcoming, due_soon, overdue, done, not_required (optional) or closed (the programme ended first)")
    is_required: bool
    completed_on: date | None
    signed_by: list[str] = Field(description="The parties who sign this milestone.")
    awaiting: list[str] = Field(description="Parties whose signature on the current text is still needed.")
    signatures: list[SignatureOut]


class PauseOut(BaseModel):
    id: int
    start_on: date
    end_on: date
    days: int
    reason: str


class TemplateRefOut(BaseModel):
    slug: str
    version: str
    title: str


class EnrolmentOut(BaseModel):
    id: int
    status: str = Field(description="active, paused, completed or withdrawn (paused: a pause covers today)")
    practitioner_id: int
    organisation_id: int
    preceptor_id: int
    lead_id: int
    template: TemplateRefOut
    start_on: date
    fte: float
    outcome: str | None
    completed_on: date | None
    withdrawn_on: date | None
    start_warning: str | None
    next_supervision_due_on: date | None
    warnings: list[str] = Field(default_factory=list)
    milestones: list[MilestoneOut]
    pauses: list[PauseOut]


class SupervisionOut(BaseModel):
    id: int
    enrolment_id: int
    held_on: date
    minutes: int
    topics: str
    recorded_by_id: int
    is_confirmed: bool
    next_supervision_due_on: date | None


class CheckinOut(BaseModel):
    id: int
    enrolment_id: int
    checked_on: date
    wellbeing: int
    ratings: dict[str, int]


def _milestone_out(view) -> MilestoneOut:
    item: EnrolmentMilestone = view.milestone
    return MilestoneOut(
        code=item.code, title=view.title, due_on=item.due_on, due_soon_on=item.due_soon_on, status=view.state.value,
        is_required=item.is_required, completed_on=item.completed_on, signed_by=list(item.definition.signed_by),
        awaiting=view.outstanding,
        signatures=[SignatureOut(party=s.party, user_id=s.user_id, signed_at=s.signed_at.isoformat())
                    for s in view.signed.values()])


def _enrolment_out(enrolment: Enrolment, warnings: list[str] | None = None) -> dict:
    on = queries.today()
    progress = progress_of(enrolment, on, queries.enrolment_evidence_counts(enrolment))
    version = enrolment.template_version
    return EnrolmentOut(
        id=enrolment.id, status=progress.status.value, practitioner_id=enrolment.practitioner_id,
        organisation_id=enrolment.organisation_id, preceptor_id=enrolment.preceptor_id, lead_id=enrolment.lead_id,
        template=TemplateRefOut(slug=version.template.slug, version=version.version, title=version.title),
        start_on=enrolment.start_on, fte=enrolment.fte, outcome=enrolment.outcome.value if enrolment.outcome else None,
        completed_on=enrolment.completed_on, withdrawn_on=enrolment.withdrawn_on,
        start_warning=enrolment.start_warning, next_supervision_due_on=enrolment.next_supervision_due_on,
        warnings=warnings or [], milestones=[_milestone_out(view) for view in progress.milestones],
        pauses=[PauseOut(id=p.id, start_on=p.start_on, end_on=p.end_on, days=p.days, reason=p.reason.value)
                for p in enrolment.pauses],
    ).model_dump(mode="json")


def _visible(enrolment_id: int) -> Enrolment:
    enrolment = queries.enrolment_for(api_user(), enrolment_id, full=True)
    if enrolment is None:
        raise ProblemError(404, "Not found", f"No enrolment {enrolment_id} in your organisations.")
    return enrolment


def _member(user_id: int, organisation_ids: set[int], what: str) -> User:
    person = db.session.get(User, user_id)
    if person is None or not any(m.is_active and m.organisation_id in organisation_ids for m in person.memberships):
        raise NotFound(f"No {what} with id {user_id} in your organisations.", field=f"{what}_id")
    return person


def _organisation_for(body: EnrolmentIn, practitioner: User, lead_orgs: set[int]) -> Organisation:
    if body.organisation_id is not None:
        if body.organisation_id not in lead_orgs:
            raise NotFound(f"No organisation {body.organisation_id} that you lead.", field="organisation_id")
        return db.session.get(Organisation, body.organisation_id)
    candidates = sorted({m.organisation_id for m in practitioner.memberships
                         if m.is_active and m.role == Role.practitioner and m.organisation_id in lead_orgs})
    if len(candidates) != 1:
        raise EnrolmentRuleError("This person works at more than one organisation you lead: give organisation_id.",
                                 field="organisation_id", rule="organisation-needed")
    return db.session.get(Organisation, candidates[0])


@api_route("/enrolments", "POST", summary="Enrol a practitioner on a programme (leads)", tag="programmes",
           body=EnrolmentIn, response=EnrolmentOut, status=201, errors=(403, 404, 409))
def create_enrolment():
    user = api_user()
    body = parse_body(EnrolmentIn)
    lead_orgs = org_ids_with_role(user, Role.lead)
    if not lead_orgs:
        raise PermissionDenied("Only leads enrol people on programmes.")
    practitioner = _member(body.practitioner_id, lead_orgs, "practitioner")
    organisation = _organisation_for(body, practitioner, lead_orgs)
    preceptor = _member(body.preceptor_id, {organisation.id}, "preceptor")
    lead = _member(body.lead_id, {organisation.id}, "lead")
    try:
        template = catalogue.find_published(body.template)
    except TemplateNotFound as error:
        raise EnrolmentRuleError(error.message, field="template", rule="template-published") from None
    result = services.enrol(practitioner=practitioner, template=template, organisation=organisation,
                            preceptor=preceptor, lead=lead, start_on=body.start_on, fte=body.fte,
                            override_reason=body.preceptor_override_reason, by=user, on=queries.today())
    db.session.commit()
    return _enrolment_out(_visible(result.enrolment.id), result.warnings), 201


@api_route("/enrolments/<int:enrolment_id>", summary="An enrolment with its milestones and their due dates",
           tag="programmes", response=EnrolmentOut, errors=(404,))
def get_enrolment(enrolment_id: int):
    return _enrolment_out(_visible(enrolment_id))


@api_route("/enrolments/<int:enrolment_id>/pauses", "POST", summary="Record a pause; later due dates move",
           tag="programmes", body=PauseIn, response=EnrolmentOut, status=201, errors=(403, 404, 409))
def create_enrolment_pause(enrolment_id: int):
    enrolment = _visible(enrolment_id)
    body = parse_body(PauseIn)
    if not policies.can_record_pause(api_user(), enrolment):
        raise PermissionDenied("Only the programme's lead or preceptor can record a pause.")
    services.record_pause(enrolment, start_on=body.start_on, end_on=body.end_on, reason=PauseReason(body.reason),
                          note=body.note, by=api_user(), on=queries.today())
    db.session.commit()
    return _enrolment_out(_visible(enrolment_id)), 201


@api_route("/enrolments/<int:enrolment_id>/milestones/<code>/signatures", "POST",
           summary="Sign a milestone review as your party (optionally updating the review first)",
           tag="programmes", body=SignatureIn, response=MilestoneOut, status=201, errors=(403, 404, 409))
def sign_enrolment_milestone(enrolment_id: int, code: str):
    enrolment = _visible(enrolment_id)
    item = enrolment.milestone(code)
    if item is None:
        raise ProblemError(404, "Not found", f"This programme has no milestone '{code}'.")
    body = SignatureIn.model_validate(request.get_json(silent=True) or {})
    user = api_user()
    if not policies.signing_parties(user, item):
        raise PermissionDenied("You do not sign this milestone.")
    at = utcnow()
    fields = body.model_dump(exclude_none=True, exclude={"confirm_resign"})
    if fields:
        reviews.save_review(item, by=user, at=at,
                            confirmed=set(body.confirm_resign) | policies.signing_parties(user, item), **fields)
    reviews.sign_milestone(item, by=user, at=at, on=queries.today())
    db.session.commit()
    enrolment = _visible(enrolment_id)
    return _milestone_out(milestone_view(enrolment.milestone(code), queries.today(), None)).model_dump(mode="json"), 201


@api_route("/enrolments/<int:enrolment_id>/supervisions", "POST",
           summary="Record a supervision session (preceptee or preceptor; the other confirms)", tag="programmes",
           body=SupervisionIn, response=SupervisionOut, status=201, errors=(403, 404, 409))
def create_supervision(enrolment_id: int):
    enrolment = _visible(enrolment_id)
    body = parse_body(SupervisionIn)
    if not enrolment.party_of(api_user()) & {"preceptee", "preceptor"}:
        raise PermissionDenied("Only the preceptee and their preceptor record supervision.")
    session = logs.record_supervision(enrolment, held_on=body.held_on, minutes=body.minutes, topics=body.topics,
                                      notes=body.notes, by=api_user(), on=queries.today())
    db.session.commit()
    return SupervisionOut(id=session.id, enrolment_id=enrolment.id, held_on=session.held_on, minutes=session.minutes,
                          topics=session.topics, recorded_by_id=session.recorded_by_id,
                          is_confirmed=session.is_confirmed,
                          next_supervision_due_on=enrolment.next_supervision_due_on).model_dump(mode="json"), 201


@api_route("/enrolments/<int:enrolment_id>/checkins", "POST",
           summary="Record a confidence check-in (the preceptee: every pillar and wellbeing, 1-5)",
           tag="programmes", body=CheckinIn, response=CheckinOut, status=201, errors=(403, 404, 409))
def create_checkin(enrolment_id: int):
    enrolment = _visible(enrolment_id)
    body = parse_body(CheckinIn)
    if api_user().id != enrolment.practitioner_id:
        raise PermissionDenied("Only the preceptee records their own confidence check-in.")
    on = queries.today()
    checkin = logs.record_checkin(enrolment, checked_on=body.checked_on or on, wellbeing=body.wellbeing,
                                  ratings=body.ratings, note=body.note, milestone_code=body.milestone_code,
                                  by=api_user(), on=on)
    db.session.commit()
    return CheckinOut(id=checkin.id, enrolment_id=enrolment.id, checked_on=checkin.checked_on,
                      wellbeing=checkin.wellbeing, ratings=checkin.ratings).model_dump(mode="json"), 201



