"""Each person's choice: reminder e-mails at once or in a weekly digest, and kinds they mute.

Stored in ``User.preferences`` as ``{"email": "immediate"|"digest", "muted": [kind, ...]}``.
Kinds are strings so that other areas' event notifications (for example
``signoff_requested``) can be muted with the same list.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from competency.accounts.models import User
from competency.errors import DomainError
from competency.reminders.models import ReminderKind


class EmailMode(enum.Enum):
    immediate = "immediate"
    digest = "digest"


# Escalations go to a lead because something has waited too long: they cannot be muted
# and are always e-mailed at once.
UNMUTABLE = frozenset({ReminderKind.escalation.value})

# What a person can mute, in the order the settings page lists it.
MUTABLE_KINDS: dict[str, str] = {
    ReminderKind.milestone.value: "Preceptorship milestones due soon, due today or overdue",
    ReminderKind.supervision.value: "Supervision overdue",
    ReminderKind.signoff_waiting.value: "Sign-off requests waiting for your decision for more than a week",
    ReminderKind.share_expiring.value: "Passport share links about to expire",
    ReminderKind.progress_review.value: "Apprenticeship progress reviews due soon, due today or overdue",
    ReminderKind.not_enrolled.value: "Newly registered starters not on a preceptorship 60 days after starting",
    "signoff_requested": "Someone asks you to sign off a capability",
    "signoff_decided": "Your sign-off request is decided",
    "signoff_revoked": "A sign-off of yours is revoked",
    "signoff_message": "Someone writes in the conversation on a sign-off request",
}


def _value(kind: ReminderKind | str) -> str:
    return kind.value if isinstance(kind, ReminderKind) else kind


@dataclass(frozen=True)
class Preferences:
    email_mode: EmailMode
    muted: frozenset[str]

    def is_muted(self, kind: ReminderKind | str) -> bool:
        value = _value(kind)
        return value in self.muted and value not in UNMUTABLE

    def emails_now(self, kind: ReminderKind | str) -> bool:
        """False when this reminder's e-mail waits for the weekly digest."""
        return _value(kind) in UNMUTABLE or self.email_mode is EmailMode.immediate


def preferences_of(user: User) -> Preferences:
    """The stored choice; values that are not valid (any more) are ignored."""
    stored = user.preferences or {}
    try:
        mode = EmailMode(stored.get("email", EmailMode.immediate.value))
    except ValueError:
        mode = EmailMode.immediate
    muted = {value for value in stored.get("muted") or [] if isinstance(value, str)}
    return Preferences(mode, frozenset(muted - UNMUTABLE))


def set_preferences(user: User, *, email_mode: EmailMode, muted: set[str], by: User) -> Preferences:
    """Store ``user``'s choice. Only the person themself may change it. Flushes nothing itself.

    :raises DomainError: when someone else tries, an escalation is muted, or a kind is unknown.
    """
    if by.id != user.id:
        raise DomainError("You can only change your own notification settings.")
    if muted & UNMUTABLE:
        raise DomainError("Escalations cannot be muted: they tell a lead that something has waited too long.",
                          field="muted")
    unknown = muted - set(MUTABLE_KINDS)
    if unknown:
        raise DomainError("Choose only from the kinds of notification listed.", field="muted")
    # A new dict, so the JSON column sees the change.
    user.preferences = {**(user.preferences or {}), "email": email_mode.value, "muted": sorted(muted)}
    return preferences_of(user)
