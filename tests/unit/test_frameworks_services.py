"""Importing, publishing and retiring versions; published versions never change."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from competency.frameworks import queries, services
from competency.frameworks.errors import FrameworkFileInvalid, VersionImmutable
from competency.frameworks.models import Capability, FrameworkVersion, VersionStatus
from competency.audit.models import AuditEvent
from tests.unit.frameworks_helpers import SLUG, import_shipped, next_version, shipped


def test_import_creates_a_draft_with_every_capability_and_its_mappings(db):
    version = import_shipped(publish=False)
    assert version.status == VersionStatus.draft
    assert len(version.capabilities) == len(shipped().specs("framework")[0].capabilities) >= 120
    pp_sup = next(c for c in version.capabilities if c.code == "PP-SUP-01")
    assert {m.external_item.code for m in pp_sup.mappings} >= {"CC01", "CC03", "CC13"}
    assert pp_sup.uuid == pp_sup.uuid.lower() and pp_sup.supersedes_uuid is None
    assert queries.version_spec(version) == shipped().specs("framework")[0]


def test_publishing_records_who_and_when_and_audits_it(db):
    version = import_shipped()
    assert version.status == VersionStatus.published and version.published_at is not None
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert {"framework.imported", "framework.published"} <= set(actions)


def test_importing_the_same_published_files_again_changes_nothing(db):
    version = import_shipped()
    outcome = services.import_loaded(shipped(), by=None)
    assert outcome.versions == [] and outcome.unchanged == [f"{SLUG} 1.0.0"]
    assert db.session.scalar(sa.select(sa.func.count(FrameworkVersion.id))) == 1
    assert version.status == VersionStatus.published


def test_a_changed_file_with_a_published_version_number_is_refused_and_nothing_changes(db):
    version = import_shipped()
    spec = shipped().specs("framework")[0]
    changed = next_version(spec, "1.0.0", **{"PP-SUP-01": {"guidance": "Anything at all."}})
    with pytest.raises(VersionImmutable, match="1.0.0 is published and cannot be changed"):
        services.import_framework(changed, by=None)
    db.session.refresh(version)
    assert next(c for c in version.capabilities if c.code == "PP-SUP-01").guidance != "Anything at all."


def test_the_session_guard_refuses_any_change_to_a_published_version(db):
    version = import_shipped()
    db.session.flush()
    capability = version.capabilities[0]
    capability.statement = "Rewritten behind the services' back."
    with pytest.raises(VersionImmutable):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("change", ["delete_capability", "add_pillar_row", "retitle_version", "delete_version", "back_to_draft"])
def test_every_kind_of_change_to_a_published_version_is_refused(db, change):
    from competency.frameworks.models import Pillar

    version = import_shipped()
    if change == "delete_capability":
        db.session.delete(version.capabilities[0])
    elif change == "add_pillar_row":
        db.session.add(Pillar(version=version, uuid="0" * 36, code="extra", name="Extra", position=9))
    elif change == "retitle_version":
        version.title = "Another title"
    elif change == "delete_version":
        db.session.delete(version)
    elif change == "back_to_draft":
        version.status = VersionStatus.draft
    with pytest.raises(VersionImmutable):
        db.session.flush()
    db.session.rollback()


def test_bulk_updates_of_framework_content_are_refused(db):
    import_shipped()
    with pytest.raises(VersionImmutable):
        db.session.execute(sa.update(Capability).values(statement="bulk"))


def test_a_reworded_capability_needs_a_new_revision(db):
    import_shipped()
    spec = shipped().specs("framework")[0]
    reworded = next_version(spec, "1.1.0", **{"PP-REG-01": {"statement": "Practises autonomously and safely."}})
    with pytest.raises(FrameworkFileInvalid) as raised:
        services.import_framework(reworded, by=None)
    assert "set 'revision: 2'" in raised.value.problems[0]


def test_a_new_revision_gets_a_new_identifier_that_supersedes_the_old_one(db):
    old = import_shipped()
    old_capability = next(c for c in old.capabilities if c.code == "PP-REG-01")
    spec = shipped().specs("framework")[0]
    new_spec = next_version(spec, "1.1.0", **{"PP-REG-01": {"statement": "Practises autonomously and safely.", "revision": 2}})
    new, diff = services.import_framework(new_spec, by=None)
    new_capability = next(c for c in new.capabilities if c.code == "PP-REG-01")
    assert new_capability.uuid != old_capability.uuid
    assert new_capability.supersedes_uuid == old_capability.uuid
    unchanged = next(c for c in new.capabilities if c.code == "PP-REG-02")
    assert unchanged.uuid == next(c for c in old.capabilities if c.code == "PP-REG-02").uuid
    assert diff.count("reworded") == 1 and diff.unchanged == len(spec.capabilities) - 1
    detail = queries.capability_detail(new, old_capability.uuid)
    assert detail is None  # the old wording is not part of 1.1.0
    detail = queries.capability_detail(old, old_capability.uuid)
    assert [v.version for v, _ in detail.appearances] == ["1.0.0"]
    assert [v.version for v, _ in detail.other_revisions] == ["1.1.0"]


def test_retiring_keeps_the_version_and_its_identifiers(db):
    version = import_shipped()
    uuids = {c.uuid for c in version.capabilities}
    services.retire_version(version, by=None)
    db.session.flush()
    assert version.status == VersionStatus.retired
    assert queries.capability_in_version(version.id, next(iter(uuids))) is not None
    with pytest.raises(VersionImmutable):
        services.publish_version(version, by=None)


def test_a_draft_can_be_replaced_and_discarded(db):
    version = import_shipped(publish=False)
    again, _ = services.import_framework(shipped().specs("framework")[0], by=None)
    assert again is not version and sa.inspect(version).was_deleted and again.status == VersionStatus.draft
    assert db.session.scalar(sa.select(sa.func.count(FrameworkVersion.id))) == 1
    services.discard_draft(again, by=None)
    assert db.session.scalar(sa.select(sa.func.count(FrameworkVersion.id))) == 0


def test_the_crosswalk_is_imported_with_its_schemes(db):
    version = import_shipped()
    crosswalk = queries.crosswalk_for(version.framework)
    schemes = {s.code: {e.label: e.level_code for e in s.entries} for s in crosswalk.schemes}
    assert schemes["nhs_afc"]["Band 6"] == "enhanced"
    assert schemes["kr_range"]["KR10"] == "enhanced"


def test_matrix_filters_by_sector_and_profession(db, count_queries):
    version = import_shipped()
    with count_queries() as statements:
        everything = queries.matrix(version)
    assert everything.shown == everything.total >= 120
    assert len(statements) <= 8
    health = queries.matrix(version, sector="health")
    assert health.shown < everything.total  # signposting to voluntary services is tagged social care/voluntary
    dietetics = queries.matrix(version, profession="dietetics")
    assert all(c.applies_to(profession="dietetics") for cell in dietetics.cells.values() for c in cell)
    assert dietetics.shown == everything.total - 1  # trusted assessor is tagged for OT, physio and social care
