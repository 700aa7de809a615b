"""An organisation's own words, changed by its administrators (issue 16.8).

``Organisation.settings`` keeps the word for the people served (see
:mod:`competency.accounts.language`) and the lists of role titles and grades read
through the crosswalk (see :mod:`competency.frameworks.vocabulary`). This module
checks a proposed set of words, saves it and records the change in the audit log.

Two administrators may edit at once. The form carries the :func:`fingerprint` of the
words it was built from; :func:`save_local_words` locks the organisation row and
refuses a save based on words that have changed since (:class:`StaleSettings`), so
neither change is silently lost. A save that would leave the words exactly as they now
are succeeds without a change, which also makes a double-clicked button harmless.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from competency.accounts.models import Organisation, User
from competency.accounts.policies import can_admin
from competency.audit.services import record_event
from competency.errors import Conflict, DomainError, PermissionDenied
from competency.extensions import db

MAX_WORD = 60
MAX_LINE = 100
MAX_LINES = 60

# The words most organisations use, offered as choices; any other word may be typed.
COMMON_WORDS = ("patient", "service user", "client", "person who draws on care and support", "resident")

KEYS = ("people_served", "people_served_plural", "role_titles", "grades")
# For messages: (singular, plural) of what each list holds.
LIST_NAMES = {"role_titles": ("role title", "role titles"), "grades": ("grade or band", "grades or bands")}


@dataclass(frozen=True)
class LocalWords:
    """The words an organisation uses; ``None`` or empty means the platform's default."""

    people_served: str | None = None
    people_served_plural: str | None = None
    role_titles: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"people_served": self.people_served, "people_served_plural": self.people_served_plural,
                "role_titles": list(self.role_titles), "grades": list(self.grades)}


@dataclass(frozen=True)
class Saved:
    """What a save did: ``changed`` is False when the words were already these."""

    words: LocalWords
    changed: bool
    notes: tuple[str, ...] = ()


class SettingsInvalid(DomainError):
    """The proposed words break a rule; ``problems`` maps each field (a :data:`KEYS` name) to its messages."""

    def __init__(self, problems: dict[str, list[str]]):
        first = next(message for messages in problems.values() for message in messages)
        super().__init__(first, field=next(iter(problems)))
        self.problems = problems


class StaleSettings(Conflict):
    """Someone saved other words since the form was shown; ``current`` is what is saved now."""

    def __init__(self, current: LocalWords):
        super().__init__("Someone else changed these settings while you were editing them. "
                         "Check the saved settings, then save yours again.")
        self.current = current


