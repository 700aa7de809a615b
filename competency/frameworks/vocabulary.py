"""Each organisation's own role titles and grades, read through the crosswalk (issue 16.8).

An organisation keeps its words in ``Organisation.settings``: ``role_titles`` and
``grades`` (lists of labels as it uses them, such as "Grade 9 (KR10)"). Each label is
matched to crosswalk entries, so a council grade and an NHS band land on a level of
practice and the two sectors speak one language. Matching is forgiving in the ways
employers write labels: case and spacing are ignored, "occupational therapy" reads as
"OT", and a label with a second one in brackets or after a slash ("Grade 9 (KR10)",
"KR10/Band 6") matches either part.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from competency.accounts.models import Organisation, User
from competency.accounts.policies import active_memberships
from competency.frameworks.models import Crosswalk

SETTINGS_KEYS = (("role_titles", "Role title"), ("grades", "Grade or band"))


def _normal(text: str) -> str:
    text = re.sub(r"\s+", " ", (text or "").strip().lower())
    return text.replace("occupational therapy ", "ot ")


def _parts(label: str) -> list[str]:
    parts = [label] + [p for p in re.split(r"[()/]", label) if p.strip()]
    return list(dict.fromkeys(_normal(p) for p in parts if p.strip()))


def levels_for(label: str, crosswalks: Iterable[Crosswalk], *, sector: str | None = None) -> list[str]:
    """Level codes the crosswalks give a title or grade (several when a band spans levels), in order."""
    wanted = set(_parts(label))
    found: list[str] = []
    for crosswalk in crosswalks:
        for scheme in crosswalk.schemes:
            if sector and scheme.sector and scheme.sector != sector:
                continue
            for entry in scheme.entries:
                if _normal(entry.label) not in wanted:
                    continue
                if sector and entry.sectors and sector not in entry.sectors:
                    continue
                for level in entry.levels:
                    if level not in found:
                        found.append(level)
    return found


@dataclass(frozen=True)
class VocabularyLine:
    kind: str
    label: str
    levels: tuple[str, ...]


def organisation_vocabulary(organisation: Organisation, crosswalks: Sequence[Crosswalk]) -> list[VocabularyLine]:
    settings = organisation.settings or {}
    sector = organisation.sector.value if organisation.sector else None
    lines = []
    for key, kind in SETTINGS_KEYS:
        for label in settings.get(key) or []:
            if isinstance(label, str) and label.strip():
                lines.append(VocabularyLine(kind, label.strip(), tuple(levels_for(label, crosswalks, sector=sector))))
    return lines


def local_vocabularies(user: User | None, crosswalks: Sequence[Crosswalk]) -> list[tuple[Organisation, list]]:
    """(organisation, its mapped titles and grades) for each organisation the user belongs to that keeps a list."""
    seen: dict[int, Organisation] = {}
    for membership in active_memberships(user):
        seen.setdefault(membership.organisation_id, membership.organisation)
    out = []
    for organisation in sorted(seen.values(), key=lambda o: o.name):
        lines = organisation_vocabulary(organisation, crosswalks)
        if lines:
            out.append((organisation, lines))
    return out


def suggestions(organisation: Organisation) -> tuple[list[str], list[str]]:
    """The organisation's role titles and grades, for the employment form."""
    settings = organisation.settings or {}
    return ([t for t in settings.get("role_titles") or [] if isinstance(t, str)],
            [g for g in settings.get("grades") or [] if isinstance(g, str)])


def level_mismatch(organisation: Organisation, *, role_title: str, band_label: str | None, level_code: str,
                   crosswalks: Sequence[Crosswalk], level_names: dict[str, str]) -> str | None:
    """A warning when the crosswalk puts this title or grade at another level than the one chosen."""
    sector = organisation.sector.value if organisation.sector else None
    for label in (band_label, role_title):
        if not label:
            continue
        levels = levels_for(label, crosswalks, sector=sector)
        if levels and level_code not in levels:
            names = " or ".join(level_names.get(code, code) for code in levels)
            return (f"The crosswalk maps {label} to {names}, not {level_names.get(level_code, level_code)}. "
                    "The post was saved as you entered it; check the level or the grade.")
    return None
