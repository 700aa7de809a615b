"""Frameworks that travel: third-party CASE packages, identity-keeping round trips, Moodle both ways."""
from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

import pytest

from competency.frameworks import case_mapping, case_reference, exports, queries, services
from competency.frameworks.case_import import read_case_text
from tests.case_support import FIXTURES, PACKAGES, by_identifier, schema_errors, without_uris
from tests.case_support import uris as uris_of
from tests.unit.frameworks_helpers import import_shipped

BASE = "http://127.0.0.1:5000"


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


def run(cli, *args):
    from competency.frameworks.commands import frameworks_cli

    return cli.invoke(frameworks_cli, [str(a) for a in args])


@pytest.mark.parametrize("path", PACKAGES, ids=lambda p: p.stem)
def test_fixture_packages_are_valid_case_1_1(path):
    assert schema_errors(json.loads(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("path", PACKAGES, ids=lambda p: p.stem)
def test_a_third_party_package_imports_and_exports_equal_to_the_source(cli, db, tmp_path, path):
    """Before: refused with "CFDocument.version is missing" / "CFItemType ... is not one of Pillar, ..."."""
    source = json.loads(path.read_text(encoding="utf-8"))
    result = run(cli, "import-case", path)
    assert result.exit_code == 0, result.output
    assert "reference framework" in result.output
    out = tmp_path / "again.json"
    assert run(cli, "export-case", source["CFDocument"]["identifier"], "--source-uris", "-o", out).exit_code == 0
    again = json.loads(out.read_text(encoding="utf-8"))
    assert again == source
    for collection in ("CFItems", "CFAssociations"):
        assert by_identifier(again[collection]) == by_identifier(source[collection])
    # Served here, only the uri of objects in the package changes (so the links resolve on this installation).
    local = case_reference.export_reference(case_reference.document_by_identifier(source["CFDocument"]["identifier"]), base_url=BASE)
    assert without_uris(local) == without_uris(source)


@pytest.mark.parametrize("path", PACKAGES, ids=lambda p: p.stem)
def test_the_mapping_step_makes_a_draft_that_keeps_the_source_identifiers(db, path):
    source = json.loads(path.read_text(encoding="utf-8"))
    document, _ = case_reference.store_package(source, source=path.name, by=None)
    version = case_mapping.create_draft(document, case_mapping.propose(document), by=None)
    package = exports.case_package(version, base_url=BASE)
    assert package["CFDocument"]["identifier"] == source["CFDocument"]["identifier"]
    ours = {item["identifier"] for item in package["CFItems"] if item["CFItemType"] in ("Pillar", "Capability")}
    assert ours <= {item["identifier"] for item in source["CFItems"]} | {version.pillars[0].uuid}
    assert {c.uuid for c in version.capabilities} <= {item["identifier"] for item in source["CFItems"]}
    # And the draft survives its own round trip with those identifiers.
    again = read_case_text(exports.render(version, "case", base_url=BASE), "draft.json", queries.external_specs(),
                           queries.external_item_ids())
    assert [again.spec.capability_id(c) for c in again.spec.capabilities] == [c.uuid for c in version.capabilities]


def test_smartlevel_mapping_puts_items_under_their_top_level_parents(db):
    source = json.loads((FIXTURES / "packages" / "SmartLevelFramework.json").read_text(encoding="utf-8"))
    document, _ = case_reference.store_package(source, source="smart.json", by=None)
    proposal = case_mapping.propose(document)
    assert proposal.roles == {"depth 1": "pillar", "depth 2": "capability"}
    spec = case_mapping.to_spec(document, proposal)
    assert [p.name for p in spec.pillars] == ["Item 1", "Item 2"]
    assert sum(1 for c in spec.capabilities if c.pillar == spec.pillars[1].code) == 2


def test_a_mapping_file_changes_roles_and_levels(cli, db, tmp_path):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"slug": "smart-level", "version": "2.0.0", "roles": {"depth 1": "capability"},
                                   "levels": {"source": "single", "name": "Foundation"}}), encoding="utf-8")
    result = run(cli, "import-case", FIXTURES / "packages" / "SmartLevelFramework.json", "--mapping", mapping)
    assert result.exit_code == 0, result.output
    version = queries.version_by_number(queries.framework_by_slug("smart-level"), "2.0.0")
    assert len(version.capabilities) == 14 and [lv.name for lv in version.levels] == ["Foundation"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"roles": {"depth 1": "chapter"}}), encoding="utf-8")
    refused = run(cli, "import-case", FIXTURES / "packages" / "SmartLevelFramework.json", "--mapping", bad)
    assert refused.exit_code == 1 and "Unknown role(s) chapter" in refused.output


