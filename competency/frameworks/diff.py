"""What changes between two versions of a framework, and whether the change is allowed.

A capability keeps its identifier while its statement holds. If a later version
words a capability differently, its ``revision`` must go up, which gives it a new
identifier that supersedes the old one; :func:`revision_problems` enforces that.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from competency.frameworks.specs import CapabilitySpec, FrameworkSpec


@dataclass(frozen=True)
class CapabilityChange:
    code: str
    kind: str  # added | removed | reworded | changed
    fields: tuple[str, ...] = ()
    before: CapabilitySpec | None = None
    after: CapabilitySpec | None = None


@dataclass
class FrameworkDiff:
    before_version: str | None
    after_version: str
    pillars_added: list[str] = field(default_factory=list)
    pillars_removed: list[str] = field(default_factory=list)
    pillars_changed: list[str] = field(default_factory=list)
    levels_added: list[str] = field(default_factory=list)
    levels_removed: list[str] = field(default_factory=list)
    levels_changed: list[str] = field(default_factory=list)
    capabilities: list[CapabilityChange] = field(default_factory=list)
    unchanged: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.pillars_added or self.pillars_removed or self.pillars_changed or self.levels_added
                    or self.levels_removed or self.levels_changed or self.capabilities)

    def count(self, kind: str) -> int:
        return sum(1 for change in self.capabilities if change.kind == kind)


COMPARED_FIELDS = ("pillar", "level", "guidance", "sectors", "professions", "mappings")


def diff_frameworks(before: FrameworkSpec | None, after: FrameworkSpec) -> FrameworkDiff:
    result = FrameworkDiff(before_version=before.version if before else None, after_version=after.version)
    old_pillars = {p.code: p for p in before.pillars} if before else {}
    old_levels = {lv.code: lv for lv in before.levels} if before else {}
    old_caps = {c.code: c for c in before.capabilities} if before else {}
    new_pillars = {p.code: p for p in after.pillars}
    new_levels = {lv.code: lv for lv in after.levels}
    result.pillars_added = [code for code in new_pillars if code not in old_pillars]
    result.pillars_removed = [code for code in old_pillars if code not in new_pillars]
    result.pillars_changed = [code for code in new_pillars if code in old_pillars and new_pillars[code] != old_pillars[code]]
    result.levels_added = [code for code in new_levels if code not in old_levels]
    result.levels_removed = [code for code in old_levels if code not in new_levels]
    result.levels_changed = [code for code in new_levels if code in old_levels and new_levels[code] != old_levels[code]]
    seen = set()
    for capability in after.capabilities:
        seen.add(capability.code)
        old = old_caps.get(capability.code)
        if old is None:
            result.capabilities.append(CapabilityChange(capability.code, "added", after=capability))
        elif old.statement != capability.statement or old.revision != capability.revision:
            result.capabilities.append(CapabilityChange(capability.code, "reworded", ("statement",), old, capability))
        else:
            changed = tuple(name for name in COMPARED_FIELDS if getattr(old, name) != getattr(capability, name))
            if changed:
                result.capabilities.append(CapabilityChange(capability.code, "changed", changed, old, capability))
            else:
                result.unchanged += 1
    for code, old in old_caps.items():
        if code not in seen:
            result.capabilities.append(CapabilityChange(code, "removed", before=old))
    return result


def revision_problems(earlier: list[FrameworkSpec], new: FrameworkSpec) -> list[tuple[str, str]]:
    """(capability code, message) for every capability reworded without a new revision.

    ``earlier`` holds the versions already recorded for the framework (any status).
    """
    problems: list[tuple[str, str]] = []
    history: dict[tuple[str, int], tuple[str, str]] = {}
    highest: dict[str, tuple[int, str]] = {}
    minor_flags: dict[tuple[str, int], tuple[bool, str]] = {}
    for spec in earlier:
        for capability in spec.capabilities:
            history.setdefault((capability.code, capability.revision), (capability.statement, spec.version))
            minor_flags.setdefault((capability.code, capability.revision), (capability.is_minor_revision, spec.version))
            if capability.code not in highest or capability.revision > highest[capability.code][0]:
                highest[capability.code] = (capability.revision, spec.version)
    for capability in new.capabilities:
        known = history.get((capability.code, capability.revision))
        minor = minor_flags.get((capability.code, capability.revision))
        if minor is not None and minor[0] != capability.is_minor_revision:
            problems.append((capability.code, (
                f"capability {capability.code}: revision {capability.revision} is marked "
                f"'change: {'minor' if minor[0] else 'major'}' in version {minor[1]}; a revision keeps its kind, so "
                "whether earlier sign-offs count never changes")))
        if known and known[0] != capability.statement:
            problems.append((capability.code, (
                f"capability {capability.code}: the statement differs from version {known[1]} but 'revision' is still "
                f"{capability.revision}; set 'revision: {highest[capability.code][0] + 1}' so the new wording gets its own "
                "identifier and sign-offs against the old wording stay linked to it"
            )))
        elif capability.code in highest and capability.revision < highest[capability.code][0]:
            top, version = highest[capability.code]
            problems.append((capability.code, (
                f"capability {capability.code}: revision {capability.revision} is older than revision {top} in version {version}"
            )))
    return problems
