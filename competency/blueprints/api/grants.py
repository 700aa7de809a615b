"""Grants of assessing and precepting rights over the API: list, read, make and revoke.

The same rules, scoping and audit as the /grants pages (the same services and predicates):
a grant the caller may not see answers 404 whichever way it is hidden; one they see but may
not revoke answers 403. A lead or administrator names the grantee by e-mail address and
organisation, because nobody can list another organisation's people; an unknown address
gets the same answer as one at another organisation.
"""
from __future__ import annotations

from datetime import date
from typing import Literal

import sqlalchemy as sa
from flask import current_app, request
from pydantic import BaseModel, Field

from competency.accounts.models import Organisation, OrgKind, User
from competency.accounts.services import find_user_by_email
from competency.blueprints.api.blueprint import ProblemError, api_user, parse_body
from competency.blueprints.api.openapi import api_route
from competency.errors import DomainError, NotFound, PermissionDenied
from competency.extensions import db
from competency.grants import queries, services
from competency.grants.models import Grant, GrantKind
from competency.grants.policies import can_manage_grants
from competency.grants.standing import uk_today
from competency.reminders.dispatch import dispatch_outbox
from competency.routing import db_int
from competency.signoff.capabilities import capabilities_by_uuid

CODES = Field(default_factory=list, max_length=200)


class OrgRefOut(BaseModel):
    id: int
    name: str


class PersonRefOut(BaseModel):
    id: int
    display_name: str


class GrantIn(BaseModel):
    model_config = {"extra": "forbid"}

    kind: Literal["assessor", "trained_assessor", "preceptor"] = Field(
        description="assessor: a registered practitioner from another organisation signs off capabilities; "
                    "trained_assessor: a trained (possibly unregistered) assessor signs off support-level "
                    "capabilities; preceptor: a registered practitioner from another organisation may be named "
                    "preceptor.")
    organisation_id: int | None = Field(default=None, description="The granting organisation (one you lead or "
                                                                  "administer); needed only if you manage several.")
    email: str = Field(min_length=3, max_length=254, description="The address the grantee signs in with.")
    grantee_organisation_id: int | None = Field(default=None, description="The organisation the grantee works "
                                                                          "for, named in the passport.")
    grantee_organisation_slug: str | None = Field(default=None, max_length=64,
                                                  description="Instead of grantee_organisation_id.")
    starts_on: date = Field(description="Today or later: grants are never backdated.")
    ends_on: date = Field(description="Included; at most 3 years after starts_on.")
    reason: str = Field(max_length=2000)
    pillar_codes: list[str] = CODES
    level_codes: list[str] = CODES
    capability_codes: list[str] = Field(default_factory=list, max_length=200, description="For example PP-CON-01.")
    person_ids: list[int] = Field(default_factory=list, max_length=200,
                                  description="Practitioners of the granting organisation; empty means everyone.")
    training_course: str | None = Field(default=None, max_length=200, description="Trained assessors: required.")
    training_completed_on: date | None = Field(default=None, description="Trained assessors: required.")


class GrantRevokeIn(BaseModel):
    model_config = {"extra": "forbid"}

    reason: str = Field(max_length=2000)


class GrantOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    status: str = Field(description="active, not started, ended or revoked, as of today (UK)")
    granting_organisation: OrgRefOut
    is_regional: bool = Field(description="Made by a regional body: covers every organisation of its region.")
    grantee: PersonRefOut
    grantee_organisation: OrgRefOut
    starts_on: date
    ends_on: date
    pillar_codes: list[str]
    level_codes: list[str]
    capability_ids: list[str]
    capability_codes: list[str]
    person_ids: list[int]
    reason: str
    training_course: str | None
    training_completed_on: date | None
    granted_by_id: int
    created_at: str
    revoked_at: str | None
    revoked_by_id: int | None
    revocation_reason: str | None


class GrantListOut(BaseModel):
    items: list[GrantOut]
    page: int
    pages: int
    total: int


def org_ref(organisation: Organisation) -> OrgRefOut:
    return OrgRefOut(id=organisation.id, name=organisation.name)


def person_ref(person: User) -> PersonRefOut:
    return PersonRefOut(id=person.id, display_name=person.display_name)


def _grants_out(grants: list[Grant]) -> list[GrantOut]:
    codes = {u: c.code for u, c in capabilities_by_uuid({u for g in grants for u in g.capability_uuids}).items()}
    today = uk_today()
    return [GrantOut(
        id=g.id, kind=g.kind.value, kind_label=g.kind_label, status=g.status_on(today),
        granting_organisation=org_ref(g.granting_organisation), is_regional=g.is_regional,
        grantee=person_ref(g.grantee), grantee_organisation=org_ref(g.grantee_organisation),
        starts_on=g.starts_on, ends_on=g.ends_on, pillar_codes=g.pillar_codes, level_codes=g.level_codes,
        capability_ids=g.capability_uuids, capability_codes=[codes.get(u, u) for u in g.capability_uuids],
        person_ids=g.person_ids, reason=g.reason, training_course=g.training_course,
        training_completed_on=g.training_completed_on, granted_by_id=g.granted_by_id,
        created_at=g.created_at.isoformat(), revoked_at=g.revoked_at.isoformat() if g.revoked_at else None,
        revoked_by_id=g.revoked_by_id, revocation_reason=g.revocation_reason) for g in grants]


