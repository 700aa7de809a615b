"""Demo seeding: the shipped framework published, its crosswalk, and a draft 1.1.0 for the editor to review."""
from __future__ import annotations

from dataclasses import replace

from competency.frameworks import queries, services
from competency.frameworks.loading import SHIPPED_DATA, load_path
from competency.frameworks.specs import CapabilitySpec

DRAFT_VERSION = "1.1.0"


def seed_frameworks(ctx) -> None:
    """Idempotent: importing the same published content again changes nothing."""
    editor = ctx.users.get("editor@demo.test")
    result = load_path(SHIPPED_DATA)
    if not result.ok:
        raise RuntimeError("The shipped framework files are not valid: " + "; ".join(map(str, result.issues)))
    outcome = services.import_loaded(result, by=editor)
    for version in outcome.versions:
        services.publish_version(version, by=editor)
    (spec,) = result.specs("framework")
    framework = queries.framework_by_slug(spec.slug)
    if queries.version_by_number(framework, DRAFT_VERSION) is None:
        services.import_framework(_draft_spec(spec), by=editor, source_name="demo: proposed 1.1.0")


def _draft_spec(spec):
    """A realistic proposed update: one capability reworded (new revision) and one added."""
    capabilities = []
    for capability in spec.capabilities:
        if capability.code == "PP-REG-02":
            capability = replace(capability, revision=2, statement=(
                "Makes and records decisions about risk, mental capacity and consent in line with the law and "
                "professional standards, involving the person, those close to them and, where they have one, "
                "their advocate."))
        capabilities.append(capability)
        if capability.code == "IW-SUP-03":
            capabilities.append(CapabilitySpec(
                code="IW-SUP-04", pillar="integrated_working", level="support",
                statement="Checks what a person has already told other services before asking them again, "
                          "and records it so the next worker can find it.",
                guidance="An observation or feedback from a person showing they did not have to repeat themselves.",
                mappings=(("care-certificate", "CC06"), ("care-certificate", "CC14")),
            ))
    return replace(spec, version=DRAFT_VERSION, capabilities=tuple(capabilities))
