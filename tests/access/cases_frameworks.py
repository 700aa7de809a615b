"""Framework browser, editor pages, CASE service and framework API."""
from __future__ import annotations

from tests.access.matrix import Case

SLUG = "access-framework"
# The framework belongs to the regional body: only its framework editors change it. Organisation
# administrators (home or foreign) are nobody's framework editors, and an editor of another
# owner's frameworks ("foreign_editor") gets no further with this one than anyone else.
EDITORS = ("editor",)
NOT_EDITORS = ("practitioner", "peer", "preceptor", "lead", "admin", "foreign_preceptor", "foreign_lead",
               "foreign_admin", "analyst", "foreign_editor")


def _fingerprint(action: str, version) -> str:
    """What the confirmation page would carry, so a confirmed change can be sent without the page."""
    from competency.signoff.version_changes import publish_impact, retire_impact

    return (publish_impact if action == "publish" else retire_impact)(version).fingerprint


def editors(status, others, **overrides):
    return {**{role: status for role in EDITORS}, **{role: others for role in NOT_EDITORS}, **overrides}


def _upload_over_the_draft(w) -> dict:
    """A file replacing the draft 1.1.0: the editors of the framework's owner only."""
    import io

    return {"file": (io.BytesIO(DRAFT_YAML.encode()), "access-framework-1.1.0.yaml")}


DRAFT_YAML = f"""kind: framework
slug: {SLUG}
version: "1.1.0"
title: Access framework
pillars:
  - code: practice
    name: Practice
    abbreviation: PP
levels:
  - code: support
    name: Support worker
    abbreviation: SUP
capabilities:
  - code: PP-SUP-01
    pillar: practice
    level: support
    statement: Follows the plan.
    guidance: An observation.
"""


