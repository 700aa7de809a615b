"""What withdrawing someone from a programme does, said before it happens, and who is told after.

Why: withdrawal used to end a programme with nobody told, not even the preceptor, and it
was the only way to fix a mistyped start date. The page now states the impact first (and
points to changing the start date instead), and the people on the programme are told.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from competency.accounts.models import User
from competency.preceptorship.models import Enrolment
from competency.reminders.outbox import notify
from competency.reminders.sources.base import link_to


@dataclass(frozen=True)
class WithdrawalImpact:
    ends_on: date
    # Titles of the milestones that close without being completed (required ones only).
    closing: list[str] = field(default_factory=list)
    completed: int = 0
    supervisions: int = 0
    # (person, their part on the programme) of everyone who will be told.
    told: list[tuple[User, str]] = field(default_factory=list)


def _people(enrolment: Enrolment) -> list[tuple[User, str]]:
    version = enrolment.template_version
    seen: dict[int, tuple[User, str]] = {}
    for person, party in ((enrolment.practitioner, "preceptee"), (enrolment.preceptor, "preceptor"),
                          (enrolment.lead, "lead")):
        seen.setdefault(person.id, (person, version.party_label(party).lower()))
    return list(seen.values())


def withdrawal_impact(enrolment: Enrolment, *, by: User, on: date) -> WithdrawalImpact:
    return WithdrawalImpact(
        ends_on=on,
        closing=[m.definition.title for m in enrolment.milestones if m.is_required and not m.is_done],
        completed=sum(1 for m in enrolment.milestones if m.is_done),
        supervisions=len(enrolment.supervisions),
        told=[(person, part) for person, part in _people(enrolment) if person.id != by.id],
    )


def tell_about_withdrawal(enrolment: Enrolment, *, by: User) -> None:
    """Tell the preceptee, preceptor and lead (except whoever withdrew) that the programme ended."""
    link = link_to("programmes.timeline", enrolment_id=enrolment.id)
    title = enrolment.template_version.title
    for person, _part in _people(enrolment):
        if person.id == by.id:
            continue
        whose = "Your" if person.id == enrolment.practitioner_id else f"{enrolment.practitioner.display_name}'s"
        notify(person, kind="programme.withdrawn", title=f"{whose} {title} has been withdrawn",
               body=f"{by.display_name} withdrew it on {enrolment.withdrawn_on.day} {enrolment.withdrawn_on:%B %Y}. "
                    f"Reason given: {(enrolment.withdrawal_reason or '').rstrip('.')}. Everything recorded so far "
                    "stays on the record.",
               link=link, dedupe_key=f"programme.withdrawn:{enrolment.id}:{person.id}")
