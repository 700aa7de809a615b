"""The organisation's own word for the people it serves (issue 16.8).

Health says patient, councils say service user or person who draws on care and
support, providers say client. ``Organisation.settings["people_served"]`` holds the
singular ("patient"); an optional ``people_served_plural`` overrides the plural, which
is otherwise made by rule ("patients", "people who draw on care and support").

Text written with the platform's default words ("a person who draws on care and
support", "people who draw on care and support") is localised for the organisation
that the page or e-mail is about: :func:`localise` replaces those phrases, keeping a
leading capital. Templates use the ``served`` filter (``{{ label | served(org) }}``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from competency.accounts.models import Organisation, User

DEFAULT_SINGULAR = "person who draws on care and support"
DEFAULT_PLURAL = "people who draw on care and support"


@dataclass(frozen=True)
class Wording:
    singular: str = DEFAULT_SINGULAR
    plural: str = DEFAULT_PLURAL

    @property
    def with_article(self) -> str:
        return f"{'an' if self.singular[:1].lower() in 'aeiou' else 'a'} {self.singular}"


def plural_of(singular: str) -> str:
    """"patient" -> "patients"; "person who draws on ..." -> "people who draw on ..."."""
    words = singular.split()
    if words and words[0].lower() == "person":
        rest = words[1:]
        if len(rest) >= 2 and rest[0].lower() == "who" and rest[1].endswith("s"):
            rest = [rest[0], rest[1][:-1], *rest[2:]]
        return " ".join(["people", *rest])
    head = words[0] if len(words) == 1 else words[-1]
    if head.endswith(("s", "x", "ch", "sh")):
        plural_head = head + "es"
    elif head.endswith("y") and head[-2:-1] not in "aeiou":
        plural_head = head[:-1] + "ies"
    else:
        plural_head = head + "s"
    return " ".join([*words[:-1], plural_head]) if len(words) > 1 else plural_head


def wording_for(organisation: Organisation | None) -> Wording:
    settings = (organisation.settings or {}) if organisation is not None else {}
    singular = settings.get("people_served")
    if not isinstance(singular, str) or not singular.strip():
        return Wording()
    singular = singular.strip()
    plural = settings.get("people_served_plural")
    return Wording(singular, plural.strip() if isinstance(plural, str) and plural.strip() else plural_of(singular))


def home_organisation(user: User | None) -> Organisation | None:
    """Where a person works now (their first current post), else the first organisation they belong to."""
    if user is None or not getattr(user, "is_authenticated", True):
        return None
    from datetime import date

    today = date.today()
    current = [job for job in getattr(user, "employments", []) or [] if job.is_current_on(today)]
    if current:
        return min(current, key=lambda job: (job.start_on, job.id or 0)).organisation
    memberships = [m for m in getattr(user, "memberships", []) or [] if m.is_active]
    return memberships[0].organisation if memberships else None


def wording_of(subject) -> Wording:
    """The wording for an organisation, or for the organisation a person works at."""
    if isinstance(subject, Organisation):
        return wording_for(subject)
    if isinstance(subject, User):
        return wording_for(home_organisation(subject))
    return Wording()


_PATTERNS = [
    (re.compile(r"\b([Aa]) person who draws on care and support\b"), "article"),
    (re.compile(r"\b([Pp])eople who draw on care and support\b"), "plural"),
    (re.compile(r"\b([Pp])erson who draws on care and support\b"), "singular"),
]


def _cased(word: str, first: str) -> str:
    return word[:1].upper() + word[1:] if first.isupper() else word


def localise(text: str, wording: Wording) -> str:
    """``text`` with the default words for the people served replaced by the organisation's."""
    if not text or wording == Wording():
        return text
    for pattern, form in _PATTERNS:
        replacement = {"article": wording.with_article, "plural": wording.plural, "singular": wording.singular}[form]
        text = pattern.sub(lambda match, r=replacement: _cased(r, match.group(1)), text)
    return text


def localise_choices(field, subject) -> None:
    """A form field's (value, label) choices in the organisation's words (other shapes are left alone)."""
    wording = wording_of(subject)
    field.choices = [(choice[0], localise(choice[1], wording)) if isinstance(choice, tuple) and len(choice) == 2
                     else choice for choice in (field.choices or [])]


def register_language(app) -> None:
    """The ``served`` filter: ``{{ text | served(organisation_or_person) }}`` (default: the signed-in person)."""
    from flask import has_request_context
    from flask_login import current_user

    def served(text, subject=None):
        if subject is None and has_request_context():
            subject = current_user._get_current_object() if current_user.is_authenticated else None
        return localise(str(text), wording_of(subject))

    app.jinja_env.filters["served"] = served
    app.jinja_env.globals["people_served_wording"] = wording_of
