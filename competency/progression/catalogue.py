"""The shipped pathways, validated once per process and resolved against the framework file.

Pathway definitions are versioned files, not rows: a person's progression record
names (slug, version), and every version stays in the data folder so old records
keep the criteria they were assessed against.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path

from competency.errors import NotFound
from competency.frameworks.loading import load_path
from competency.progression.specs import CapabilityRef, PathwaySpec

PATHWAY_DATA = Path(__file__).parent / "data" / "pathways"


class PathwayDataError(RuntimeError):
    """The shipped pathway files do not validate (a deployment mistake, not a user one)."""


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@dataclass(frozen=True)
class Catalogue:
    pathways: tuple[PathwaySpec, ...]

    def get(self, slug: str, version: str | None = None) -> PathwaySpec:
        """The named version, or the latest version of ``slug``.

        :raises NotFound: no such pathway (or version).
        """
        matches = [p for p in self.pathways if p.slug == slug and (version is None or p.version == version)]
        if not matches:
            raise NotFound("There is no such progression pathway.")
        return max(matches, key=lambda p: _version_key(p.version))

    def latest(self) -> list[PathwaySpec]:
        slugs = sorted({p.slug for p in self.pathways})
        return sorted((self.get(slug) for slug in slugs), key=lambda p: p.title)


def _resolve(pathway: PathwaySpec, framework) -> PathwaySpec:
    pillars = {p.code: p.name for p in framework.pillars}
    refs = {
        c.code: CapabilityRef(code=c.code, uuid=framework.capability_id(c), statement=c.statement,
                              level=c.level, pillar=pillars.get(c.pillar, c.pillar))
        for c in framework.capabilities
    }
    steps = []
    for step in pathway.steps:
        criteria = tuple(replace(c, capabilities=tuple(refs[code] for code in c.capability_codes))
                         for c in step.criteria)
        steps.append(replace(step, criteria=criteria))
    return replace(pathway, steps=tuple(steps))


def load_catalogue(path: str | Path = PATHWAY_DATA) -> Catalogue:
    """Validate the pathway files under ``path`` and resolve their capability codes.

    :raises PathwayDataError: listing every issue, when a file does not validate.
    """
    result = load_path(path)
    if not result.ok:
        raise PathwayDataError("Pathway data does not validate:\n" + "\n".join(str(i) for i in result.issues))
    from competency.frameworks.loading import shipped_reference

    frameworks = {doc.spec.slug: doc.spec for doc in shipped_reference() if doc.kind == "framework"}
    pathways = tuple(_resolve(spec, frameworks[spec.framework]) for spec in result.specs("pathway"))
    return Catalogue(pathways=pathways)


@functools.lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    return load_catalogue()
