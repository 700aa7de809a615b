"""Evidence over the API: log it, read it, attach files."""
from __future__ import annotations

from datetime import date
from typing import Annotated

from flask import current_app, request
from pydantic import BaseModel, Field

from competency.blueprints.api.blueprint import ProblemError, api_user, parse_body
from competency.blueprints.api.fields import NOT_BLANK, UUID_PATTERN, required_when, stated
from competency.blueprints.api.openapi import api_route
from competency.errors import DomainError
from competency.evidence import queries, services
from competency.evidence.services import MAX_TEXT, MAX_TITLE
from competency.evidence.models import Attachment, Evidence, EvidenceKind, FeedbackSource
from competency.evidence.policies import can_view_evidence
from competency.extensions import db


class EvidenceIn(BaseModel):
    # Feedback says who gave it; nothing else does (the rules feedback_source_required / _not_feedback).
    model_config = {"json_schema_extra": {"allOf": [{
        **required_when("kind", EvidenceKind.feedback.value, "feedback_source", {"type": "string"}),
        "else": {"properties": {"feedback_source": {"type": "null"}}},
    }]}}

    kind: EvidenceKind
    title: str = Field(max_length=MAX_TITLE, **stated(pattern=NOT_BLANK))
    occurred_on: date = Field(description="Not in the future.")
    text: str = Field(default="", max_length=MAX_TEXT)
    what_happened: str | None = Field(default=None, max_length=MAX_TEXT)
    so_what: str | None = Field(default=None, max_length=MAX_TEXT)
    now_what: str | None = Field(default=None, max_length=MAX_TEXT)
    feedback_source: FeedbackSource | None = Field(
        default=None, description="Required for feedback: person_served, carer or colleague.")
    capability_ids: list[Annotated[str, Field(pattern=UUID_PATTERN)]] = Field(
        default_factory=list, description="Stable capability identifiers (UUIDs).")


class AttachmentOut(BaseModel):
    id: int
    filename: str
    media_type: str
    size_bytes: int
    sha256: str


class EvidenceOut(BaseModel):
    id: int
    owner_id: int
    kind: str
    title: str
    occurred_on: str
    text: str
    what_happened: str | None
    so_what: str | None
    now_what: str | None
    feedback_source: str | None
    capability_ids: list[str]
    is_frozen: bool
    content_hash: str
    attachments: list[AttachmentOut]


def attachment_out(attachment: Attachment) -> AttachmentOut:
    return AttachmentOut(id=attachment.id, filename=attachment.filename, media_type=attachment.media_type,
                         size_bytes=attachment.size_bytes, sha256=attachment.sha256)


def evidence_out(evidence: Evidence) -> dict:
    return EvidenceOut(
        id=evidence.id, owner_id=evidence.owner_id, kind=evidence.kind.value, title=evidence.title,
        occurred_on=evidence.occurred_on.isoformat(), text=evidence.text, what_happened=evidence.what_happened,
        so_what=evidence.so_what, now_what=evidence.now_what,
        feedback_source=evidence.feedback_source.value if evidence.feedback_source else None,
        capability_ids=sorted(evidence.capability_uuids), is_frozen=evidence.is_frozen,
        content_hash=evidence.content_hash(), attachments=[attachment_out(a) for a in evidence.attachments],
    ).model_dump()


def visible_evidence(evidence_id: int) -> Evidence:
    evidence = queries.load_evidence(evidence_id)
    if evidence is None or not can_view_evidence(api_user(), evidence):
        raise ProblemError(404, "Not found", "No evidence with that id is visible to you.")
    return evidence


@api_route("/evidence", "POST", summary="Log a piece of evidence", tag="evidence", body=EvidenceIn,
           response=EvidenceOut, status=201)
def create_evidence():
    data = parse_body(EvidenceIn)
    evidence = services.create_evidence(
        api_user(), kind=data.kind, title=data.title, occurred_on=data.occurred_on, text=data.text,
        what_happened=data.what_happened, so_what=data.so_what, now_what=data.now_what,
        feedback_source=data.feedback_source, capability_uuids=data.capability_ids)
    db.session.commit()
    return evidence_out(evidence), 201


@api_route("/evidence/<int:evidence_id>", summary="One piece of evidence (the owner's, or cited in a request you "
           "review)", tag="evidence", response=EvidenceOut, errors=(404,))
def get_evidence(evidence_id: int):
    return evidence_out(visible_evidence(evidence_id))


@api_route("/evidence/<int:evidence_id>/files", "POST", summary="Attach a file (checked by content and size)",
           tag="evidence", multipart={"file": "binary"}, response=AttachmentOut, status=201,
           errors=(403, 404, 409))
def upload_evidence_file(evidence_id: int):
    evidence = visible_evidence(evidence_id)
    if evidence.owner_id != api_user().id:
        raise ProblemError(403, "Forbidden", "Only the owner can add files to evidence.", rule="not_owner")
    upload = request.files.get("file")
    if upload is None:
        raise DomainError("Send the file as multipart/form-data in a field named 'file'.", rule="upload_missing",
                          field="file")
    data = upload.stream.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
    attachment = services.add_attachment(evidence, api_user(), filename=upload.filename, data=data)
    db.session.commit()
    return attachment_out(attachment).model_dump(), 201
