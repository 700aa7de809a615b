"""Recording evidence and attaching files. Services flush, never commit."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import nh3
import sqlalchemy as sa
from flask import current_app

from competency.accounts.models import User
from competency.db import utcnow
from competency.errors import DomainError, PermissionDenied
from competency.evidence import storage as storage_module
from competency.evidence.immutability import EvidenceFrozen, frozen_message
from competency.evidence.models import Attachment, Evidence, EvidenceCapability, EvidenceKind, FeedbackSource
from competency.evidence.uploads import check_upload
from competency.extensions import db

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote"}
MAX_TEXT = 20_000
MAX_TITLE = 200
MAX_ATTACHMENTS = 20
# Nobody's working life has evidence older than this; an earlier year is a typing slip (1899, 0026).
EARLIEST_EVIDENCE_DATE = date(1950, 1, 1)


def sanitise(text: str | None) -> str:
    """Keep a few formatting tags and drop everything else (scripts, attributes, links)."""
    if not text:
        return ""
    cleaned = nh3.clean(text.replace("\r\n", "\n"), tags=ALLOWED_TAGS, attributes={}, url_schemes=set())
    return cleaned.strip()


def _optional(text: str | None) -> str | None:
    cleaned = sanitise(text)
    return cleaned or None


def _check_owner(evidence: Evidence, actor: User) -> None:
    if evidence.owner_id != actor.id:
        raise PermissionDenied("Only the person who logged this evidence can change it.", rule="not_owner")


def _check_editable(evidence: Evidence) -> None:
    if evidence.is_frozen:
        raise EvidenceFrozen(frozen_message(evidence))


def _validate(kind: EvidenceKind, title: str, occurred_on: date | None, text: str, reflection: tuple,
              feedback_source: FeedbackSource | None, today: date) -> None:
    if not (title or "").strip():
        raise DomainError("Enter a title for this evidence.", rule="title_required", field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(f"The title must be {MAX_TITLE} characters or fewer.", rule="title_too_long", field="title")
    if occurred_on is None:
        raise DomainError("Enter the date this happened.", rule="date_required", field="occurred_on")
    if occurred_on > today:
        raise DomainError("The date cannot be in the future.", rule="date_in_future", field="occurred_on")
    if occurred_on < EARLIEST_EVIDENCE_DATE:
        raise DomainError(f"The date must be on or after {EARLIEST_EVIDENCE_DATE.day} {EARLIEST_EVIDENCE_DATE:%B %Y}.",
                          rule="date_implausible", field="occurred_on")
    if kind == EvidenceKind.feedback and feedback_source is None:
        raise DomainError("Say who gave this feedback.", rule="feedback_source_required", field="feedback_source")
    if kind != EvidenceKind.feedback and feedback_source is not None:
        raise DomainError("Only feedback records who gave it.", rule="feedback_source_not_feedback",
                          field="feedback_source")
    if not text and not any(reflection):
        raise DomainError("Write something about this evidence.", rule="text_required", field="text")
    if len(text) > MAX_TEXT or any(len(part or "") > MAX_TEXT for part in reflection):
        raise DomainError(f"Each text must be {MAX_TEXT:,} characters or fewer.", rule="text_too_long", field="text")


def _set_links(evidence: Evidence, capability_uuids: Iterable[str]) -> None:
    from competency.signoff.capabilities import known_capability_uuids

    wanted = {c.strip().lower() for c in capability_uuids if c and c.strip()}
    unknown = wanted - known_capability_uuids(wanted)
    if unknown:
        raise DomainError("One or more capabilities chosen are not in a published framework.",
                          rule="unknown_capability", field="capability_ids")
    current = {link.capability_uuid: link for link in evidence.links}
    for identifier, link in current.items():
        if identifier not in wanted:
            evidence.links.remove(link)
    for identifier in sorted(wanted - set(current)):
        evidence.links.append(EvidenceCapability(capability_uuid=identifier))


def create_evidence(
    owner: User, *, kind: EvidenceKind, title: str, occurred_on: date | None, text: str = "",
    what_happened: str | None = None, so_what: str | None = None, now_what: str | None = None,
    feedback_source: FeedbackSource | None = None, capability_uuids: Iterable[str] = (), today: date | None = None,
) -> Evidence:
    today = today or utcnow().date()
    text = sanitise(text)
    reflection = tuple(_optional(part) for part in (what_happened, so_what, now_what))
    if kind != EvidenceKind.reflection:
        reflection = (None, None, None)
    _validate(kind, title, occurred_on, text, reflection, feedback_source, today)
    evidence = Evidence(owner_id=owner.id, kind=kind, title=title.strip(), occurred_on=occurred_on, text=text,
                        what_happened=reflection[0], so_what=reflection[1], now_what=reflection[2],
                        feedback_source=feedback_source)
    db.session.add(evidence)
    _set_links(evidence, capability_uuids)
    db.session.flush()
    return evidence


def update_evidence(
    evidence: Evidence, actor: User, *, kind: EvidenceKind, title: str, occurred_on: date | None, text: str = "",
    what_happened: str | None = None, so_what: str | None = None, now_what: str | None = None,
    feedback_source: FeedbackSource | None = None, capability_uuids: Iterable[str] | None = None,
    today: date | None = None,
) -> Evidence:
    _check_owner(evidence, actor)
    _check_editable(evidence)
    today = today or utcnow().date()
    text = sanitise(text)
    reflection = tuple(_optional(part) for part in (what_happened, so_what, now_what))
    if kind != EvidenceKind.reflection:
        reflection = (None, None, None)
    _validate(kind, title, occurred_on, text, reflection, feedback_source, today)
    evidence.kind, evidence.title, evidence.occurred_on, evidence.text = kind, title.strip(), occurred_on, text
    evidence.what_happened, evidence.so_what, evidence.now_what = reflection
    evidence.feedback_source = feedback_source
    if capability_uuids is not None:
        _unlinking_cited(evidence, capability_uuids)
        _set_links(evidence, capability_uuids)
    db.session.flush()
    return evidence


def _unlinking_cited(evidence: Evidence, capability_uuids: Iterable[str]) -> None:
    """A pending request relies on this link: refuse to remove it until the request is closed."""
    from competency.signoff.models import RequestState, SignOffRequest, request_evidence

    wanted = {c.strip().lower() for c in capability_uuids if c}
    pending = set(db.session.scalars(
        sa.select(SignOffRequest.capability_uuid).join(request_evidence)
        .where(request_evidence.c.evidence_id == evidence.id, SignOffRequest.state == RequestState.pending)))
    if pending - wanted:
        raise DomainError("This evidence is cited in a sign-off request that is waiting for review, so it must stay "
                          "linked to that capability. Withdraw the request first to unlink it.",
                          rule="evidence_cited_pending", field="capability_ids")


def link_capability(evidence: Evidence, actor: User, capability_uuid: str) -> None:
    """Link one more capability (allowed for frozen evidence too: links are not part of its content)."""
    _check_owner(evidence, actor)
    if capability_uuid.lower() in evidence.capability_uuids:
        return
    _set_links(evidence, evidence.capability_uuids | {capability_uuid})
    db.session.flush()


def add_attachment(evidence: Evidence, actor: User, *, filename: str | None, data: bytes,
                   storage: storage_module.Storage | None = None, max_bytes: int | None = None) -> Attachment:
    """Check the file by name, size and content, store it under a random key, and record it.

    Nothing is written anywhere unless every check passes; if the transaction is
    later rolled back, the stored file is removed again.
    """
    _check_owner(evidence, actor)
    _check_editable(evidence)
    max_bytes = max_bytes if max_bytes is not None else current_app.config["MAX_UPLOAD_BYTES"]
    name, kind = check_upload(filename, data, max_bytes)
    if len(evidence.attachments) >= MAX_ATTACHMENTS:
        raise DomainError(f"A piece of evidence can have at most {MAX_ATTACHMENTS} files.",
                          rule="too_many_attachments", field="file")
    storage = storage or storage_module.get_storage()
    key = storage.save(data)
    storage_module.track_new_file(db.session, storage, key)
    attachment = Attachment(storage_key=key, filename=name, media_type=kind.media_type, size_bytes=len(data),
                            sha256=storage_module.sha256_hex(data), uploaded_by_id=actor.id)
    evidence.attachments.append(attachment)
    db.session.flush()
    return attachment


def remove_attachment(attachment: Attachment, actor: User, storage: storage_module.Storage | None = None) -> None:
    evidence = attachment.evidence
    _check_owner(evidence, actor)
    _check_editable(evidence)
    storage = storage or storage_module.get_storage()
    evidence.attachments.remove(attachment)
    db.session.flush()
    storage_module.delete_after_commit(db.session, storage, attachment.storage_key)


def delete_evidence(evidence: Evidence, actor: User, storage: storage_module.Storage | None = None) -> None:
    """Delete evidence never cited in any sign-off request (cited evidence is part of a record)."""
    from competency.signoff.models import request_evidence

    _check_owner(evidence, actor)
    _check_editable(evidence)
    cited = db.session.scalar(sa.select(sa.func.count()).select_from(request_evidence)
                              .where(request_evidence.c.evidence_id == evidence.id))
    if cited:
        raise DomainError("This evidence is cited in a sign-off request, so it is kept as part of that record.",
                          rule="evidence_cited")
    storage = storage or storage_module.get_storage()
    keys = [a.storage_key for a in evidence.attachments]
    db.session.delete(evidence)
    db.session.flush()
    for key in keys:
        storage_module.delete_after_commit(db.session, storage, key)
