"""When a sign-off of one revision of a capability counts for another: the ``supersedes`` rule.

A capability reworded in a later framework version gets a new identifier that
``supersedes`` the old one. Whether sign-offs carry over depends on the kind of
revision, which the framework data states (YAML ``change:``):

* **minor** (``change: minor``, "identical intent"): clearer words for the same
  capability. A sign-off of either revision counts for both, and so on along a
  chain of minor revisions (r1 -> r2 minor -> r3 minor: all three are one
  capability for counting). Nobody is asked to prove it again.
* **major** (the default): the capability asks for something different. The chain
  breaks there: a sign-off of r1 does not count for r2 (nor for later minor
  revisions of r2), and r2 must be requested and signed in its own right. The r1
  sign-off stays valid as a record of what was signed.

Only published and retired versions take part: a draft's links count once it is
published. The groups are the connected parts of the graph of minor links, built
from one small query, so using the rule costs one statement whatever the data.

:func:`equivalent_ids` and :func:`expand` are what every "is it signed?" question
goes through, the publish page's figures included (``signoff.version_changes``).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa

from competency.extensions import db
from competency.frameworks.models import Capability, FrameworkVersion, VersionStatus

PUBLIC = (VersionStatus.published, VersionStatus.retired)


def minor_links(*, include_version_id: int | None = None) -> list[tuple[str, str]]:
    """(identifier, identifier it supersedes) for every minor revision in a public version.

    ``include_version_id`` adds that version's links whatever its status (a draft being reviewed).
    """
    visible = FrameworkVersion.status.in_(PUBLIC)
    if include_version_id is not None:
        visible = sa.or_(visible, FrameworkVersion.id == include_version_id)
    rows = db.session.execute(
        sa.select(Capability.uuid, Capability.supersedes_uuid).distinct()
        .join(FrameworkVersion, FrameworkVersion.id == Capability.version_id)
        .where(Capability.is_minor_revision.is_(True), Capability.supersedes_uuid.is_not(None), visible))
    return [(uuid, old) for uuid, old in rows]


class Equivalence:
    """Groups of identifiers joined by minor revisions (union-find over the links)."""

    def __init__(self, links: Iterable[tuple[str, str]]):
        self._parent: dict[str, str] = {}
        for new, old in links:
            self._union(new, old)
        self._groups: dict[str, set[str]] = defaultdict(set)
        for identifier in self._parent:
            self._groups[self._find(identifier)].add(identifier)

    def _find(self, identifier: str) -> str:
        parent = self._parent.setdefault(identifier, identifier)
        if parent != identifier:
            parent = self._parent[identifier] = self._find(parent)
        return parent

    def _union(self, a: str, b: str) -> None:
        root_a, root_b = self._find(a), self._find(b)
        if root_a != root_b:
            self._parent[max(root_a, root_b)] = min(root_a, root_b)

    def group(self, identifier: str) -> set[str]:
        """The identifier and every revision that counts as the same capability."""
        if identifier not in self._parent:
            return {identifier}
        return set(self._groups[self._find(identifier)])

    def expand(self, identifiers: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for identifier in identifiers:
            out |= self.group(identifier)
        return out


def current_equivalence(*, include_version_id: int | None = None) -> Equivalence:
    return Equivalence(minor_links(include_version_id=include_version_id))


def equivalent_ids(identifier: str) -> set[str]:
    """Every identifier a sign-off of ``identifier`` counts for (itself included)."""
    return current_equivalence().group((identifier or "").lower())


def expand(identifiers: Iterable[str], equivalence: Equivalence | None = None) -> set[str]:
    """Signed identifiers plus every minor revision of them: what counts as signed."""
    return (equivalence or current_equivalence()).expand(identifiers)
