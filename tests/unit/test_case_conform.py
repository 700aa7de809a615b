"""Served copies of looser packages: in the binding's shapes, with nothing the source said thrown away."""
from __future__ import annotations

from competency.frameworks.case_conform import conform, conform_package
from tests.case_support import component_validator, openapi_errors

ID = "5e1d0c2a-6b7f-4c3d-9e8f-0000000000{:02x}"
LINK = {"title": "Doc", "identifier": ID.format(1), "uri": "https://tool.example/uri/1"}


def test_an_older_item_is_valid_and_keeps_what_the_binding_does_not_define_in_extensions():
    item = {"CFDocumentURI": "https://tool.example/uri/1", "identifier": ID.format(2), "uri": "https://tool.example/uri/2",
            "fullStatement": "Explains the care plan.", "humanCodingScheme": 7, "educationalLevel": "06", "conceptKeywords": "care",
            "notes": None, "lastChangeDateTime": "2017-05-25T18:05:33", "statusStartDate": "2017-05-25T00:00:00",
            "extensions": {"colour": "blue"}, "CFItemAssociationURI": "https://tool.example/uri/2/associations"}
    served = conform("CFItems", item)
    assert openapi_errors(component_validator("CFPckgItemDType"), served) == []
    assert served["lastChangeDateTime"] == "2017-05-25T18:05:33Z" and served["statusStartDate"] == "2017-05-25"
    assert served["humanCodingScheme"] == "7" and served["conceptKeywords"] == ["care"] and "notes" not in served
    assert served["extensions"] == {"colour": "blue", "educationalLevel": "06",
                                    "CFItemAssociationURI": "https://tool.example/uri/2/associations"}
    assert "CFDocumentURI" not in served  # the single-object endpoint gives it as a link here


def test_an_association_of_a_type_outside_the_vocabulary_becomes_an_extension_type():
    association = {"identifier": ID.format(3), "uri": "https://tool.example/uri/3", "associationType": "hasPart",
                   "sequenceNumber": "2", "originNodeURI": {**LINK, "extra": 1}, "destinationNodeURI": {**LINK, "targetType": "PDF"},
                   "lastChangeDateTime": "2017-05-25T18:05:33+01:00"}
    served = conform("CFAssociations", association)
    assert openapi_errors(component_validator("CFPckgAssociationDType"), served) == []
    assert served["associationType"] == "ext:hasPart" and served["extensions"] == {"associationType": "hasPart"}
    assert served["sequenceNumber"] == 2 and served["destinationNodeURI"]["targetType"] == "ext:PDF"
    assert served["lastChangeDateTime"] == association["lastChangeDateTime"]  # already has a zone: unchanged


def test_a_package_with_null_definitions_and_unknown_keys_is_valid():
    package = {"CFDocument": {"identifier": ID.format(4), "uri": "https://tool.example/uri/4", "title": "Older",
                              "lastChangeDateTime": "2017-05-25T18:05:33", "caseVersion": "1.0", "CFPackageURI": "x"},
               "CFItems": [], "CFAssociations": [],
               "CFDefinitions": {"CFItemTypes": [{"identifier": ID.format(5), "uri": "https://tool.example/uri/5", "title": "Cluster",
                                                  "description": None, "hierarchyCode": "1",
                                                  "lastChangeDateTime": "2017-02-14T20:34:39"}]},
               "CFRubrics": [{"identifier": ID.format(6), "uri": "https://tool.example/uri/6", "lastChangeDateTime": "2017-02-14T20:34:39",
                              "CFRubricCriteria": [{"identifier": ID.format(7), "uri": "https://tool.example/uri/7",
                                                    "lastChangeDateTime": "2017-02-14T20:34:39", "colour": "red",
                                                    "CFRubricCriterionLevels": [{"identifier": ID.format(8), "uri": "https://tool.example/uri/8",
                                                                                 "lastChangeDateTime": "2017-02-14T20:34:39", "stars": 3}]}]}],
               "generator": "OpenSALT"}
    served = conform_package(package)
    assert openapi_errors(component_validator("CFPackageDType"), served) == []
    assert served["CFDocument"]["creator"] == "" and served["CFDocument"]["extensions"] == {"caseVersion": "1.0"}
    assert served["CFDefinitions"]["CFItemTypes"][0]["description"] == ""
    criterion = served["CFRubrics"][0]["CFRubricCriteria"][0]
    assert criterion["extensions"] == {"colour": "red"} and criterion["CFRubricCriterionLevels"][0]["extensions"] == [{"stars": 3}]
    assert served["extensions"] == {"generator": "OpenSALT"}