def test_reimporting_our_package_into_a_fresh_installation_keeps_every_crosswalk_association(tmp_path):
    """Before: all isRelatedTo/exactMatchOf associations to unknown external items were dropped."""
    from competency import create_app
    from competency.extensions import db as _db
    from config import TestingConfig

    def installation(name):
        class Config(TestingConfig):
            INSTANCE_DIR = tmp_path / name
            SQLALCHEMY_DATABASE_URI = "sqlite://"
        return create_app(Config)

    with installation("first").app_context():
        _db.create_all()
        version = import_shipped()
        _db.session.commit()
        exported = json.loads(exports.render(version, "case", base_url=BASE))
        _db.session.remove()
    with installation("second").app_context():
        _db.create_all()  # no reference lists at all
        package = read_case_text(json.dumps(exported), "package.json", {})
        imported, _ = services.import_case_package(package, by=None, source_name="package.json", keep_status=True)
        _db.session.commit()
        again = json.loads(exports.render(imported, "case", base_url=BASE))
        assert imported.kept_identifiers == []  # our own identifiers are derived again, nothing to keep
        _db.session.remove()
    crosswalk = [a for a in exported["CFAssociations"] if a["associationType"] in ("isRelatedTo", "exactMatchOf")]
    assert len(crosswalk) > 100
    assert by_identifier(again["CFAssociations"]) == by_identifier(exported["CFAssociations"])
    assert again == exported


def test_a_package_with_another_tools_identifiers_keeps_them(db):
    """Before: 0 item identifiers (nor the document's) survived; derived ones replaced them."""
    version = import_shipped()
    text = exports.render(version, "case", base_url=BASE)
    package = json.loads(text)
    renamed = {package["CFDocument"]["identifier"]: str(uuid.uuid4())}
    renamed.update({item["identifier"]: str(uuid.uuid4()) for item in package["CFItems"]})
    for old, new in renamed.items():
        text = text.replace(old, new)
    foreign = json.loads(text)
    foreign["CFDocument"]["version"] = "9.0.0"
    imported = read_case_text(json.dumps(foreign), "foreign.json", queries.external_specs(), queries.external_item_ids())
    version2, _ = services.import_case_package(imported, by=None, source_name="foreign.json")
    again = exports.case_package(version2, base_url=BASE)
    assert again["CFDocument"]["identifier"] == foreign["CFDocument"]["identifier"]
    assert [i["identifier"] for i in again["CFItems"]] == [i["identifier"] for i in foreign["CFItems"]]


def test_moodle_export_carries_the_crosswalk_in_the_cross_reference_column(db):
    """Before: the "Cross-referenced competency ID numbers" column was empty on every row."""
    version = import_shipped()
    rows = list(csv.DictReader(io.StringIO(exports.render(version, "moodle-csv", base_url=BASE))))
    by_id = {row["ID number"]: row for row in rows}
    mapped = [c for c in version.capabilities if c.mappings]
    assert mapped
    for capability in mapped:
        related = by_id[capability.code]["Cross-referenced competency ID numbers"].split(",")
        assert related and all(ref in by_id for ref in related)  # Moodle relates competencies within the file


