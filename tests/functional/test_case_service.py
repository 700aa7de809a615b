"""The CASE 1.1 read service: every binding path, links that resolve, our package valid against the schema."""
from __future__ import annotations

import json

import pytest

from competency.frameworks import case_reference, exports, queries
from tests.case_support import PACKAGES, SAMPLES, local_path, schema_errors, strict_errors, uris
from tests.unit.frameworks_helpers import import_shipped

CASE = "/ims/case/v1p1"


@pytest.fixture
def published(app, db):
    version = import_shipped()
    db.session.commit()
    return version


def _package(client, version):
    response = client.get(f"{CASE}/CFPackages/{version.uuid}")
    assert response.status_code == 200
    return response.get_json()


def test_our_package_is_valid_against_the_case_1_1_package_schema(client, published):
    """Before: CFDocumentURI on every item and association and CFPackageURI on the document."""
    package = _package(client, published)
    assert schema_errors(package) == []
    assert strict_errors(package) == []
    assert all("CFDocumentURI" not in entry for entry in package["CFItems"] + package["CFAssociations"])
    assert "CFPackageURI" not in package["CFDocument"]


def test_every_uri_in_our_package_answers_200(client, published, app):
    """Before: all association links, item-type and concept links and the urn: crosswalk targets failed."""
    package = _package(client, published)
    links = uris(package)
    base = app.config["BASE_URL"].rstrip("/")
    assert all(uri.startswith(base + CASE) for uri in links if "/frameworks/" not in uri), \
        sorted(uri for uri in links if not uri.startswith(base))[:5]
    failures = {uri: client.get(local_path(uri)).status_code for uri in sorted(links) if uri.startswith(base + CASE)}
    assert {uri: status for uri, status in failures.items() if status != 200} == {}
    assert len(failures) > 500


def test_crosswalk_targets_are_case_links_with_a_target_type(client, published):
    package = _package(client, published)
    related = [a for a in package["CFAssociations"] if a["associationType"] == "isRelatedTo"]
    assert related and all(a["destinationNodeURI"]["targetType"] == "CASE" for a in related)
    target = related[0]["destinationNodeURI"]
    item = client.get(local_path(target["uri"])).get_json()
    assert item["identifier"] == target["identifier"] and item["CFDocumentURI"]["uri"].endswith(item["CFDocumentURI"]["identifier"])
    # The external framework is a CASE document of its own, listed with ours.
    documents = {d["identifier"]: d for d in client.get(f"{CASE}/CFDocuments").get_json()["CFDocuments"]}
    assert item["CFDocumentURI"]["identifier"] in documents and published.uuid in documents


def test_single_object_endpoints_carry_their_document(client, published):
    package = _package(client, published)
    association = package["CFAssociations"][0]
    got = client.get(f"{CASE}/CFAssociations/{association['identifier']}").get_json()
    assert got["CFDocumentURI"]["identifier"] == published.uuid and got["originNodeURI"] == association["originNodeURI"]
    capability = next(i for i in package["CFItems"] if i["CFItemType"] == "Capability")
    linked = client.get(f"{CASE}/CFItemAssociations/{capability['identifier']}").get_json()
    assert linked["CFItem"]["identifier"] == capability["identifier"]
    kinds = {a["associationType"] for a in linked["CFAssociations"]}
    assert {"isChildOf", "hasSkillLevel"} <= kinds
    document = client.get(f"{CASE}/CFDocuments/{published.uuid}").get_json()
    assert document["CFPackageURI"]["uri"].endswith(f"/CFPackages/{published.uuid}")
    item_type = package["CFDefinitions"]["CFItemTypes"][0]
    assert client.get(f"{CASE}/CFItemTypes/{item_type['identifier']}").get_json()["CFItemTypes"][0] == item_type
    concept = package["CFDefinitions"]["CFConcepts"][0]
    assert client.get(f"{CASE}/CFConcepts/{concept['identifier']}").get_json()["CFConcepts"][0] == concept


@pytest.mark.parametrize("path", ["CFItems", "CFAssociations", "CFItemAssociations", "CFItemTypes", "CFConcepts",
                                  "CFSubjects", "CFLicenses", "CFRubrics", "CFAssociationGroupings", "CFDocuments", "CFPackages"])
def test_unknown_and_malformed_identifiers_get_the_binding_errors(client, db, path):
    unknown = client.get(f"{CASE}/{path}/3f1c2b7e-0000-4000-8000-000000000000")
    assert unknown.status_code == 404
    body = unknown.get_json()
    assert body["imsx_codeMajor"] == "failure" and body["imsx_severity"] == "error"
    assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "unknownobject"
    malformed = client.get(f"{CASE}/{path}/not-a-uuid")
    assert malformed.status_code == 404
    assert malformed.get_json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "invalid_uuid"


def test_document_list_pages_and_refuses_bad_paging(client, published):
    whole = client.get(f"{CASE}/CFDocuments")
    total = int(whole.headers["X-Total-Count"])
    assert total == len(whole.get_json()["CFDocuments"]) >= 2
    page = client.get(f"{CASE}/CFDocuments?limit=1&offset=1").get_json()["CFDocuments"]
    assert page == whole.get_json()["CFDocuments"][1:2]
    for query in ("limit=0", "offset=-1", "limit=many"):
        bad = client.get(f"{CASE}/CFDocuments?{query}")
        assert bad.status_code == 400
        assert bad.get_json()["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == "invalid_selection_field"


@pytest.mark.parametrize("path", PACKAGES, ids=lambda p: p.stem)
def test_a_reference_framework_is_served_with_links_that_resolve(client, db, path):
    data = json.loads(path.read_text(encoding="utf-8"))
    case_reference.store_package(data, source=path.name, by=None)
    db.session.commit()
    served = client.get(f"{CASE}/CFPackages/{data['CFDocument']['identifier']}").get_json()
    assert [i["identifier"] for i in served["CFItems"]] == [i["identifier"] for i in data["CFItems"]]
    for uri in sorted(uris(served)):
        assert client.get(local_path(uri)).status_code == 200, uri


def test_a_served_older_package_links_here_for_its_own_objects_and_to_the_source_for_the_rest(client, db):
    """What Standards Could Be links to official Common Core items outside the package: those keep their source uri."""
    (path,) = [p for p in SAMPLES if p.name.startswith("opensalt-framework-20c5134f")]
    data = json.loads(path.read_text(encoding="utf-8"))
    case_reference.store_package(data, source=path.name, by=None)
    db.session.commit()
    served = client.get(f"{CASE}/CFPackages/{data['CFDocument']['identifier']}").get_json()
    inside = {data["CFDocument"]["identifier"], *(o["identifier"] for o in data["CFItems"] + data["CFAssociations"]),
              *(o["identifier"] for o in data["CFDefinitions"]["CFItemTypes"])}
    outside = [a["destinationNodeURI"] for a in served["CFAssociations"] if a["destinationNodeURI"]["identifier"] not in inside]
    assert len(outside) == 21 and all(link["uri"].startswith("http://opensalt-staging.opened.com/uri/") for link in outside)
    local = sorted(u for u in uris(served) if not u.startswith("http://opensalt-staging"))
    assert len(local) == 1 + 16 + 39 + 3  # the document, its items, associations and item types
    for uri in local:
        assert client.get(local_path(uri)).status_code == 200, uri
