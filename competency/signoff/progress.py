"""A person's progress over a framework version: every capability signed, pending or not started.

Read-only and bounded: the grid for any person costs the same few statements
however many capabilities, requests or sign-offs there are.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from competency.frameworks.models import Capability, FrameworkVersion, Level, Pillar
from competency.signoff.capabilities import version_contents
from competency.signoff.queries import pending_capability_ids, signed_capability_ids
from competency.signoff.revisions import current_equivalence

SIGNED, PENDING, NOT_STARTED = "signed", "pending", "not_started"
STATUS_LABELS = {SIGNED: "Signed off", PENDING: "Waiting for review", NOT_STARTED: "Not started"}
STATUS_COLOURS = {SIGNED: "green", PENDING: "yellow", NOT_STARTED: "grey"}


@dataclass
class Cell:
    pillar: Pillar
    level: Level
    items: list[tuple[Capability, str]] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for _, s in self.items if s == status)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def signed(self) -> int:
        return self.count(SIGNED)

    @property
    def pending(self) -> int:
        return self.count(PENDING)

    @property
    def not_started(self) -> int:
        return self.count(NOT_STARTED)


@dataclass
class Grid:
    version: FrameworkVersion
    pillars: list[Pillar]
    levels: list[Level]
    cells: dict[tuple[int, int], Cell]
    # Signed capabilities that are not in this version (earlier revisions, other frameworks).
    signed_elsewhere: int = 0

    def cell(self, pillar: Pillar, level: Level) -> Cell:
        return self.cells.get((pillar.id, level.id)) or Cell(pillar, level)

    def totals(self) -> dict[str, int]:
        result = {SIGNED: 0, PENDING: 0, NOT_STARTED: 0}
        for cell in self.cells.values():
            for _, status in cell.items:
                result[status] += 1
        return result

    def pillar_totals(self, pillar: Pillar) -> dict[str, int]:
        result = {SIGNED: 0, PENDING: 0, NOT_STARTED: 0, "total": 0}
        for level in self.levels:
            cell = self.cell(pillar, level)
            result[SIGNED] += cell.signed
            result[PENDING] += cell.pending
            result[NOT_STARTED] += cell.not_started
            result["total"] += cell.total
        return result


def status_of(capability_uuid: str, signed: set[str], pending: set[str]) -> str:
    if capability_uuid in signed:
        return SIGNED
    if capability_uuid in pending:
        return PENDING
    return NOT_STARTED


def progress_grid(user_id: int, version: FrameworkVersion) -> Grid:
    pillars, levels, capabilities = version_contents(version)
    signed = signed_capability_ids(user_id)
    pending = pending_capability_ids(user_id)
    pillar_by_id = {p.id: p for p in pillars}
    level_by_id = {lv.id: lv for lv in levels}
    cells: dict[tuple[int, int], Cell] = {}
    for capability in capabilities:
        key = (capability.pillar_id, capability.level_id)
        cell = cells.setdefault(key, Cell(pillar_by_id[capability.pillar_id], level_by_id[capability.level_id]))
        cell.items.append((capability, status_of(capability.uuid, signed, pending)))
    in_version = {c.uuid for c in capabilities}
    # Signed identifiers outside this version, counting a minor revision of one inside it as inside.
    equivalence = current_equivalence()
    elsewhere = {uuid for uuid in signed - in_version if not equivalence.group(uuid) & in_version}
    return Grid(version=version, pillars=pillars, levels=levels, cells=cells, signed_elsewhere=len(elsewhere))
