"""What a grant covers: whose people (an organisation, or every organisation of a region) and which
capabilities (pillars, levels, named capabilities, named people). Pure functions over loaded rows.

An empty scope list means "any"; every non-empty list must match (they narrow each other).
Trained assessors cover support-level capabilities only, whatever their scope says.
"""
from __future__ import annotations

from collections.abc import Mapping

from competency.accounts.models import Organisation, OrgKind
from competency.grants.models import Grant, GrantKind

#: The levels of practice a trained (possibly unregistered) assessor may sign off (DESIGN.md rule 1).
TRAINED_ASSESSOR_LEVELS = frozenset({"support"})


def covered_organisations(grant: Grant, hosts: Mapping[int, Organisation]) -> list[int]:
    """Those of ``hosts`` (organisations where the practitioner works or is on placement) the grant covers."""
    granting = grant.granting_organisation
    if granting.id in hosts:
        return [granting.id]
    if granting.kind == OrgKind.regional_body:
        return sorted(org_id for org_id, org in hosts.items() if org.region == granting.region)
    return []


def capability_scope_problem(grant: Grant, capability) -> str | None:
    """Why ``capability`` is outside the grant (None when it is inside)."""
    code, level = capability.code, capability.level
    if grant.kind == GrantKind.trained_assessor and level.code not in TRAINED_ASSESSOR_LEVELS:
        return (f"a trained assessor signs off support-level capabilities only, and {code} is at the "
                f"{level.name.lower()} level")
    if grant.capability_uuids and capability.uuid not in grant.capability_uuids:
        return f"{code} is not among the capabilities the grant names"
    if grant.pillar_codes and capability.pillar.code not in grant.pillar_codes:
        return f"the grant does not cover the {capability.pillar.name.lower()} pillar of {code}"
    if grant.level_codes and level.code not in grant.level_codes:
        return f"the grant does not cover the {level.name.lower()} level of {code}"
    return None


def person_in_scope(grant: Grant, person_id: int) -> bool:
    return not grant.person_ids or person_id in grant.person_ids


def scope_summary(grant: Grant, names: Mapping[str, str] | None = None) -> list[str]:
    """Lines describing the scope for pages (``names`` turns codes and identifiers into words)."""
    names = names or {}
    lines = []
    if grant.kind == GrantKind.trained_assessor:
        lines.append("Support-level capabilities only")
    if grant.pillar_codes:
        lines.append("Pillars: " + ", ".join(names.get(c, c) for c in grant.pillar_codes))
    if grant.level_codes:
        lines.append("Levels: " + ", ".join(names.get(c, c) for c in grant.level_codes))
    if grant.capability_uuids:
        lines.append("Capabilities: " + ", ".join(names.get(c, c) for c in grant.capability_uuids))
    if grant.person_ids:
        lines.append("People: " + ", ".join(names.get(f"person:{i}", f"person {i}") for i in grant.person_ids))
    if not lines or (grant.kind == GrantKind.trained_assessor and len(lines) == 1):
        lines.append("Everyone at the organisation" if grant.granting_organisation.kind != OrgKind.regional_body
                     else "Everyone at every organisation in the region")
    return lines
