"""Who am I, the OpenAPI document, and service health."""
from __future__ import annotations

from flask import current_app, jsonify
from pydantic import BaseModel

from competency.blueprints.api.blueprint import api_user
from competency.blueprints.api.openapi import api_route, build_spec


class MembershipOut(BaseModel):
    organisation_id: int
    organisation: str
    role: str


class EmploymentOut(BaseModel):
    organisation_id: int
    role_title: str
    level_code: str
    band_label: str | None
    start_on: str
    end_on: str | None
    fte: float


class MeOut(BaseModel):
    id: int
    email: str
    display_name: str
    profession: str | None
    registration_body: str | None
    registration_number: str | None
    memberships: list[MembershipOut]
    employments: list[EmploymentOut]


@api_route("/me", summary="The signed-in person, their roles and employment", tag="accounts", response=MeOut)
def get_me():
    user = api_user()
    return MeOut(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        profession=user.profession,
        registration_body=user.registration_body,
        registration_number=user.registration_number,
        memberships=[
            MembershipOut(organisation_id=m.organisation_id, organisation=m.organisation.name, role=m.role.value)
            for m in user.memberships if m.is_active
        ],
        employments=[
            EmploymentOut(
                organisation_id=e.organisation_id, role_title=e.role_title, level_code=e.level_code,
                band_label=e.band_label, start_on=e.start_on.isoformat(),
                end_on=e.end_on.isoformat() if e.end_on else None, fte=e.fte,
            )
            for e in user.employments
        ],
    ).model_dump()


@api_route("/openapi.json", summary="This OpenAPI 3.1 document", tag="meta", auth=False)
def openapi_document():
    return jsonify(build_spec(current_app.config["BASE_URL"].rstrip("/") + "/api/v1"))
