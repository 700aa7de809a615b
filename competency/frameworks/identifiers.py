"""Stable identifiers for frameworks and everything in them.

Identifiers are UUIDv5 values under one fixed namespace, so the same framework slug
and code always give the same identifier, on every machine, in every export:

* framework:            uuid5(NS, "framework:<slug>")
* framework version:    uuid5(NS, "framework:<slug>@<version>")   (the CASE CFDocument)
* pillar / level:       uuid5(NS, "<slug>/pillar/<code>"), uuid5(NS, "<slug>/level/<code>")
* capability:           uuid5(NS, "<slug>/capability/<code>") for revision 1, and
                        uuid5(NS, "<slug>/capability/<code>/r<n>") for revision n > 1
* external item:        uuid5(NS, "external:<external slug>/<code>")

A capability keeps its identifier across versions while its meaning holds. When a
later version changes what a capability asks for, the author raises its
``revision``; the new revision gets a new identifier and ``supersedes`` the previous
revision's identifier. Sign-offs recorded against the old identifier stay valid.
Identifiers are lowercase UUID strings everywhere (database, API, CASE).
"""
from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("6f1d3c0e-58a4-4c1e-9f61-2b7f0d9e4a53")


def _uuid(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, name))


def framework_uuid(slug: str) -> str:
    return _uuid(f"framework:{slug}")


def version_uuid(slug: str, version: str) -> str:
    return _uuid(f"framework:{slug}@{version}")


def pillar_uuid(slug: str, code: str) -> str:
    return _uuid(f"{slug}/pillar/{code}")


def level_uuid(slug: str, code: str) -> str:
    return _uuid(f"{slug}/level/{code}")


def capability_uuid(slug: str, code: str, revision: int = 1) -> str:
    if revision < 1:
        raise ValueError("revision starts at 1")
    suffix = "" if revision == 1 else f"/r{revision}"
    return _uuid(f"{slug}/capability/{code}{suffix}")


def superseded_uuid(slug: str, code: str, revision: int) -> str | None:
    """The identifier this revision replaces, or None for a first revision."""
    return capability_uuid(slug, code, revision - 1) if revision > 1 else None


def external_item_uuid(external_slug: str, code: str) -> str:
    return _uuid(f"external:{external_slug}/{code}")


def association_uuid(document_id: str, kind: str, origin: str, destination: str) -> str:
    """Deterministic CASE association identifiers, so exports are byte-for-byte repeatable."""
    return _uuid(f"association:{document_id}/{kind}/{origin}/{destination}")


def crosswalk_uuid(slug: str) -> str:
    return _uuid(f"crosswalk:{slug}")
