"""Telling people about requests and decisions: in-app at once, and by e-mail through the outbox.

Links are site paths (the e-mail templates put the base URL in front), so this
works the same from a web request, a worker or the CLI.
"""
from __future__ import annotations

from competency.accounts.models import User
from competency.db import utcnow
from competency.reminders.outbox import notify, queue_email
from competency.signoff.models import SignOff, SignOffMessage, SignOffRequest


def request_path(request: SignOffRequest) -> str:
    return f"/review/requests/{request.id}"


def capability_path(capability_uuid: str) -> str:
    return f"/progress/capabilities/{capability_uuid}"


def _muted(user: User, kind: str) -> bool:
    return kind in ((user.preferences or {}).get("muted") or [])


def _tell(user: User, *, kind: str, title: str, body: str, link: str, key: str, template: str, context: dict) -> None:
    """In-app at once and by e-mail through the outbox. Muted, the notification is still listed,
    filed as read, and nothing is e-mailed (what the notification settings promise)."""
    note = notify(user, kind=kind, title=title, body=body, link=link, dedupe_key=key)
    if _muted(user, kind):
        if note is not None:
            note.read_at = utcnow()
        return
    if user.email and user.is_active_account:
        queue_email(to=user.email, template=template, subject=title, user=user, dedupe_key=key,
                    context={"link": link, "body": body, **context})


def request_arrived(request: SignOffRequest, capability_code: str, statement: str, *, resent: bool = False) -> None:
    practitioner, assessor = request.practitioner, request.assessor
    title = (f"{practitioner.display_name} sent {capability_code} again after feedback" if resent
             else f"{practitioner.display_name} asked you to sign off {capability_code}")
    _tell(assessor, kind="signoff_requested", title=title,
          body=f"{capability_code}: {statement}", link=request_path(request),
          key=f"signoff-request:{request.id}:arrived", template="signoff_requested",
          context={"request": request, "practitioner": practitioner, "capability_code": capability_code,
                   "statement": statement})


def request_decided(request: SignOffRequest, capability_code: str, signed: bool, comment: str, decider: User) -> None:
    verb = "signed off" if signed else "returned"
    # A return opens the conversation (feedback, reply, send again) on the request itself.
    link = capability_path(request.capability_uuid) if signed else request_path(request)
    _tell(request.practitioner, kind="signoff_decided",
          title=f"{decider.display_name} {verb} {capability_code}",
          body=comment or ("Signed off." if signed else ""), link=link,
          key=f"signoff-request:{request.id}:decided", template="signoff_decided",
          context={"request": request, "capability_code": capability_code, "signed": signed, "comment": comment,
                   "decider": decider})


def message_posted(message: SignOffMessage, capability_code: str) -> None:
    """Tell the other side: the practitioner hears of reviewers' messages; the assessor of the practitioner's.

    In-app at once and by e-mail through the outbox, each at most once per message (both keyed by
    the message). Muted (``signoff_message``), the notification is still listed, filed as read, and
    nothing is e-mailed, as the notification settings promise; a deactivated account gets no e-mail.
    """
    request, author = message.request, message.author
    recipient = request.assessor if author.id == request.practitioner_id else request.practitioner
    if recipient.id == author.id:
        return
    muted = _muted(recipient, "signoff_message")
    title = f"{author.display_name} wrote about {capability_code}"
    body = message.body if len(message.body) <= 300 else message.body[:297] + "..."
    link, key = request_path(request), f"signoff-message:{message.id}"
    note = notify(recipient, kind="signoff_message", title=title, body=body, link=link, dedupe_key=key)
    if muted:
        if note is not None:
            note.read_at = message.created_at
        return
    if recipient.email and recipient.is_active_account:
        queue_email(to=recipient.email, template="signoff_message", subject=title, user=recipient, dedupe_key=key,
                    context={"link": link, "author": author, "message": message, "request": request,
                             "capability_code": capability_code,
                             "from_practitioner": author.id == request.practitioner_id})


def request_withdrawn(request: SignOffRequest, capability_code: str) -> None:
    notify(request.assessor, kind="signoff_withdrawn",
           title=f"{request.practitioner.display_name} withdrew their request for {capability_code}",
           link=request_path(request), dedupe_key=f"signoff-request:{request.id}:withdrawn")


def signoff_revoked(signoff: SignOff, reason: str, actor: User) -> None:
    _tell(signoff.practitioner, kind="signoff_revoked",
          title=f"Your sign-off of {signoff.capability_code} was revoked",
          body=reason, link=capability_path(signoff.capability_uuid),
          key=f"signoff:{signoff.id}:revoked", template="signoff_revoked",
          context={"signoff": signoff, "reason": reason, "actor": actor})
