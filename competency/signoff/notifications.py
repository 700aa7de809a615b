"""Telling people about requests and decisions: in-app at once, and by e-mail through the outbox.

Links are site paths (the e-mail templates put the base URL in front), so this
works the same from a web request, a worker or the CLI.
"""
from __future__ import annotations

from competency.accounts.models import User
from competency.reminders.outbox import notify, queue_email
from competency.signoff.models import SignOff, SignOffRequest


def request_path(request: SignOffRequest) -> str:
    return f"/review/requests/{request.id}"


def capability_path(capability_uuid: str) -> str:
    return f"/progress/capabilities/{capability_uuid}"


def _muted(user: User, kind: str) -> bool:
    return kind in ((user.preferences or {}).get("muted") or [])


def _tell(user: User, *, kind: str, title: str, body: str, link: str, key: str, template: str, context: dict) -> None:
    if _muted(user, kind):
        return
    notify(user, kind=kind, title=title, body=body, link=link, dedupe_key=key)
    if user.email and user.is_active_account:
        queue_email(to=user.email, template=template, subject=title, user=user, dedupe_key=key,
                    context={"link": link, "body": body, **context})


def request_arrived(request: SignOffRequest, capability_code: str, statement: str) -> None:
    practitioner, assessor = request.practitioner, request.assessor
    _tell(assessor, kind="signoff_requested",
          title=f"{practitioner.display_name} asked you to sign off {capability_code}",
          body=f"{capability_code}: {statement}", link=request_path(request),
          key=f"signoff-request:{request.id}:arrived", template="signoff_requested",
          context={"request": request, "practitioner": practitioner, "capability_code": capability_code,
                   "statement": statement})


def request_decided(request: SignOffRequest, capability_code: str, signed: bool, comment: str, decider: User) -> None:
    verb = "signed off" if signed else "returned"
    _tell(request.practitioner, kind="signoff_decided",
          title=f"{decider.display_name} {verb} {capability_code}",
          body=comment or ("Signed off." if signed else ""), link=capability_path(request.capability_uuid),
          key=f"signoff-request:{request.id}:decided", template="signoff_decided",
          context={"request": request, "capability_code": capability_code, "signed": signed, "comment": comment,
                   "decider": decider})


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
