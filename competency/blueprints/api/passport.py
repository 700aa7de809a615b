"""Passport API: my bundle, share links, and verifying credentials (no account needed)."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import request
from pydantic import BaseModel, Field, SkipValidation

from competency.blueprints.api.fields import DbId
from competency.blueprints.api.blueprint import ProblemError, api_user, parse_body
from competency.blueprints.api.openapi import api_route
from competency.extensions import db, limiter
from competency.passport import issuing, queries, sharing
from competency.passport.verifying import UnreadableUpload, check_payload, payload_from_share_url


INDEX_CONTEXT = {"competency": "urn:competency:passport#", "competency:credentialIndex": {"@type": "@json"}}


class PassportOut(BaseModel):
    """A W3C Verifiable Presentation carrying each credential unchanged, each with its issuer's proof."""

    model_config = {"extra": "allow"}


class ShareIn(BaseModel):
    credential_ids: list[DbId] = Field(min_length=1, max_length=1000,
                                       description="Ids from GET /me/passport's credential list")
    expires_on: date | None = Field(default=None, description="Default: 30 days from today")
    note: str = Field(default="", max_length=500)


class ShareOut(BaseModel):
    id: int
    url: str
    expires_on: str
    note: str
    credential_ids: list[int]


class VerifyIn(BaseModel):
    """One of: a credential, a bundle (Verifiable Presentation) or a share URL."""

    model_config = {"extra": "allow"}
    # Checked by the verifier itself (shape limits, then the proof); not copied through pydantic.
    credential: SkipValidation[dict[str, Any] | None] = None
    bundle: SkipValidation[dict[str, Any] | None] = None
    share_url: str | None = Field(default=None, max_length=500)


class VerifyResultOut(BaseModel):
    outcome: str = Field(description="valid | not_valid | could_not_check")
    label: str
    explanation: str
    reasons: list[str]
    checks: list[dict[str, Any]]
    credential_id: str | None
    name: str | None
    issuer: dict[str, Any]
    summary: dict[str, Any] = Field(description=(
        "What the credential states: kind, holder_name, achievement, capability_code, pillar, level, assessor, "
        "assessor_registration, awarded_on, and assessing_organisation ({id, name, is_issuer}: the assessor's "
        "own organisation, read from the signed statements; null when not stated or the signature fails)."))


class VerifyOut(BaseModel):
    results: list[VerifyResultOut]


@api_route("/me/passport", summary="My passport as a JSON bundle (Verifiable Presentation)", tag="passport",
           response=PassportOut)
def get_my_passport():
    user = api_user()
    if issuing.ensure_issued(user, by=user):
        db.session.commit()
    credentials = queries.holder_credentials(user.id)
    bundle = sharing.bundle(credentials)
    # Where each credential sits in the bundle, with the id to use when sharing it.
    bundle_index = [{"id": c.id, "credential_id": c.credential_uri, "name": c.name, "issuer": c.issuer_name,
                     "origin": c.origin.value} for c in credentials]
    # The index is plain JSON for API clients; declared a JSON literal so the bundle stays valid JSON-LD
    # (as a node, its numeric "id" would be an invalid @id).
    context = [*bundle["@context"], INDEX_CONTEXT]
    return {**bundle, "@context": context, "competency:credentialIndex": bundle_index}


@api_route("/me/passport/shares", "POST", summary="Create a share link for some of my credentials",
           tag="passport", body=ShareIn, response=ShareOut, status=201)
def create_passport_share():
    user = api_user()
    body = parse_body(ShareIn)
    share, token = sharing.create_share(user, body.credential_ids, expires_on=body.expires_on, note=body.note)
    db.session.commit()
    return ShareOut(id=share.id, url=sharing.share_url(token), expires_on=share.expires_on.isoformat(),
                    note=share.note, credential_ids=[c.id for c in share.credentials]).model_dump(), 201


@api_route("/me/passport/shares/<int:share_id>", "DELETE", summary="Withdraw one of my share links",
           tag="passport", status=204, errors=(404,))
def delete_passport_share(share_id: int):
    user = api_user()
    share = queries.share_of(user.id, share_id)
    if share is None:
        raise ProblemError(404, "Not found", "You have no share link with that id.")
    sharing.revoke_share(share, by=user)
    db.session.commit()
    return "", 204


@api_route("/verify", "POST", summary="Verify a credential, a bundle or a share URL", tag="passport",
           body=VerifyIn, response=VerifyOut, auth=False)
@limiter.limit("60 per minute")
def verify_credentials():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ProblemError(400, "Invalid request", "Send a JSON object: a credential, a bundle, "
                                                   "or {\"share_url\": \"...\"}.")
    body = VerifyIn.model_validate(data)
    try:
        if body.credential is not None and not isinstance(body.credential, dict) or \
                body.bundle is not None and not isinstance(body.bundle, dict):
            raise UnreadableUpload("\"credential\" and \"bundle\" must be JSON objects.")
        if body.share_url:
            payload = payload_from_share_url(body.share_url)
        elif body.credential is not None or body.bundle is not None:
            payload = body.credential if body.credential is not None else body.bundle
        else:
            payload = data  # the credential or bundle itself
        results = check_payload(payload)
    except UnreadableUpload as error:
        title = "Too large to verify" if error.status == 413 else "Nothing to verify"
        raise ProblemError(error.status, title, error.message) from None
    db.session.commit()
    return {"results": [result.to_json() for result in results]}
