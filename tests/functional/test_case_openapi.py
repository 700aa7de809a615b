"""Every CASE service response checked against the official CASE 1.1 OpenAPI definition.

The definition (tests/fixtures/case/case-v1p1-openapi.json) gives, for each path, the
schema of the 200 body and of the error bodies. Each test walks everything one kind of
CASE document serves (our published version, the external frameworks our crosswalk
points at, reference frameworks from other tools, and a package using every kind of
definition) and validates every body with its ``$ref``s resolved and formats checked.
"""
from __future__ import annotations

import json
import re

import pytest

from competency.frameworks import case_reference
from tests.case_support import (
    PACKAGES,
    SAMPLES,
    component_validator,
    identifiers,
    openapi,
    openapi_errors,
    response_validator,
)
from tests.unit.frameworks_helpers import import_shipped

CASE = "/ims/case/v1p1"
# Path of the definition -> (collection in a package, where its objects are listed).
OBJECT_PATHS = {
    "/CFItems/{sourcedId}": "CFItems",
    "/CFItemAssociations/{sourcedId}": "CFItems",
    "/CFAssociations/{sourcedId}": "CFAssociations",
    "/CFItemTypes/{sourcedId}": "CFItemTypes",
    "/CFConcepts/{sourcedId}": "CFConcepts",
    "/CFSubjects/{sourcedId}": "CFSubjects",
    "/CFLicenses/{sourcedId}": "CFLicenses",
    "/CFAssociationGroupings/{sourcedId}": "CFAssociationGroupings",
    "/CFRubrics/{sourcedId}": "CFRubrics",
}
UNKNOWN = "3f1c2b7e-0000-4000-8000-000000000000"


def _listed(package: dict, collection: str) -> list[dict]:
    if collection in ("CFItems", "CFAssociations", "CFRubrics"):
        return package.get(collection) or []
    definitions = package.get("CFDefinitions")
    return (definitions.get(collection) or []) if isinstance(definitions, dict) else []


class Walk:
    """GETs every object of one served package by every path of the definition and validates each body."""

    def __init__(self, client, tolerated: frozenset[str] = frozenset()) -> None:
        self.client, self.tolerated = client, tolerated
        self.errors: list[str] = []
        self.validated: dict[str, int] = {}
        self._validators: dict[tuple[str, int], object] = {}

    def check(self, path: str, url: str, status: int = 200) -> dict:
        response = self.client.get(url)
        assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:300])
        assert response.mimetype == "application/json"
        body = response.get_json()
        validator = self._validators.setdefault((path, status), response_validator(path, status))
        self.errors += [f"{url}: {e}" for e in openapi_errors(validator, body, tolerated_identifiers=self.tolerated)]
        self.validated[path] = self.validated.get(path, 0) + 1
        return body

    def package(self, identifier: str) -> dict:
        package = self.check("/CFPackages/{sourcedId}", f"{CASE}/CFPackages/{identifier}")
        self.check("/CFDocuments/{sourcedId}", f"{CASE}/CFDocuments/{identifier}")
        for path, collection in OBJECT_PATHS.items():
            for entry in _listed(package, collection):
                self.check(path, f"{CASE}{path.replace('{sourcedId}', entry['identifier'])}")
        return package


def _tolerated(source: dict) -> frozenset[str]:
    """Source identifiers that are not RFC 4122 UUIDs (kept as they are: they are the objects' identity)."""
    pattern = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
    return frozenset(i for i in identifiers(source) if not pattern.search(i))


@pytest.fixture
def published(app, db):
    version = import_shipped()
    db.session.commit()
    return version


def test_the_definition_is_the_official_one_and_is_a_valid_openapi_document():
    from openapi_spec_validator import validate

    definition = openapi()
    validate(definition)
    assert definition["info"]["title"].startswith("Competencies and Academic Standards Exchange (CASE)")
    assert definition["info"]["version"] == "1.1"
    assert len(definition["paths"]) == 12