def test_a_framework_exported_by_moodle_imports(cli, db):
    result = run(cli, "import-moodle", FIXTURES.parent / "moodle" / "wound-care-framework.csv")
    assert result.exit_code == 0, result.output
    version = queries.version_by_number(queries.framework_by_slug("community-wound-care"), "1.0.0")
    assert [p.name for p in version.pillars] == ["Assessing a wound", "Dressing a wound"]
    assert {c.code for c in version.capabilities} == {"WC-ASSESS-1", "WC-ASSESS-2", "WC-ASSESS-2A", "WC-DRESS-1", "WC-DRESS-2"}
    # The reference framework keeps Moodle's cross-references as isRelatedTo.
    document = case_reference.all_documents()[0]
    assert sum(1 for a in document.of("CFAssociations") if a.data["associationType"] == "isRelatedTo") == 3


def test_our_moodle_export_comes_back_through_the_moodle_importer(db):
    from competency.frameworks.moodle_import import import_moodle_csv

    version = import_shipped()
    text = exports.render(version, "moodle-csv", base_url=BASE)
    draft, _ = import_moodle_csv(text.encode(), source="ours.csv", by=None)
    assert {c.code for c in version.capabilities} <= {c.code for c in draft.capabilities}


@pytest.mark.parametrize(("text", "message"), [
    ("Parent ID number,ID number\n", "missing Moodle column(s)"),
    ('"Parent ID number","ID number","Short name",Description,"Is framework",Taxonomy\n,F,Frame,,1,competency\nX,A,Orphan,,,\n',
     "parent 'X' is not a competency in this file"),
])
def test_a_broken_moodle_file_is_refused_with_the_line(db, text, message):
    from competency.frameworks.errors import FrameworkFileInvalid
    from competency.frameworks.moodle_import import import_moodle_csv

    with pytest.raises(FrameworkFileInvalid) as caught:
        import_moodle_csv(text.encode(), source="bad.csv", by=None)
    assert any(message in problem for problem in caught.value.problems)


def test_a_broken_case_package_is_refused_listing_every_problem(db):
    from competency.frameworks.case import CaseFormatError

    with pytest.raises(CaseFormatError) as caught:
        case_reference.store_package({"CFDocument": {"identifier": "x"}, "CFItems": [{}, {"identifier": "a"}, {"identifier": "A"}],
                                      "CFAssociations": [{"identifier": "b"}]}, source="p.json", by=None)
    problems = "\n".join(caught.value.problems)
    assert "CFDocument.title is missing" in problems and "CFItems[0].identifier is missing" in problems
    assert "appears twice" in problems and "originNodeURI needs an identifier" in problems
    assert case_reference.all_documents() == []


def _as_another_tool_would(package: dict) -> dict:
    """The package after a round trip through another CASE tool that gives everything in it its own identifier and uri.

    Every object of the package (document, items, associations, item types, concepts) gets a
    new UUID and a uri on the other tool's host, and every link to one follows; links to
    objects outside the package (crosswalk targets, a previous revision) are left alone.
    """
    objects = [package["CFDocument"], *package["CFItems"], *package["CFAssociations"],
               *[entry for entries in package["CFDefinitions"].values() for entry in entries]]
    renamed = {obj["identifier"]: str(uuid.uuid4()) for obj in objects}
    text = json.dumps(package)
    for old, new in renamed.items():
        text = text.replace(old, new)
    foreign = json.loads(text)

    def rehost(value):
        if isinstance(value, dict):
            if value.get("identifier") in renamed.values() and "uri" in value:
                value["uri"] = f"https://other-tool.example/uri/{value['identifier']}"
            for inner in value.values():
                rehost(inner)
        elif isinstance(value, list):
            for inner in value:
                rehost(inner)
    rehost(foreign)
    assert not any(old in json.dumps(foreign) for old in renamed)
    return foreign