CASES = [
    Case("frameworks.list_frameworks", lambda w: "/frameworks/"),
    Case("frameworks.show_matrix", lambda w: f"/frameworks/{SLUG}"),
    Case("frameworks.show_matrix", lambda w: f"/frameworks/{SLUG}?version=1.1.0", expect=editors(200, 404),
         id="frameworks.show_matrix-draft"),
    Case("frameworks.show_capability", lambda w: f"/frameworks/{SLUG}/capabilities/{w.framework_capability.uuid}"),
    Case("frameworks.show_crosswalk", lambda w: f"/frameworks/{SLUG}/crosswalk"),
    Case("frameworks.list_versions", lambda w: f"/frameworks/{SLUG}/versions"),
    Case("frameworks.export_version", lambda w: f"/frameworks/{SLUG}/versions/1.0.0/export/case"),
    Case("frameworks.export_version", lambda w: f"/frameworks/{SLUG}/versions/1.1.0/export/yaml",
         expect=editors(200, 404), id="frameworks.export_version-draft"),
    Case("frameworks.upload", lambda w: "/frameworks/upload", expect=editors(200, 403, foreign_editor=200)),
    Case("frameworks.upload", lambda w: "/frameworks/upload", method="POST", data=lambda w: {},
         expect=editors(422, 403, foreign_editor=422)),
    Case("frameworks.upload", lambda w: "/frameworks/upload", method="POST", data=_upload_over_the_draft,
         expect=editors(302, 403), id="frameworks.upload-this-framework"),
    Case("frameworks.review_version", lambda w: f"/frameworks/{SLUG}/versions/1.1.0/review", expect=editors(200, 404)),
    Case("frameworks.publish_version", lambda w: f"/frameworks/{SLUG}/versions/1.1.0/publish", method="POST",
         expect=editors(302, 404)),
    Case("frameworks.publish_version", lambda w: f"/frameworks/{SLUG}/versions/1.0.0/publish", method="POST",
         expect=editors(409, 403), id="frameworks.publish_version-published"),
    Case("frameworks.publish_version", lambda w: f"/frameworks/{SLUG}/versions/1.1.0/publish",
         expect=editors(200, 404), id="frameworks.publish_version-impact"),
    Case("frameworks.publish_version", lambda w: f"/frameworks/{SLUG}/versions/1.1.0/publish", method="POST",
         data=lambda w: {"confirm": "yes", "impact": _fingerprint("publish", w.framework_draft)},
         expect=editors(302, 404), id="frameworks.publish_version-confirmed"),
    Case("frameworks.retire_version", lambda w: f"/frameworks/{SLUG}/versions/1.0.0/retire", method="POST",
         expect=editors(302, 403)),
    Case("frameworks.retire_version", lambda w: f"/frameworks/{SLUG}/versions/1.0.0/retire",
         expect=editors(200, 403), id="frameworks.retire_version-impact"),
    Case("frameworks.retire_version", lambda w: f"/frameworks/{SLUG}/versions/1.0.0/retire", method="POST",
         data=lambda w: {"confirm": "yes", "impact": _fingerprint("retire", w.framework_version)},
         expect=editors(302, 403), id="frameworks.retire_version-confirmed"),
    Case("frameworks.discard_version", lambda w: f"/frameworks/{SLUG}/versions/1.1.0/discard", method="POST",
         expect=editors(302, 404)),
    Case("case.list_documents", lambda w: "/ims/case/v1p1/CFDocuments", anonymous=200),
    Case("case.get_document", lambda w: f"/ims/case/v1p1/CFDocuments/{w.framework_version.uuid}", anonymous=200),
    Case("case.get_package", lambda w: f"/ims/case/v1p1/CFPackages/{w.framework_version.uuid}", anonymous=200),
    Case("case.get_package", lambda w: f"/ims/case/v1p1/CFPackages/{w.framework_draft.uuid}", anonymous=404,
         default=404, id="case.get_package-draft"),
    Case("case.get_item", lambda w: f"/ims/case/v1p1/CFItems/{w.framework_capability.uuid}", anonymous=200),
    Case("case.get_association", lambda w: f"/ims/case/v1p1/CFAssociations/{w.case_association}", anonymous=200),
    Case("case.get_item_associations", lambda w: f"/ims/case/v1p1/CFItemAssociations/{w.framework_capability.uuid}",
         anonymous=200),
    Case("case.get_item_type", lambda w: f"/ims/case/v1p1/CFItemTypes/{w.case_item_type}", anonymous=200),
    Case("case.get_concept", lambda w: "/ims/case/v1p1/CFConcepts/3f1c2b7e-0000-4000-8000-000000000000",
         anonymous=404, default=404),
    Case("case.get_subject", lambda w: "/ims/case/v1p1/CFSubjects/3f1c2b7e-0000-4000-8000-000000000000",
         anonymous=404, default=404),
    Case("case.list_subjects", lambda w: "/ims/case/v1p1/CFSubjects", anonymous=200),
    Case("case.get_license", lambda w: "/ims/case/v1p1/CFLicenses/3f1c2b7e-0000-4000-8000-000000000000",
         anonymous=404, default=404),
    Case("case.get_association_grouping",
         lambda w: "/ims/case/v1p1/CFAssociationGroupings/3f1c2b7e-0000-4000-8000-000000000000", anonymous=404, default=404),
    Case("case.get_rubric", lambda w: "/ims/case/v1p1/CFRubrics/3f1c2b7e-0000-4000-8000-000000000000",
         anonymous=404, default=404),
    Case("case.list_rubrics", lambda w: "/ims/case/v1p1/CFRubrics", anonymous=200),
    Case("case.get_package", lambda w: f"/ims/case/v1p1/CFPackages/{w.case_reference.key}", anonymous=200,
         id="case.get_package-reference"),
    # Reference frameworks are shared reading for every framework editor, whoever's frameworks they edit:
    # a mapped draft belongs to the owner the editor works for.
    Case("frameworks.list_references", lambda w: "/frameworks/references/",
         expect=editors(200, 403, foreign_editor=200)),
    Case("frameworks.import_reference", lambda w: "/frameworks/references/import",
         expect=editors(200, 403, foreign_editor=200)),
    Case("frameworks.import_reference", lambda w: "/frameworks/references/import", method="POST", data=lambda w: {},
         expect=editors(422, 403, foreign_editor=422)),
    Case("frameworks.map_reference", lambda w: f"/frameworks/references/{w.case_reference.key}/mapping",
         expect=editors(200, 403, foreign_editor=200)),
    Case("frameworks.map_reference", lambda w: f"/frameworks/references/{w.case_reference.key}/mapping", method="POST",
         data=lambda w: {"slug": "Not A Slug"}, expect=editors(422, 403, foreign_editor=422)),
    Case("api.list_frameworks", lambda w: "/api/v1/frameworks"),
    Case("api.get_framework", lambda w: f"/api/v1/frameworks/{SLUG}"),
    Case("api.get_framework_version", lambda w: f"/api/v1/frameworks/{SLUG}/versions/1.0.0"),
    Case("api.get_framework_version", lambda w: f"/api/v1/frameworks/{SLUG}/versions/1.1.0", expect=editors(200, 404),
         id="api.get_framework_version-draft"),
    Case("api.put_framework_version", lambda w: f"/api/v1/frameworks/{SLUG}/versions/1.0.0", method="PUT",
         data=lambda w: {}, expect=editors(409, 403)),
    Case("api.publish_framework_version", lambda w: f"/api/v1/frameworks/{SLUG}/versions/1.1.0/publish",
         method="POST", expect=editors(200, 403, foreign_editor=404)),
    Case("api.put_framework_version", lambda w: f"/api/v1/frameworks/{SLUG}/versions/1.1.0", method="PUT",
         data=_upload_over_the_draft, expect=editors(201, 403), id="api.put_framework_version-draft"),
]


