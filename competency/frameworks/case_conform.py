"""Serve what another CASE tool wrote in the shapes the CASE 1.1 binding defines.

A reference framework is stored exactly as it came, and ``flask frameworks export-case
--source-uris`` gives it back byte for byte. The CASE *service* is held to more: a
consumer validating our responses against the 1.1 OpenAPI definition must find no
error. Packages from older tools are often looser (OpenSALT's 2017 exports write
timestamps without a zone, ``CFDocumentURI`` inside the package, ``educationalLevel``
and null descriptions), so a served copy is brought into shape by these rules, and
only these:

* a property the binding does not define for that class moves into the object's
  ``extensions`` (the binding's place for proprietary data), so nothing is lost (a
  link object has no extensions: it keeps title, identifier, uri and targetType);
  ``CFDocumentURI``/``CFPackageURI`` inside a package are dropped instead, because the
  single-object endpoints give them as links to this installation;
* a ``null`` is dropped, or becomes ``""`` where the binding requires text;
* a date-time without a zone is read as UTC (CASE timestamps are UTC) and a date
  that carries a time keeps its date;
* one string where a list of strings belongs becomes a list of one, and a number
  where text belongs becomes its text;
* an association or target type outside the binding's vocabulary is written
  ``ext:<type>`` (the binding's extension form), the original kept in ``extensions``.

Identifiers are never changed, even where a source's identifiers break the binding's
UUID pattern: they are what the objects are.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

# The properties of each class as the 1.1 definition lists them (CFPckg* shapes inside a package),
# with the kind of value each holds; "!" marks text the binding requires.
_COMMON = {"identifier": "id", "uri": "uri", "lastChangeDateTime": "datetime", "extensions": "ext"}
CLASSES: dict[str, dict[str, str]] = {
    "CFDocument": {"identifier": "id", "uri": "uri", "frameworkType": "text", "caseVersion": "caseVersion", "creator": "!text",
                   "title": "!text", "lastChangeDateTime": "datetime", "officialSourceURL": "uri", "publisher": "text",
                   "description": "text", "subject": "texts", "subjectURI": "links", "language": "text", "version": "text",
                   "adoptionStatus": "text", "statusStartDate": "date", "statusEndDate": "date", "licenseURI": "link",
                   "notes": "text", "extensions": "ext"},
    "CFItems": {"identifier": "id", "fullStatement": "!text", "alternativeLabel": "text", "CFItemType": "text", "uri": "uri",
                "humanCodingScheme": "text", "listEnumeration": "text", "abbreviatedStatement": "text", "conceptKeywords": "texts",
                "conceptKeywordsURI": "link", "notes": "text", "subject": "texts", "subjectURI": "links", "language": "text",
                "educationLevel": "texts", "CFItemTypeURI": "link", "licenseURI": "link", "statusStartDate": "date",
                "statusEndDate": "date", "lastChangeDateTime": "datetime", "extensions": "ext"},
    "CFAssociations": {"identifier": "id", "associationType": "associationType", "sequenceNumber": "int", "uri": "uri",
                       "originNodeURI": "genlink", "destinationNodeURI": "genlink", "CFAssociationGroupingURI": "link",
                       "lastChangeDateTime": "datetime", "notes": "text", "extensions": "ext"},
    "CFItemTypes": {**_COMMON, "title": "!text", "description": "!text", "hierarchyCode": "!text", "typeCode": "text"},
    "CFConcepts": {**_COMMON, "title": "!text", "keywords": "text", "hierarchyCode": "!text", "description": "text"},
    "CFSubjects": {**_COMMON, "title": "!text", "hierarchyCode": "!text", "description": "text"},
    "CFLicenses": {**_COMMON, "title": "!text", "description": "text", "licenseText": "!text"},
    "CFAssociationGroupings": {**_COMMON, "title": "!text", "description": "text"},
    "CFRubrics": {**_COMMON, "title": "text", "description": "text", "CFRubricCriteria": "criteria"},
    "CFRubricCriteria": {**_COMMON, "category": "text", "description": "text", "CFItemURI": "link", "weight": "number",
                         "position": "int", "rubricId": "text", "CFRubricCriterionLevels": "levels"},
    # The definition makes a criterion level's extensions a list of extension objects.
    "CFRubricCriterionLevels": {**_COMMON, "description": "text", "quality": "text", "score": "number", "feedback": "text",
                                "position": "int", "rubricCriterionId": "text", "extensions": "extlist"},
}
# Properties the binding defines only outside a package (the single-object endpoints add them as links).
STANDALONE_ONLY = {"CFDocument": "CFPackageURI", "CFItems": "CFDocumentURI", "CFAssociations": "CFDocumentURI"}
ASSOCIATION_TYPES = ("isChildOf", "isPeerOf", "isPartOf", "exactMatchOf", "precedes", "isRelatedTo", "replacedBy", "exemplar",
                     "hasSkillLevel", "isTranslationOf")
EXTENSION_RE = re.compile(r"(ext:)[a-zA-Z0-9.\-_]+")


def _datetime(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return value if parsed.tzinfo is not None else value + "Z"


def _date(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 10:
        try:
            date.fromisoformat(value[:10])
        except ValueError:
            return value
        return value[:10]
    return value


def _vocabulary(value: Any, allowed: tuple[str, ...]) -> tuple[Any, bool]:
    """(conforming value, whether it changed) for an extensible enumerated vocabulary."""
    if not isinstance(value, str) or value in allowed or EXTENSION_RE.search(value):
        return value, False
    cleaned = re.sub(r"[^a-zA-Z0-9.\-_]+", "-", value).strip("-") or "unknown"
    return f"ext:{cleaned}", True


def _link(value: Any, general: bool = False) -> Any:
    if not isinstance(value, dict):
        return value
    allowed = ("title", "identifier", "uri", "targetType") if general else ("title", "identifier", "uri")
    link = {key: value[key] for key in allowed if key in value and value[key] is not None}
    for key in ("title", "identifier", "uri"):
        link.setdefault(key, "")
    if general and "targetType" in link:
        link["targetType"], _ = _vocabulary(link["targetType"], ("CASE",))
    return link


def _value(kind: str, value: Any) -> Any:
    kind = kind.lstrip("!")
    if kind == "text":
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    if kind == "texts":
        return [value] if isinstance(value, str) else value
    if kind == "int" and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if kind == "datetime":
        return _datetime(value)
    if kind == "date":
        return _date(value)
    if kind == "link":
        return _link(value)
    if kind == "links":
        return [_link(v) for v in value] if isinstance(value, list) else [_link(value)]
    if kind == "genlink":
        return _link(value, general=True)
    if kind == "criteria":
        return [conform("CFRubricCriteria", v) for v in value] if isinstance(value, list) else value
    if kind == "levels":
        return [conform("CFRubricCriterionLevels", v) for v in value] if isinstance(value, list) else value
    return value


def conform(cls: str, obj: Any) -> Any:
    """A copy of one object of class ``cls`` (a package collection name, or "CFDocument") in the binding's shape."""
    if not isinstance(obj, dict) or cls not in CLASSES:
        return obj
    fields = CLASSES[cls]
    out: dict[str, Any] = {}
    moved: dict[str, Any] = {}
    for key, value in obj.items():
        if key == "extensions":
            continue
        kind = fields.get(key)
        if kind is None:
            if key != STANDALONE_ONLY.get(cls):
                moved[key] = value
            continue
        if value is None:
            continue
        if kind == "associationType":
            value, changed = _vocabulary(value, ASSOCIATION_TYPES)
            if changed:
                moved["associationType"] = obj[key]
        elif kind == "caseVersion" and value != "1.1":
            moved[key] = value
            continue
        out[key] = _value(kind, value)
    for key, kind in fields.items():
        if kind.startswith("!") and not isinstance(out.get(key), str):
            out[key] = "" if key not in out else str(out[key])
    extensions = obj.get("extensions")
    if fields.get("extensions") == "extlist":
        listed = list(extensions) if isinstance(extensions, list) else ([extensions] if isinstance(extensions, dict) else [])
        if moved:
            listed.append(moved)
        if listed or "extensions" in obj:
            out["extensions"] = [e if isinstance(e, dict) else {"value": e} for e in listed]
    elif moved or extensions is not None:
        merged = dict(extensions) if isinstance(extensions, dict) else ({} if extensions is None else {"value": extensions})
        for key, value in moved.items():
            merged.setdefault(key, value)
        out["extensions"] = merged
    return out


def conform_package(package: dict[str, Any]) -> dict[str, Any]:
    """Every object of a package in the binding's shape; top-level keys CASE does not define go to ``extensions``."""
    out: dict[str, Any] = {}
    moved: dict[str, Any] = {}
    for key, value in package.items():
        if key == "CFDocument":
            out[key] = conform("CFDocument", value)
        elif key in ("CFItems", "CFAssociations", "CFRubrics"):
            out[key] = [conform(key, v) for v in value] if isinstance(value, list) else []
        elif key == "CFDefinitions":
            out[key] = ({name: [conform(name, v) for v in entries] if isinstance(entries, list) else []
                         for name, entries in value.items() if name in CLASSES} if isinstance(value, dict) else {})
        elif key != "extensions":
            moved[key] = value
    extensions = package.get("extensions")
    if moved or extensions is not None:
        merged = dict(extensions) if isinstance(extensions, dict) else ({} if extensions is None else {"value": extensions})
        for key, value in moved.items():
            merged.setdefault(key, value)
        out["extensions"] = merged
    return out
