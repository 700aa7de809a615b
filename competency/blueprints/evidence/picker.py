"""The capability picker on the evidence form: search, and a filter to the person's level and a pillar.

The whole framework (124 capabilities) is rendered once, every capability outside the filter
with the ``hidden`` attribute, so the page is short and the app's JavaScript module
(``static/js/capability-picker.js``) can filter as the person types. Without JavaScript the
"Show matching capabilities" button re-shows the form with the new filter and everything typed
kept. A chosen capability is always shown, whatever the filter, and hidden ones still submit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from competency.accounts.models import Employment, User
from competency.extensions import db

ALL = "all"
MAX_SEARCH = 100


def current_level_code(user: User, today: date) -> str | None:
    """The level of practice of the person's most recently started current post, if any."""
    rows = db.session.execute(
        sa.select(Employment.level_code, Employment.start_on, Employment.end_on)
        .where(Employment.user_id == user.id, Employment.start_on <= today)
        .order_by(Employment.start_on.desc(), Employment.id.desc()))
    for level_code, _start, end_on in rows:
        if end_on is None or end_on >= today:
            return level_code
    return None


def matches(capability, words: list[str]) -> bool:
    haystack = f"{capability.code} {capability.statement}".lower()
    return all(word in haystack for word in words)


@dataclass
class PickerItem:
    capability: object
    shown: bool
    selected: bool


@dataclass
class PickerCell:
    pillar: object
    level: object
    items: list[PickerItem] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return any(item.shown for item in self.items)


@dataclass
class Picker:
    """What the template needs: the filter as applied, every cell (pillar x level), and counts."""

    search: str
    level: str
    pillar: str
    own_level: str | None
    levels: list
    pillars: list
    cells: list[PickerCell]

    @property
    def total(self) -> int:
        return sum(len(cell.items) for cell in self.cells)

    @property
    def shown_count(self) -> int:
        return sum(1 for cell in self.cells for item in cell.items if item.shown)

    @property
    def selected_count(self) -> int:
        return sum(1 for cell in self.cells for item in cell.items if item.selected)

    def level_choices(self) -> list[tuple[str, str]]:
        own = next((lv for lv in self.levels if lv.code == self.own_level), None)
        choices = [(ALL, "All levels")]
        choices += [(lv.code, f"{lv.name} (your level)" if lv is own else lv.name) for lv in self.levels]
        return choices

    def pillar_choices(self) -> list[tuple[str, str]]:
        return [(ALL, "All pillars")] + [(p.code, p.name) for p in self.pillars]


def build_picker(pillars: list, levels: list, capabilities: list, *, selected: set[str], search: str | None,
                 level: str | None, pillar: str | None, own_level: str | None) -> Picker:
    """Apply the filter; with no level chosen yet, start at the person's own level (else all levels)."""
    level_codes = {lv.code for lv in levels}
    pillar_codes = {p.code for p in pillars}
    if level not in level_codes and level != ALL:
        level = own_level if own_level in level_codes else ALL
    if pillar not in pillar_codes:
        pillar = ALL
    search = (search or "").strip()[:MAX_SEARCH]
    words = search.lower().split()
    by_id_pillar = {p.id: p for p in pillars}
    by_id_level = {lv.id: lv for lv in levels}
    cells: dict[tuple[int, int], PickerCell] = {}
    for p in pillars:
        for lv in levels:
            cells[(p.id, lv.id)] = PickerCell(p, lv)
    for capability in capabilities:
        cap_pillar, cap_level = by_id_pillar[capability.pillar_id], by_id_level[capability.level_id]
        fits = ((level == ALL or cap_level.code == level) and (pillar == ALL or cap_pillar.code == pillar)
                and matches(capability, words))
        chosen = capability.uuid in selected
        cells[(capability.pillar_id, capability.level_id)].items.append(PickerItem(capability, fits or chosen, chosen))
    return Picker(search=search, level=level, pillar=pillar, own_level=own_level, levels=levels, pillars=pillars,
                  cells=[cell for cell in cells.values() if cell.items])