def test_every_response_for_our_published_version_conforms(client, published):
    walk = Walk(client)
    listed = walk.check("/CFDocuments", f"{CASE}/CFDocuments")
    walk.check("/CFDocuments", f"{CASE}/CFDocuments?limit=1&offset=1")
    package = walk.package(published.uuid)
    assert walk.errors == []
    assert walk.validated["/CFItems/{sourcedId}"] == len(package["CFItems"]) > 100
    assert walk.validated["/CFAssociations/{sourcedId}"] == len(package["CFAssociations"]) > 400
    assert walk.validated["/CFItemTypes/{sourcedId}"] == 3 and walk.validated["/CFConcepts/{sourcedId}"] >= 1
    # The external frameworks our crosswalk points at are CASE documents of their own.
    externals = [d["identifier"] for d in listed["CFDocuments"] if d.get("frameworkType") == "Reference framework"]
    assert externals
    for identifier in externals:
        walk.package(identifier)
    assert walk.errors == []


def _store(db, source: dict, name: str) -> None:
    case_reference.store_package(source, source=name, by=None)
    db.session.commit()


@pytest.mark.parametrize("path", [*PACKAGES, *SAMPLES], ids=lambda p: p.stem[:40])
def test_every_response_for_a_reference_framework_conforms(client, db, path):
    source = json.loads(path.read_text(encoding="utf-8"))
    _store(db, source, path.name)
    walk = Walk(client, tolerated=_tolerated(source))
    walk.check("/CFDocuments", f"{CASE}/CFDocuments")
    package = walk.package(source["CFDocument"]["identifier"])
    assert walk.errors == []
    assert [i["identifier"] for i in package["CFItems"]] == [i["identifier"] for i in source["CFItems"]]


def _rich_package() -> dict:
    """A small package using every collection CASE defines, written for this test."""
    when, base = "2024-03-01T09:30:00Z", "https://case.example.org/uri"
    ids = {name: f"5e1d0c2a-6b7f-4c3d-9e8f-{n:012x}" for n, name in enumerate(
        ["doc", "item1", "item2", "assoc1", "assoc2", "type", "concept", "subject", "subject2", "licence", "group",
         "rubric", "criterion", "level"], start=1)}

    def link(name: str, title: str) -> dict:
        return {"title": title, "identifier": ids[name], "uri": f"{base}/{ids[name]}"}

    def item(name: str, statement: str, code: str) -> dict:
        return {"identifier": ids[name], "uri": f"{base}/{ids[name]}", "fullStatement": statement, "humanCodingScheme": code,
                "CFItemType": "Outcome", "CFItemTypeURI": link("type", "Outcome"), "conceptKeywordsURI": link("concept", "Hygiene"),
                "subjectURI": [link("subject", "Infection control")], "licenseURI": link("licence", "Open Government Licence"),
                "educationLevel": ["Band 3"], "lastChangeDateTime": when}

    def association(name: str, kind: str, origin: str, destination: dict, sequence: int | None = None) -> dict:
        entry = {"identifier": ids[name], "uri": f"{base}/{ids[name]}", "associationType": kind}
        if sequence:
            entry["sequenceNumber"] = sequence
        entry.update({"originNodeURI": link(origin, origin), "destinationNodeURI": destination,
                      "CFAssociationGroupingURI": link("group", "Core"), "lastChangeDateTime": when})
        return entry

    return {
        "CFDocument": {"identifier": ids["doc"], "uri": f"{base}/{ids['doc']}", "creator": "Example Trust", "title": "Hand hygiene",
                       "lastChangeDateTime": when, "version": "2.0", "subjectURI": [link("subject", "Infection control")],
                       "licenseURI": link("licence", "Open Government Licence"), "caseVersion": "1.1"},
        "CFItems": [item("item1", "Performs hand hygiene at the five moments.", "HH-1"),
                    item("item2", "Chooses between soap and alcohol rub.", "HH-2")],
        "CFAssociations": [association("assoc1", "isChildOf", "item1", link("doc", "Hand hygiene"), 1),
                           association("assoc2", "precedes", "item1", link("item2", "HH-2"))],
        "CFDefinitions": {
            "CFConcepts": [{"identifier": ids["concept"], "uri": f"{base}/{ids['concept']}", "title": "Hygiene",
                            "hierarchyCode": "1", "lastChangeDateTime": when}],
            "CFSubjects": [{"identifier": ids["subject"], "uri": f"{base}/{ids['subject']}", "title": "Infection control",
                            "hierarchyCode": "1", "lastChangeDateTime": when},
                           {"identifier": ids["subject2"], "uri": f"{base}/{ids['subject2']}", "title": "Hand hygiene",
                            "hierarchyCode": "1.1", "lastChangeDateTime": when}],
            "CFLicenses": [{"identifier": ids["licence"], "uri": f"{base}/{ids['licence']}", "title": "Open Government Licence",
                            "licenseText": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
                            "lastChangeDateTime": when}],
            "CFItemTypes": [{"identifier": ids["type"], "uri": f"{base}/{ids['type']}", "title": "Outcome",
                             "description": "A learning outcome", "hierarchyCode": "1", "lastChangeDateTime": when}],
            "CFAssociationGroupings": [{"identifier": ids["group"], "uri": f"{base}/{ids['group']}", "title": "Core",
                                        "lastChangeDateTime": when}],
        },
        "CFRubrics": [{"identifier": ids["rubric"], "uri": f"{base}/{ids['rubric']}", "title": "Observed practice",
                       "lastChangeDateTime": when,
                       "CFRubricCriteria": [{"identifier": ids["criterion"], "uri": f"{base}/{ids['criterion']}",
                                             "CFItemURI": link("item1", "HH-1"), "position": 1, "rubricId": ids["rubric"],
                                             "lastChangeDateTime": when,
                                             "CFRubricCriterionLevels": [{"identifier": ids["level"], "uri": f"{base}/{ids['level']}",
                                                                          "quality": "Meets", "score": 1.0, "position": 1,
                                                                          "rubricCriterionId": ids["criterion"],
                                                                          "lastChangeDateTime": when}]}]}],
    }


