"""Sign-off as a conversation: messages on a request, and asking for several capabilities at once.

Messages belong to one request and are seen by everyone who may see it; a request
sent again after a return starts a new request (decisions stay immutable), and the
request page joins them into one thread (:func:`competency.signoff.queries.conversation`).

Several capabilities in one go make one request per capability, all or nothing: each
request keeps its own decision, sign-off and "exactly one decision wins" guarantee.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from competency.accounts.models import User
from competency.audit.services import record_event
from competency.db import utcnow
from competency.errors import DomainError, PermissionDenied
from competency.evidence.models import Evidence
from competency.extensions import db
from competency.frameworks.models import Capability
from competency.signoff import notifications
from competency.signoff.capabilities import find_capability
from competency.signoff.models import SignOffMessage, SignOffRequest
from competency.signoff.policies import can_write, may_write
from competency.signoff.rules import RuleBroken
from competency.signoff.services import MAX_COMMENT, request_signoff

# One submission asks for at most this many capabilities (a bounded amount of work per request).
MAX_CAPABILITIES = 20


def post_message(request: SignOffRequest, author: User, body: str, *, at: datetime | None = None) -> SignOffMessage:
    """Add a message to the request's conversation and tell the other side.

    :raises PermissionDenied: the author is neither the practitioner nor someone who may decide it.
    :raises RuleBroken: empty or too long, or the conversation is closed (signed, withdrawn, sent again).
    """
    body = (body or "").strip()
    if not may_write(author, request):
        raise PermissionDenied("Only the person who asked, and the reviewers who may decide this request, can "
                               "write here.", rule="not_in_conversation")
    if not can_write(author, request):
        if request.is_superseded:
            reason = "it has been sent again: reply on the newer request"
        else:
            reason = f"it is {request.state_label.lower()}"
        raise RuleBroken(f"This request takes no more messages because {reason}.", rule="conversation_closed")
    if not body:
        raise RuleBroken("Write your message before sending it.", rule="message_required", field="body")
    if len(body) > MAX_COMMENT:
        raise RuleBroken(f"The message must be {MAX_COMMENT:,} characters or fewer.", rule="text_too_long",
                         field="body")
    message = SignOffMessage(request_id=request.id, author_id=author.id, body=body, created_at=at or utcnow())
    db.session.add(message)
    db.session.flush()
    db.session.refresh(message, ["request", "author"])
    capability = find_capability(request.capability_uuid)
    code = capability.code if capability else request.capability_uuid
    record_event("signoff.message_posted", actor=author, organisation=request.organisation_id, subject=request,
                 data={"message_id": message.id, "capability": request.capability_uuid, "code": code,
                       "side": "practitioner" if author.id == request.practitioner_id else "reviewer"})
    notifications.message_posted(message, code)
    return message


@dataclass(frozen=True)
class Ask:
    """One capability to ask for, with the evidence to cite (None: every item linked to it)."""

    capability: Capability
    evidence: Sequence[Evidence] | None = None


def request_several(practitioner: User, asks: Sequence[Ask], assessor: User, *, message: str = "",
                    linked_evidence: dict[str, list[Evidence]] | None = None, today: date | None = None,
                    at: datetime | None = None) -> list[SignOffRequest]:
    """One request per capability, all or nothing (the caller rolls back on any error).

    ``linked_evidence`` maps capability identifiers to the practitioner's evidence linked
    to them, used where an :class:`Ask` names no evidence.
    :raises RuleBroken: the first rule not met, naming its capability.
    """
    if not asks:
        raise RuleBroken("Choose at least one capability to ask for.", rule="capability_required",
                         field="capability_ids")
    if len(asks) > MAX_CAPABILITIES:
        raise RuleBroken(f"Ask for at most {MAX_CAPABILITIES} capabilities at a time.", rule="too_many_capabilities",
                         field="capability_ids")
    seen: set[str] = set()
    made = []
    for ask in asks:
        code = ask.capability.code
        if ask.capability.uuid in seen:
            continue
        seen.add(ask.capability.uuid)
        evidence = list(ask.evidence) if ask.evidence is not None else \
            list((linked_evidence or {}).get(ask.capability.uuid, []))
        try:
            made.append(request_signoff(practitioner, ask.capability, evidence, assessor, message=message,
                                        today=today, at=at))
        except DomainError as error:
            if code not in error.message:
                error.message = f"{code}: {error.message}"
                error.args = (error.message,)
            raise
    return made


@dataclass(frozen=True)
class Entry:
    """One line of a request's thread, for display."""

    at: datetime
    author: User | None
    kind: str  # "note", "message", "signed", "returned", "withdrawn"
    text: str
    is_practitioner: bool


@dataclass
class ThreadPart:
    """One request of the thread with its entries in time order."""

    request: SignOffRequest
    entries: list[Entry]


def thread(requests: Sequence[SignOffRequest]) -> list[ThreadPart]:
    """The conversation across a person's requests for one capability (already loaded), oldest first."""
    parts = []
    for r in requests:
        entries = [Entry(r.created_at, r.practitioner, "note", r.message, True)]
        entries += [Entry(m.created_at, m.author, "message", m.body, m.author_id == r.practitioner_id)
                    for m in r.messages]
        if r.decision is not None:
            entries.append(Entry(r.decision.decided_at, r.decision.decided_by,
                                 "signed" if r.decision.is_sign else "returned", r.decision.comment, False))
        elif r.closed_at is not None and r.state.value == "withdrawn":
            entries.append(Entry(r.closed_at, r.practitioner, "withdrawn", "", True))
        entries.sort(key=lambda e: (e.at, e.kind != "note"))
        parts.append(ThreadPart(r, entries))
    return parts
