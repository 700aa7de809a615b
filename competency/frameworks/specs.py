"""Plain, validated descriptions of framework data, independent of the database.

YAML files and CASE packages are both turned into these specs; the import service
turns specs into rows, and exports turn rows back into specs. Identifiers are
derived (see :mod:`competency.frameworks.identifiers`), never typed by authors,
except that a framework brought in from another CASE tool keeps that tool's
identifiers (``identifier`` fields), so a round trip through it changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from competency.frameworks import identifiers as ids

SECTORS: dict[str, str] = {
    "health": "Health",
    "social_care": "Social care",
    "voluntary": "Voluntary sector",
    "education": "Education",
}


@dataclass(frozen=True)
class PillarSpec:
    code: str
    name: str
    description: str = ""
    abbreviation: str | None = None
    # A source identifier kept from an imported package; None means derived (see identifiers).
    identifier: str | None = None


@dataclass(frozen=True)
class LevelSpec:
    code: str
    name: str
    description: str = ""
    abbreviation: str | None = None
    career_framework_level: int | None = None
    identifier: str | None = None


@dataclass(frozen=True)
class CapabilitySpec:
    code: str
    pillar: str
    level: str
    statement: str
    guidance: str
    revision: int = 1
    # A minor revision (YAML ``change: minor``) clarifies the wording with the same intent, so
    # sign-offs of the revision it supersedes still count (see competency.signoff.revisions).
    is_minor_revision: bool = False
    sectors: tuple[str, ...] = ()
    professions: tuple[str, ...] = ()
    # (external framework slug, item code) pairs this capability can evidence.
    mappings: tuple[tuple[str, str], ...] = ()
    identifier: str | None = None
    supersedes: str | None = None


@dataclass(frozen=True)
class FrameworkSpec:
    slug: str
    version: str
    title: str
    description: str = ""
    publisher: str = ""
    language: str = "en-GB"
    professions: tuple[tuple[str, str], ...] = ()
    pillars: tuple[PillarSpec, ...] = ()
    levels: tuple[LevelSpec, ...] = ()
    capabilities: tuple[CapabilitySpec, ...] = ()
    # The CFDocument identifier of a package that came from another CASE tool; None means derived.
    identifier: str | None = None
    # Where each capability code was written (file, line), for error messages on import.
    capability_lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    # Line of each (capability code, external slug, item code) mapping.
    mapping_lines: dict[tuple[str, str, str], int] = field(default_factory=dict, compare=False, hash=False)
    source: str = field(default="", compare=False, hash=False)

    @property
    def framework_id(self) -> str:
        return ids.framework_uuid(self.slug)

    @property
    def version_id(self) -> str:
        return self.identifier or ids.version_uuid(self.slug, self.version)

    def pillar_id(self, code: str) -> str:
        kept = next((p.identifier for p in self.pillars if p.code == code), None)
        return kept or ids.pillar_uuid(self.slug, code)

    def level_id(self, code: str) -> str:
        kept = next((lv.identifier for lv in self.levels if lv.code == code), None)
        return kept or ids.level_uuid(self.slug, code)

    def capability_id(self, capability: CapabilitySpec) -> str:
        return capability.identifier or ids.capability_uuid(self.slug, capability.code, capability.revision)

    def supersedes_id(self, capability: CapabilitySpec) -> str | None:
        if capability.identifier:
            return capability.supersedes
        return ids.superseded_uuid(self.slug, capability.code, capability.revision)


@dataclass(frozen=True)
class ExternalItemSpec:
    code: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class ExternalFrameworkSpec:
    """A framework we map to but do not author (Care Certificate, PCF, ...)."""

    slug: str
    title: str
    publisher: str = ""
    note: str = ""
    items: tuple[ExternalItemSpec, ...] = ()

    def item(self, code: str) -> ExternalItemSpec | None:
        return next((item for item in self.items if item.code == code), None)


@dataclass(frozen=True)
class CrosswalkEntrySpec:
    label: str
    level: str
    notes: str = ""
    sectors: tuple[str, ...] = ()
    # Every level the band or title spans, in order (Band 8a: advanced and consultant); ``level`` is the first.
    levels: tuple[str, ...] = ()

    @property
    def all_levels(self) -> tuple[str, ...]:
        return self.levels or (self.level,)


@dataclass(frozen=True)
class CrosswalkSchemeSpec:
    code: str
    name: str
    # pay_band (NHS Agenda for Change), grade (an employer's local grades) or role_title.
    type: str
    sector: str | None = None
    note: str = ""
    entries: tuple[CrosswalkEntrySpec, ...] = ()


@dataclass(frozen=True)
class CrosswalkSpec:
    slug: str
    framework: str
    title: str
    description: str = ""
    schemes: tuple[CrosswalkSchemeSpec, ...] = ()
    source: str = field(default="", compare=False, hash=False)
    # (scheme code, label, level code, line) for checking levels against the framework.
    entry_lines: tuple[tuple[str, str, str, int], ...] = field(default=(), compare=False, hash=False)
