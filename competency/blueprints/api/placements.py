"""Placements over the API: list, read, set up at a host and end early.

The same rules, scoping and audit as the /placements pages: a placement is seen by the
learner, the named supervisor and the leads and administrators of the host and of the home
organisation; anyone else gets 404. The host's leads and administrators set placements up;
those of the host or the home organisation can end one early.
"""
from __future__ import annotations

from datetime import date
from typing import Literal

from flask import current_app, request
from pydantic import BaseModel, Field

from competency.accounts.models import User
from competency.accounts.services import find_user_by_email
from competency.blueprints.api.blueprint import ProblemError, api_user, parse_body
from competency.blueprints.api.grants import OrgRefOut, PersonRefOut, managed_organisation, org_ref, \
    other_organisation, person_ref
from competency.blueprints.api.openapi import api_route
from competency.errors import PermissionDenied
from competency.extensions import db
from competency.grants.standing import uk_today
from competency.placements import queries, services
from competency.placements.models import LearnerKind, Placement
from competency.placements.policies import can_manage_placement
from competency.reminders.dispatch import dispatch_outbox


class PlacementIn(BaseModel):
    model_config = {"extra": "forbid"}

    organisation_id: int | None = Field(default=None, description="The host (an organisation you lead or "
                                                                  "administer); needed only if you manage several.")
    email: str = Field(min_length=3, max_length=254, description="The address the learner signs in with.")
    learner_kind: Literal["student", "apprentice"]
    home_organisation_id: int | None = Field(default=None, description="The education provider (students) or "
                                                                       "employer (apprentices) the learner comes from.")
    home_organisation_slug: str | None = Field(default=None, max_length=64,
                                               description="Instead of home_organisation_id.")
    supervisor_id: int = Field(description="A registered preceptor or lead at the host.")
    starts_on: date
    ends_on: date = Field(description="Included; at most 2 years after starts_on, and not already past.")
    note: str = Field(default="", max_length=2000)


class PlacementEndIn(BaseModel):
    model_config = {"extra": "forbid"}

    reason: str = Field(max_length=2000)


class PlacementOut(BaseModel):
    id: int
    status: str = Field(description="current, not started, finished or ended early, as of today (UK)")
    learner: PersonRefOut
    learner_kind: str
    host_organisation: OrgRefOut
    home_organisation: OrgRefOut
    supervisor: PersonRefOut
    starts_on: date
    ends_on: date
    note: str
    created_by_id: int
    created_at: str
    ended_at: str | None
    ended_by_id: int | None
    end_reason: str | None


class PlacementListOut(BaseModel):
    items: list[PlacementOut]
    page: int
    pages: int
    total: int


def _out(p: Placement) -> PlacementOut:
    return PlacementOut(
        id=p.id, status=p.status_on(uk_today()), learner=person_ref(p.learner), learner_kind=p.learner_kind.value,
        host_organisation=org_ref(p.host_organisation), home_organisation=org_ref(p.home_organisation),
        supervisor=person_ref(p.supervisor), starts_on=p.starts_on, ends_on=p.ends_on, note=p.note,
        created_by_id=p.created_by_id, created_at=p.created_at.isoformat(),
        ended_at=p.ended_at.isoformat() if p.ended_at else None, ended_by_id=p.ended_by_id, end_reason=p.end_reason)


def _visible(placement_id: int) -> Placement:
    placement = queries.placement_for(api_user(), placement_id)
    if placement is None:
        raise ProblemError(404, "Not found", "No placement with that id is visible to you.")
    return placement


@api_route("/placements", summary="Placements you are on, supervise, or that your organisations host or send",
           tag="workforce", response=PlacementListOut, query=(("page", "integer", "Page number, from 1 (50 a page)"),))
def list_placements():
    page = db.paginate(queries.visible_placements_query(api_user()), per_page=current_app.config["API_PAGE_SIZE"],
                       error_out=False, page=request.args.get("page", 1, type=int))
    return PlacementListOut(items=[_out(p) for p in page.items], page=page.page, pages=page.pages,
                            total=page.total).model_dump(mode="json")


@api_route("/placements/<int:placement_id>", summary="A placement you may see", tag="workforce",
           response=PlacementOut, errors=(404,))
def get_placement(placement_id: int):
    return _out(_visible(placement_id)).model_dump(mode="json")


@api_route("/placements", "POST", summary="Set up a student's or apprentice's placement at your organisation",
           tag="workforce", body=PlacementIn, response=PlacementOut, status=201, errors=(403, 404, 409))
def create_placement():
    user = api_user()
    body = parse_body(PlacementIn)
    host = managed_organisation(user, body.organisation_id, "set up placements")
    home = other_organisation(body.home_organisation_id, body.home_organisation_slug, "home_organisation",
                              services.PlacementError, "placement_home")
    learner = find_user_by_email(body.email)
    if learner is None:  # the same answer as for someone who does not belong to the home organisation
        raise services.PlacementError(f"No active account with that e-mail address belongs to {home.name}.",
                                      field="email", rule="placement_learner")
    supervisor = db.session.get(User, body.supervisor_id)
    if supervisor is None:
        raise services.PlacementError(f"The supervisor must be a registered preceptor or lead at {host.name}.",
                                      field="supervisor_id", rule="placement_supervisor")
    placement = services.create_placement(
        learner=learner, learner_kind=LearnerKind(body.learner_kind), host=host, home=home, supervisor=supervisor,
        starts_on=body.starts_on, ends_on=body.ends_on, note=body.note, by=user, on=uk_today())
    db.session.commit()
    dispatch_outbox()
    return _out(_visible(placement.id)).model_dump(mode="json"), 201


@api_route("/placements/<int:placement_id>/end", "POST", summary="End a placement early, with a reason",
           tag="workforce", body=PlacementEndIn, response=PlacementOut, errors=(403, 404, 409))
def end_placement(placement_id: int):
    user = api_user()
    placement = _visible(placement_id)
    if not can_manage_placement(user, placement):
        raise PermissionDenied("Only a lead or administrator of the host or home organisation can end a placement.",
                               rule="not_allowed_to_end")
    body = parse_body(PlacementEndIn)
    services.end_placement(placement, reason=body.reason, by=user)
    db.session.commit()
    dispatch_outbox()
    return _out(_visible(placement_id)).model_dump(mode="json")