def test_a_round_trip_through_a_tool_that_renames_every_identifier_changes_nothing(tmp_path):
    """Before: item and document identifiers came back, but every association (and item type and concept) got a new one."""
    from competency import create_app
    from competency.extensions import db as _db
    from competency.frameworks.commands import frameworks_cli
    from competency.frameworks.loading import load_path
    from config import TestingConfig
    from tests.unit.frameworks_helpers import SHIPPED

    def installation(name):
        class Config(TestingConfig):
            INSTANCE_DIR = tmp_path / name
            SQLALCHEMY_DATABASE_URI = "sqlite://"
            BASE_URL = BASE
        return create_app(Config)

    with installation("ours").app_context():
        _db.create_all()
        exported = json.loads(exports.render(import_shipped(), "case", base_url=BASE))
        _db.session.remove()
    foreign = _as_another_tool_would(exported)
    path = tmp_path / "from-the-other-tool.json"
    path.write_text(json.dumps(foreign, indent=2), encoding="utf-8")

    app = installation("back-again")
    with app.app_context():
        _db.create_all()
        for spec in load_path(SHIPPED / "external").specs("external_framework"):  # the reference lists, as on any installation
            services.upsert_external_framework(spec)
        _db.session.commit()
        result = app.test_cli_runner().invoke(frameworks_cli, ["import-case", str(path)])
        assert result.exit_code == 0, result.output
        version = queries.version_by_number(queries.framework_by_slug(exported["CFDocument"]["officialSourceURL"].rsplit("/", 1)[-1]),
                                            exported["CFDocument"]["version"])
        again = exports.case_package(version, base_url=BASE)
        _db.session.remove()
    # Identifiers: document, items, associations and definitions, all as the other tool named them.
    assert again["CFDocument"]["identifier"] == foreign["CFDocument"]["identifier"]
    for collection in ("CFItems", "CFAssociations"):
        assert [e["identifier"] for e in again[collection]] == [e["identifier"] for e in foreign[collection]], collection
    for name, entries in foreign["CFDefinitions"].items():
        assert [e["identifier"] for e in again["CFDefinitions"][name]] == [e["identifier"] for e in entries], name
    # And everything else: only the uris differ (each now points at this installation).
    assert without_uris(again) == without_uris(foreign)
    assert all(uri.startswith(BASE) for uri in uris_of(again))


# --- OpenSALT's "What Standards Could Be": typed items three levels deep ------------------------

WSCB = FIXTURES / "samples" / "opensalt-framework-20c5134f-423d-4097-a971-3dd5152bf507.json"


def _wscb() -> dict:
    return json.loads(WSCB.read_text(encoding="utf-8"))


def _of_type(source: dict, kind: str) -> list[dict]:
    return [item for item in source["CFItems"] if item["CFItemType"] == kind]


def test_what_standards_could_be_is_typed_and_three_levels_deep():
    source = _wscb()
    assert {item["CFItemType"] for item in source["CFItems"]} == {"Cluster", "Standard", "Component"}
    items = by_identifier(source["CFItems"])
    parent = {a["originNodeURI"]["identifier"]: a["destinationNodeURI"]["identifier"]
              for a in source["CFAssociations"] if a["associationType"] == "isChildOf"}
    component = _of_type(source, "Component")[0]["identifier"]
    assert [items[node]["CFItemType"] for node in (component, parent[component], parent[parent[component]])] == \
        ["Component", "Standard", "Cluster"]
    assert parent[parent[parent[component]]] == source["CFDocument"]["identifier"]


def test_what_standards_could_be_comes_back_from_the_reference_framework_equal_to_the_source(cli, db, tmp_path):
    source = _wscb()
    result = run(cli, "import-case", WSCB)
    assert result.exit_code == 0, result.output
    assert "16 items, 39 associations" in result.output
    out = tmp_path / "again.json"
    assert run(cli, "export-case", source["CFDocument"]["identifier"], "--source-uris", "-o", out).exit_code == 0
    again = json.loads(out.read_text(encoding="utf-8"))
    for collection in ("CFItems", "CFAssociations"):
        assert [e["identifier"] for e in again[collection]] == [e["identifier"] for e in source[collection]]
        assert by_identifier(again[collection]) == by_identifier(source[collection])
    assert again == source
    assert out.read_text(encoding="utf-8") == json.dumps(source, indent=2, ensure_ascii=False) + "\n"