def managed_organisation(user: User, organisation_id: int | None, what: str) -> Organisation:
    """The organisation ``user`` leads or administers that the request is for.

    :raises NotFound: ``organisation_id`` is not one of theirs (not revealed); :raises PermissionDenied:
        they manage none; :raises DomainError: they manage several and did not say which.
    """
    managed = queries.managed_organisations(user)
    if organisation_id is not None:
        chosen = next((o for o in managed if o.id == organisation_id), None)
        if chosen is None:
            raise NotFound(f"No organisation {organisation_id} that you lead or administer.", field="organisation_id")
        return chosen
    if not managed:
        raise PermissionDenied(f"Only a lead or administrator can {what}.")
    if len(managed) > 1:
        raise DomainError("You lead or administer more than one organisation: give organisation_id.",
                          field="organisation_id", rule="organisation_needed")
    return managed[0]


def other_organisation(organisation_id: int | None, slug: str | None, field: str, error: type[DomainError],
                       rule: str) -> Organisation:
    """An organisation people work for (never a regional body), by id or slug."""
    if organisation_id is None and not slug:
        raise error(f"Give {field}_id (or {field}_slug).", field=f"{field}_id", rule=rule)
    organisation = db.session.get(Organisation, organisation_id) if organisation_id is not None else \
        db.session.scalar(sa.select(Organisation).where(Organisation.slug == slug.strip()))
    if organisation is None or organisation.kind == OrgKind.regional_body:
        raise error("No organisation that people work for has that identifier.", field=f"{field}_id", rule=rule)
    return organisation


def _visible(grant_id: int) -> Grant:
    grant = queries.grant_for(api_user(), grant_id)
    if grant is None:
        raise ProblemError(404, "Not found", "No grant with that id is visible to you.")
    return grant


@api_route("/grants", summary="Grants you hold or that your organisations (or their region) made, newest first",
           tag="workforce", response=GrantListOut, query=(
               ("page", "integer", "Page number, from 1 (50 a page)"),
               ("organisation_id", "integer", "Only grants made by this organisation"),
               ("held", "boolean", "true: only grants you hold")), errors=(400,))
def list_grants():
    user = api_user()
    query = queries.visible_grants_query(user)
    raw_organisation = request.args.get("organisation_id")
    if raw_organisation is not None:
        try:
            organisation_id = db_int(raw_organisation)
        except ValueError:
            raise ProblemError(400, "Invalid request", "organisation_id must be an organisation's id: a whole "
                                                       "number from 0 to 2147483647.") from None
        query = query.where(Grant.granting_organisation_id == organisation_id)
    if request.args.get("held", "").lower() in ("true", "1", "yes"):
        query = query.where(Grant.grantee_id == user.id)
    page = db.paginate(query, per_page=current_app.config["API_PAGE_SIZE"], error_out=False,
                       page=request.args.get("page", 1, type=int))
    return GrantListOut(items=_grants_out(list(page.items)), page=page.page, pages=page.pages,
                        total=page.total).model_dump(mode="json")


@api_route("/grants/<int:grant_id>", summary="A grant you hold or your organisation made", tag="workforce",
           response=GrantOut, errors=(404,))
def get_grant(grant_id: int):
    return _grants_out([_visible(grant_id)])[0].model_dump(mode="json")


@api_route("/grants", "POST", summary="Grant someone from another organisation (or a trained assessor) the right "
                                      "to assess or precept your organisation's people", tag="workforce",
           body=GrantIn, response=GrantOut, status=201, errors=(403, 404))
def create_grant():
    user = api_user()
    body = parse_body(GrantIn)
    granting = managed_organisation(user, body.organisation_id, "grant rights over an organisation's people")
    grantee_organisation = other_organisation(body.grantee_organisation_id, body.grantee_organisation_slug,
                                              "grantee_organisation", services.GrantError, "grantee_organisation")
    grantee = find_user_by_email(body.email)
    if grantee is None:  # the same answer as for someone at another organisation
        raise services.GrantError(f"No active account with that e-mail address belongs to "
                                  f"{grantee_organisation.name}.", field="email", rule="grantee_organisation")
    grant = services.create_grant(
        kind=GrantKind(body.kind), granting=granting, grantee=grantee, grantee_organisation=grantee_organisation,
        starts_on=body.starts_on, ends_on=body.ends_on, reason=body.reason, by=user, on=uk_today(),
        pillar_codes=body.pillar_codes, level_codes=body.level_codes, capability_codes=body.capability_codes,
        person_ids=body.person_ids, training_course=body.training_course,
        training_completed_on=body.training_completed_on)
    db.session.commit()
    dispatch_outbox()
    return _grants_out([queries.grant_for(user, grant.id)])[0].model_dump(mode="json"), 201


@api_route("/grants/<int:grant_id>/revoke", "POST", summary="Revoke a grant now, with a reason (sign-offs already "
                                                            "made stand)", tag="workforce",
           body=GrantRevokeIn, response=GrantOut, errors=(403, 404, 409))
def revoke_grant(grant_id: int):
    user = api_user()
    grant = _visible(grant_id)
    if not can_manage_grants(user, grant.granting_organisation_id):
        raise PermissionDenied("Only a lead or administrator of the organisation that made the grant can revoke it.",
                               rule="not_allowed_to_revoke")
    body = parse_body(GrantRevokeIn)
    services.revoke_grant(grant, reason=body.reason, by=user)
    db.session.commit()
    dispatch_outbox()
    return _grants_out([_visible(grant_id)])[0].model_dump(mode="json")
