"""Shared set-up for the frameworks tests: the shipped data, imported and optionally published."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from competency.frameworks import services
from competency.frameworks.loading import load_path
from competency.frameworks.models import FrameworkVersion

SHIPPED = Path(__file__).resolve().parents[2] / "competency" / "frameworks" / "data"
SLUG = "shared-capability-framework"


def shipped():
    return load_path(SHIPPED)


def import_shipped(*, publish: bool = True, by=None) -> FrameworkVersion:
    outcome = services.import_loaded(shipped(), by=by)
    (version,) = outcome.versions
    if publish:
        services.publish_version(version, by=by)
    return version


def next_version(spec, number: str, **capability_changes):
    """``spec`` as a new version number, with capabilities changed by code: {code: {field: value}}."""
    capabilities = tuple(replace(c, **capability_changes[c.code]) if c.code in capability_changes else c
                         for c in spec.capabilities)
    return replace(spec, version=number, capabilities=capabilities)