def build(world) -> None:
    """A two-by-two framework: 1.0.0 published, 1.1.0 draft, and a one-scheme crosswalk."""
    from dataclasses import replace

    from competency.frameworks import services
    from competency.frameworks.specs import (CapabilitySpec, CrosswalkEntrySpec, CrosswalkSchemeSpec, CrosswalkSpec,
                                             FrameworkSpec, LevelSpec, PillarSpec)

    spec = FrameworkSpec(
        slug=SLUG, version="1.0.0", title="Access framework",
        pillars=(PillarSpec("practice", "Practice", abbreviation="PP"), PillarSpec("learning", "Learning", abbreviation="FL")),
        levels=(LevelSpec("support", "Support worker", abbreviation="SUP"),
                LevelSpec("registered", "Registered practitioner", abbreviation="REG")),
        capabilities=(CapabilitySpec("PP-SUP-01", "practice", "support", "Follows the plan.", "An observation."),
                      CapabilitySpec("FL-REG-01", "learning", "registered", "Keeps a CPD record.", "The record.")),
    )
    version, _ = services.import_framework(spec, by=None)
    services.publish_version(version, by=None)
    draft, _ = services.import_framework(replace(spec, version="1.1.0"), by=None)
    services.import_crosswalk(CrosswalkSpec(slug=f"{SLUG}-roles", framework=SLUG, title="Roles", schemes=(
        CrosswalkSchemeSpec("nhs_afc", "NHS Agenda for Change", "pay_band", "health",
                            entries=(CrosswalkEntrySpec("Band 5", "registered"),)),)), by=None)
    version.framework.owner_id = world.region.id
    world.framework_version = version
    world.framework_draft = draft
    world.framework_capability = version.capabilities[0]
    # A reference framework from another CASE tool (an OpenSALT package shipped as a test fixture).
    import json as _json

    from competency.frameworks import case_reference, exports
    from tests.case_support import FIXTURES

    data = _json.loads((FIXTURES / "packages" / "SmartLevelFramework.json").read_text(encoding="utf-8"))
    world.case_reference, _ = case_reference.store_package(data, source="SmartLevelFramework.json", by=None)
    package = exports.case_package(version, base_url="http://127.0.0.1")
    world.case_association = package["CFAssociations"][0]["identifier"]
    world.case_item_type = package["CFDefinitions"]["CFItemTypes"][0]["identifier"]
