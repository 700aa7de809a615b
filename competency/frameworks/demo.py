"""Demo seeding: the shipped framework 1.0.0 and its published update 1.1.0, the crosswalk, and a draft
1.2.0 for the editor to review.

1.1.0 rewords some capabilities: PP-REG-01 and PP-REG-02 as *minor* revisions (sign-offs of the old
wording still count, so Sam's PP-REG-01 stays signed) and FL-REG-01 as a *major* one (Sam's sign-off of
the old wording does not count for it). The draft 1.2.0 adds one capability and rewords IW-REG-01 as a
major revision, so its publish page has someone who would need to request it again.
"""
from __future__ import annotations

from dataclasses import replace

from competency.frameworks import queries, services
from competency.frameworks.loading import SHIPPED_DATA, load_path
from competency.frameworks.specs import CapabilitySpec

DRAFT_VERSION = "1.2.0"
# The demo's sign-offs were made months ago, under the first version; 1.1.0 was published since.
BASE_VERSION = "1.0.0"


def seed_frameworks(ctx) -> None:
    """Idempotent: importing the same published content again changes nothing."""
    editor = ctx.users.get("editor@demo.test")
    result = load_path(SHIPPED_DATA)
    if not result.ok:
        raise RuntimeError("The shipped framework files are not valid: " + "; ".join(map(str, result.issues)))
    outcome = services.import_loaded(result, by=editor)
    for version in outcome.versions:
        services.publish_version(version, by=editor)
    updates = services.import_shipped_updates(by=editor)
    spec = updates[-1] if updates else result.specs("framework")[0]
    framework = queries.framework_by_slug(spec.slug)
    if queries.version_by_number(framework, DRAFT_VERSION) is None:
        services.import_framework(_draft_spec(spec), by=editor, source_name=f"demo: proposed {DRAFT_VERSION}")


def _draft_spec(spec):
    """A realistic proposed update: one capability reworded (a major revision) and one added."""
    capabilities = []
    for capability in spec.capabilities:
        if capability.code == "IW-REG-01":
            capability = replace(capability, revision=capability.revision + 1, is_minor_revision=False, statement=(
                "Works across health and social care boundaries to meet a person's needs, agreeing a shared plan, "
                "who does what and when it will be reviewed together with the person."))
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


def demo_base_version():
    """The version the demo's earlier sign-offs were made against (1.0.0), else the current one."""
    from competency.signoff.capabilities import DEFAULT_FRAMEWORK_SLUG, current_framework_version

    framework = queries.framework_by_slug(DEFAULT_FRAMEWORK_SLUG)
    version = queries.version_by_number(framework, BASE_VERSION) if framework else None
    if version is not None and version.status.value == "published":
        return version
    return current_framework_version()