def test_every_path_of_the_definition_answers_with_a_conforming_body(client, db, published):
    source = _rich_package()
    assert openapi_errors(component_validator("CFPackageDType"), source) == []
    _store(db, source, "rich.json")
    walk = Walk(client)
    walk.check("/CFDocuments", f"{CASE}/CFDocuments")
    walk.package(published.uuid)
    package = walk.package(source["CFDocument"]["identifier"])
    assert walk.errors == []
    assert set(walk.validated) == set(openapi()["paths"])
    # The package served is the source, with links pointing here.
    assert {i["identifier"] for i in package["CFItems"]} == {i["identifier"] for i in source["CFItems"]}
    assert package["CFRubrics"][0]["CFRubricCriteria"][0]["CFItemURI"]["uri"].endswith(f"/CFItems/{source['CFItems'][0]['identifier']}")
    subjects = client.get(f"{CASE}/CFSubjects/{source['CFDefinitions']['CFSubjects'][0]['identifier']}").get_json()["CFSubjects"]
    assert [s["title"] for s in subjects] == ["Infection control", "Hand hygiene"]  # the subject and its child


def test_the_list_endpoints_outside_the_definition_list_conforming_objects(client, db):
    """``GET /CFSubjects`` and ``GET /CFRubrics`` are not in the 1.1 definition; what they list still conforms."""
    _store(db, _rich_package(), "rich.json")
    for path, key, schema in (("CFSubjects", "CFSubjects", "CFSubjectDType"), ("CFRubrics", "CFRubrics", "CFRubricDType")):
        listed = client.get(f"{CASE}/{path}").get_json()[key]
        assert listed
        validator = component_validator(schema)
        assert [e for entry in listed for e in openapi_errors(validator, entry)] == []


@pytest.mark.parametrize("path", sorted(openapi()["paths"]))
def test_error_bodies_conform(client, db, path):
    walk = Walk(client)
    if "{sourcedId}" in path:
        for identifier in (UNKNOWN, "not-a-uuid"):
            body = walk.check(path, f"{CASE}{path.replace('{sourcedId}', identifier)}", status=404)
            assert body["imsx_codeMajor"] == "failure"
    else:
        for query in ("limit=0", "offset=-1", "limit=many"):
            body = walk.check(path, f"{CASE}{path}?{query}", status=400)
            assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "invalid_selection_field"
    assert walk.errors == []