def _text(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _labels(value) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(label.strip() for label in value if isinstance(label, str) and label.strip())


def current_words(organisation: Organisation) -> LocalWords:
    """The words saved now (values of the wrong shape, which only a hand edit could leave, read as unset)."""
    settings = organisation.settings or {}
    return LocalWords(_text(settings.get("people_served")), _text(settings.get("people_served_plural")),
                      _labels(settings.get("role_titles")), _labels(settings.get("grades")))


def fingerprint(words: LocalWords) -> str:
    """Changes whenever any of the words do; the settings form carries it to detect a save on stale words."""
    canonical = json.dumps(words.as_dict(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _word_problems(word: str, what: str) -> list[str]:
    problems = []
    if len(word) > MAX_WORD:
        problems.append(f"{what} must be {MAX_WORD} characters or fewer")
    if not any(ch.isalpha() for ch in word):
        problems.append(f"{what} must include at least one letter")
    if not word.isprintable():
        problems.append(f"{what} must only include letters, numbers, spaces and punctuation")
    return problems


def clean_list(lines: str | Iterable[str], key: str) -> tuple[tuple[str, ...], list[str], list[str]]:
    """(kept labels, problems, notes) for one list: blank lines dropped, spaces tidied, repeats removed.

    Repeats are found ignoring case and spacing; the first spelling is kept and the others are
    named in a note, so the person knows why a line went.
    """
    one, many = LIST_NAMES[key]
    raw = lines.splitlines() if isinstance(lines, str) else list(lines)
    kept: dict[str, str] = {}
    repeats: list[str] = []
    problems: list[str] = []
    for number, line in enumerate(raw, start=1):
        label = _tidy(line)
        if not label:
            continue
        if len(label) > MAX_LINE:
            problems.append(f"The {one} on line {number} must be {MAX_LINE} characters or fewer")
        elif not label.isprintable():
            problems.append(f"The {one} on line {number} must only include letters, numbers, spaces and punctuation")
        key_of = label.casefold()
        if key_of in kept:
            repeats.append(label)
        else:
            kept[key_of] = label
    if len(kept) > MAX_LINES:
        problems.append(f"Enter {MAX_LINES} {many} or fewer (you entered {len(kept)})")
    notes = []
    if repeats:
        listed = ", ".join(f"‘{label}’" for label in repeats)
        notes.append(f"{len(repeats)} repeated {one if len(repeats) == 1 else many} left out: {listed}.")
    return tuple(kept.values()), problems, notes


def check_local_words(*, people_served: str, people_served_plural: str | None,
                      role_titles: str | Iterable[str], grades: str | Iterable[str]) -> tuple[LocalWords, list[str]]:
    """The proposed words, tidied, and notes on what tidying removed.

    :raises SettingsInvalid: with every problem found, by field.
    """
    problems: dict[str, list[str]] = {}
    singular = _tidy(people_served or "")
    if not singular:
        problems["people_served"] = ["Enter the word for the people your organisation serves"]
    else:
        problems["people_served"] = _word_problems(singular, "The word for the people served")
    plural = _tidy(people_served_plural or "") or None
    if plural:
        problems["people_served_plural"] = _word_problems(plural, "The plural")
    titles, problems["role_titles"], title_notes = clean_list(role_titles or "", "role_titles")
    grade_list, problems["grades"], grade_notes = clean_list(grades or "", "grades")
    problems = {key: messages for key, messages in problems.items() if messages}
    if problems:
        raise SettingsInvalid(problems)
    return LocalWords(singular, plural, titles, grade_list), title_notes + grade_notes


def save_local_words(organisation: Organisation, *, people_served: str, people_served_plural: str | None,
                     role_titles: str | Iterable[str], grades: str | Iterable[str], based_on: str,
                     by: User) -> Saved:
    """Check and save an organisation's words, recording the change (flushes, never commits).

    ``based_on`` is the :func:`fingerprint` of the words the person was shown.

    :raises PermissionDenied: ``by`` is not an administrator of the organisation.
    :raises SettingsInvalid: a word or list breaks a rule.
    :raises StaleSettings: the words changed since ``based_on`` and this save would change them again.
    """
    if not can_admin(by, organisation):
        raise PermissionDenied("Only an administrator of this organisation can change its settings")
    proposed, notes = check_local_words(people_served=people_served, people_served_plural=people_served_plural,
                                        role_titles=role_titles, grades=grades)
    # Lock the row and read it afresh, so of two saves at once the second sees the first one's words.
    db.session.scalar(sa.select(Organisation).where(Organisation.id == organisation.id)
                      .with_for_update().execution_options(populate_existing=True))
    before = current_words(organisation)
    if proposed == before:
        return Saved(before, changed=False, notes=tuple(notes))
    if fingerprint(before) != based_on:
        raise StaleSettings(before)
    settings = {key: value for key, value in (organisation.settings or {}).items() if key not in KEYS}
    settings.update({key: value for key, value in proposed.as_dict().items() if value})
    organisation.settings = settings  # a new dict, so the JSON column is written
    record_event("organisation.settings_changed", actor=by, organisation=organisation, subject=organisation,
                 data={"before": before.as_dict(), "after": proposed.as_dict()})
    return Saved(proposed, changed=True, notes=tuple(notes))