def test_what_standards_could_be_maps_clusters_to_pillars_and_standards_to_capabilities_from_the_cli(cli, db, tmp_path):
    """The proposal is printed; the editor confirms it in a mapping file, choosing a level for each cluster."""
    source = _wscb()
    proposed = run(cli, "import-case", WSCB)
    assert proposed.exit_code == 0, proposed.output
    proposal = json.loads(proposed.output[proposed.output.index("{"):])
    assert proposal["roles"] == {"Cluster": "pillar", "Standard": "capability", "Component": "capability"}
    assert proposal["levels"]["source"] == "educationLevel"  # OpenSALT's "educationalLevel" is read too
    clusters = _of_type(source, "Cluster")
    proposal["levels"] = {"source": "branch", "name": "Grade 6", "branches": {clusters[0]["identifier"]: "Grade 6",
                                                                             clusters[1]["identifier"]: "Grade 7"}}
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(proposal), encoding="utf-8")
    result = run(cli, "import-case", WSCB, "--mapping", mapping)
    assert result.exit_code == 0, result.output
    assert "Created the draft what-standards-could-be 1.0.0 (14 capabilities)" in result.output

    version = queries.version_by_number(queries.framework_by_slug("what-standards-could-be"), "1.0.0")
    assert version.uuid == source["CFDocument"]["identifier"]
    assert [p.uuid for p in version.pillars] == [c["identifier"] for c in clusters]
    assert [lv.name for lv in version.levels] == ["Grade 6", "Grade 7"]
    statements = [i for i in source["CFItems"] if i["CFItemType"] in ("Standard", "Component")]
    assert {c.uuid for c in version.capabilities} == {i["identifier"] for i in statements}
    grade = {c.uuid: (c.pillar.uuid, c.level.name) for c in version.capabilities}
    for item in statements:  # every statement sits in its own cluster, at that cluster's grade
        cluster = clusters[0] if ".6." in item["humanCodingScheme"] else clusters[1]
        assert grade[item["identifier"]] == (cluster["identifier"], "Grade 6" if cluster is clusters[0] else "Grade 7")
    _assert_draft_keeps_source_identifiers(version, source)


def _assert_draft_keeps_source_identifiers(version, source: dict) -> None:
    """The draft exports with the source's document, item and (where it states the same relation) association identifiers."""
    package = json.loads(exports.render(version, "case", base_url=BASE))
    assert package["CFDocument"]["identifier"] == source["CFDocument"]["identifier"]
    source_ids = {item["identifier"] for item in source["CFItems"]}
    exported = [i for i in package["CFItems"] if i["CFItemType"] in ("Pillar", "Capability")]
    assert len(exported) == 16 and {i["identifier"] for i in exported} == source_ids
    same_relation = {(a["associationType"], a["originNodeURI"]["identifier"], a["destinationNodeURI"]["identifier"]): a["identifier"]
                     for a in source["CFAssociations"]}
    kept = [a for a in package["CFAssociations"]
            if same_relation.get((a["associationType"], a["originNodeURI"]["identifier"], a["destinationNodeURI"]["identifier"]))
            == a["identifier"]]
    assert len(kept) == 2 + 6  # both clusters under the document, the six standards under their cluster
    assert schema_errors(package) == []
    # And the draft's own package comes back with every one of those identifiers.
    again = read_case_text(json.dumps(package), "draft.json", queries.external_specs(), queries.external_item_ids())
    assert again.spec.identifier == source["CFDocument"]["identifier"]
    assert {again.spec.capability_id(c) for c in again.spec.capabilities} == {c.uuid for c in version.capabilities}
    assert {a for a in again.identifiers.values()} >= {a["identifier"] for a in kept}
