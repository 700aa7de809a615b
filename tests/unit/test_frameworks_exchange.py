"""CASE 1.1 and Moodle exports of the shipped framework, and the CASE round trip."""
from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter

import pytest

from competency.frameworks import exports, queries, services
from competency.frameworks.case import CaseFormatError, VersionState, dumps, export_package
from competency.frameworks.case_import import read_case_text
from competency.frameworks.loading import load_text
from competency.frameworks.moodle import MOODLE_HEADERS
from tests.unit.frameworks_helpers import import_shipped, next_version, shipped

BASE = "http://127.0.0.1:5000"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@pytest.fixture
def package(db):
    version = import_shipped()
    return exports.case_package(version, base_url=BASE)


def test_case_package_has_every_capability_as_an_item(package):
    types = Counter(item["CFItemType"] for item in package["CFItems"])
    assert types["Capability"] >= 120 and types["Pillar"] == 5 and types["Level of practice"] == 8
    assert package["CFDocument"]["caseVersion"] == "1.1" and package["CFDocument"]["adoptionStatus"] == "Adopted"


def test_every_item_is_reachable_from_the_document_through_is_child_of(package):
    document = package["CFDocument"]["identifier"]
    parent = {a["originNodeURI"]["identifier"]: a["destinationNodeURI"]["identifier"]
              for a in package["CFAssociations"] if a["associationType"] == "isChildOf"}
    for item in package["CFItems"]:
        node, hops = item["identifier"], 0
        while node != document:
            assert node in parent, f"{item['humanCodingScheme']} is not connected to the document"
            node, hops = parent[node], hops + 1
            assert hops < 5


def test_identifiers_are_lowercase_uuids_and_timestamps_iso_utc(package):
    identifiers = [package["CFDocument"]["identifier"]]
    identifiers += [item["identifier"] for item in package["CFItems"]]
    identifiers += [a["identifier"] for a in package["CFAssociations"]]
    identifiers += [a["destinationNodeURI"]["identifier"] for a in package["CFAssociations"]]
    assert all(UUID.match(identifier) for identifier in identifiers)
    assert len(set(identifiers[: 1 + len(package["CFItems"])])) == 1 + len(package["CFItems"])
    stamps = [package["CFDocument"]["lastChangeDateTime"]] + [x["lastChangeDateTime"] for x in package["CFItems"] + package["CFAssociations"]]
    assert all(TIMESTAMP.match(stamp) for stamp in stamps)


def test_levels_match_the_career_framework_and_capabilities_have_skill_levels(package):
    kinds = Counter(a["associationType"] for a in package["CFAssociations"])
    capabilities = sum(1 for item in package["CFItems"] if item["CFItemType"] == "Capability")
    assert kinds["hasSkillLevel"] == capabilities
    # Every level except pre-registration is an exact match of an NHS Career Framework level.
    assert kinds["exactMatchOf"] == 7
    assert kinds["isRelatedTo"] > capabilities  # Care Certificate, PCF and AHP support worker mappings


def test_a_new_revision_is_exported_with_replaced_by(db):
    import_shipped()
    spec = shipped().specs("framework")[0]
    new_spec = next_version(spec, "1.1.0", **{"PP-REG-01": {"statement": "Practises autonomously and safely.", "revision": 2}})
    version, _ = services.import_framework(new_spec, by=None)
    package = exports.case_package(version, base_url=BASE)
    (replaced,) = [a for a in package["CFAssociations"] if a["associationType"] == "replacedBy"]
    old = next(c for c in queries.framework_by_slug(spec.slug).versions[0].capabilities if c.code == "PP-REG-01")
    assert replaced["originNodeURI"]["identifier"] == old.uuid
    assert replaced["destinationNodeURI"]["identifier"] == new_spec.capability_id(new_spec.capabilities[15])


def test_export_import_export_is_identical_across_installations(tmp_path):
    """Export from one installation, import into a fresh one, export again: the same bytes."""
    from competency import create_app
    from competency.extensions import db as _db
    from config import TestingConfig

    def installation(name):
        class Config(TestingConfig):
            INSTANCE_DIR = tmp_path / name
            SQLALCHEMY_DATABASE_URI = "sqlite://"
        return create_app(Config)

    first, second = installation("first"), installation("second")
    with first.app_context():
        _db.create_all()
        import_shipped()
        _db.session.commit()
        version = queries.current_version(queries.framework_by_slug("shared-capability-framework"))
        exported = exports.render(version, "case", base_url=BASE)
        _db.session.remove()
    with second.app_context():
        _db.create_all()
        services.import_loaded(load_text_externals(), by=None)  # reference lists only
        package = read_case_text(exported, "package.json", queries.external_specs())
        imported, _ = services.import_case_package(package, by=None, source_name="package.json", keep_status=True)
        _db.session.commit()
        again = exports.render(imported, "case", base_url=BASE)
        _db.session.remove()
    assert json.loads(again) == json.loads(exported)
    assert again == exported


def load_text_externals():
    from competency.frameworks.loading import load_path
    from tests.unit.frameworks_helpers import SHIPPED

    return load_path(SHIPPED / "external")


def test_case_reader_refuses_broken_packages_with_a_clear_message():
    with pytest.raises(CaseFormatError, match=r"package.json:3: not valid JSON"):
        read_case_text('{\n"CFDocument": {},\n]', "package.json", {})
    result = shipped()
    spec = result.specs("framework")[0]
    externals = {e.slug: e for e in result.specs("external_framework")}
    from datetime import datetime, timezone

    package = export_package(spec, VersionState("draft", datetime(2026, 1, 1, tzinfo=timezone.utc)), base_url=BASE, externals=externals)
    for assoc in package["CFAssociations"]:
        if assoc["associationType"] == "hasSkillLevel" and assoc["originNodeURI"]["title"] == "PP-SUP-01":
            package["CFAssociations"].remove(assoc)
            break
    with pytest.raises(CaseFormatError, match="capability PP-SUP-01 has no hasSkillLevel association"):
        read_case_text(dumps(package), "package.json", externals)


def test_moodle_csv_uses_the_importer_headers_and_a_parent_for_every_row(db):
    version = import_shipped()
    rows = list(csv.reader(io.StringIO(exports.render(version, "moodle-csv", base_url=BASE))))
    assert tuple(rows[0]) == MOODLE_HEADERS == (
        "Parent ID number", "ID number", "Short name", "Description", "Description format", "Scale values",
        "Scale configuration", "Rule type (optional)", "Rule outcome (optional)", "Rule config (optional)",
        "Cross-referenced competency ID numbers", "Exported ID (optional)", "Is framework", "Taxonomy")
    framework, competencies = rows[1], rows[2:]
    assert framework[12] == "1" and framework[13] == "domain,level,competency"
    assert json.loads(framework[6])[0] == {"scaleid": "1"}
    ids = [row[1] for row in competencies]
    assert len(ids) == len(set(ids))
    assert all(row[0] == "" or row[0] in ids for row in competencies)
    assert {c.code for c in version.capabilities} <= set(ids)
    assert all(len(row) == 14 and len(row[2]) <= 100 for row in competencies)


def test_yaml_export_reads_back_as_the_same_framework(db):
    version = import_shipped()
    text = exports.render(version, "yaml", base_url=BASE)
    result = load_text(text, "exported.yaml")
    assert result.ok and result.specs("framework")[0] == shipped().specs("framework")[0]
