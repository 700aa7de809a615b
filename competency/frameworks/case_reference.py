"""Reference frameworks: any CASE 1.1 package, stored as it came and exported back unchanged.

Reading is deliberately tolerant, as CASE asks of consumers: only what is needed
to keep the package addressable is required (a CFDocument with an identifier and
a title; an identifier on every item, association and definition; both ends of
every association). Optional fields stay optional, any item types and any depth
are accepted, unknown properties and extensions are kept.

On export the source objects come back in source order with every property.
With ``uris="local"`` (what the CASE service serves) the ``uri`` of each object in
the package, and of every link to an object in the package, points at this
installation's CASE endpoints so that the links resolve here, and every object is
put in the binding's shapes (:mod:`case_conform`); with ``uris="source"`` (``flask frameworks export-case --source-uris``) nothing at all
is changed, so a round trip through another CASE tool and back is exact.
"""
from __future__ import annotations

import copy
import re
from typing import Any

import sqlalchemy as sa

from competency.accounts.models import User
from competency.audit.services import record_event
from competency.extensions import db
from competency.frameworks.case import CASE_PATH, CaseFormatError
from competency.frameworks.case_conform import conform_package
from competency.frameworks.case_models import COLLECTIONS, IDENTIFIER_LENGTH, CaseDocument, CaseObject
from competency.frameworks.models import ExternalFramework, ExternalItem

DEFINITIONS = ("CFConcepts", "CFSubjects", "CFLicenses", "CFItemTypes", "CFAssociationGroupings")
# Where each collection's objects are served (the CASE 1.1 REST binding paths).
ENDPOINT = {"CFItems": "CFItems", "CFAssociations": "CFAssociations", "CFConcepts": "CFConcepts",
            "CFSubjects": "CFSubjects", "CFLicenses": "CFLicenses", "CFItemTypes": "CFItemTypes",
            "CFAssociationGroupings": "CFAssociationGroupings", "CFRubrics": "CFRubrics"}
NAME_LIMIT, CODE_LIMIT = 300, 60


def _key(identifier: str) -> str:
    return identifier.strip().lower()


def _identifier(obj: Any, where: str, problems: list[str]) -> str | None:
    value = obj.get("identifier") if isinstance(obj, dict) else None
    if not isinstance(obj, dict):
        problems.append(f"{where} is not an object")
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}.identifier is missing")
        return None
    if len(value) > IDENTIFIER_LENGTH:
        problems.append(f"{where}.identifier is longer than {IDENTIFIER_LENGTH} characters")
        return None
    return value


def check_package(data: dict[str, Any], source: str) -> list[tuple[str, int, str, dict]]:
    """Every object of the package as (collection, position, identifier, object); raise listing every problem."""
    problems: list[str] = []
    doc = data.get("CFDocument")
    if not isinstance(doc, dict):
        raise CaseFormatError([f"{source}: a CASE package needs a CFDocument object"])
    _identifier(doc, f"{source}: CFDocument", problems)
    if not isinstance(doc.get("title"), str) or not doc["title"].strip():
        problems.append(f"{source}: CFDocument.title is missing")
    definitions = data.get("CFDefinitions")
    if definitions is not None and not isinstance(definitions, (dict, list)):
        problems.append(f"{source}: CFDefinitions must be an object")
    lists: dict[str, Any] = {name: data.get(name) for name in ("CFItems", "CFAssociations", "CFRubrics")}
    if isinstance(definitions, dict):
        lists.update({name: definitions.get(name) for name in DEFINITIONS})
    found: list[tuple[str, int, str, dict]] = []
    for collection in COLLECTIONS:
        entries = lists.get(collection)
        if entries is None:
            continue
        if not isinstance(entries, list):
            problems.append(f"{source}: {collection} must be a list")
            continue
        seen: dict[str, int] = {}
        for index, obj in enumerate(entries):
            where = f"{source}: {collection}[{index}]"
            identifier = _identifier(obj, where, problems)
            if identifier is None:
                continue
            if _key(identifier) in seen:
                problems.append(f"{where}: identifier {identifier} appears twice (first at [{seen[_key(identifier)]}])")
                continue
            seen[_key(identifier)] = index
            if collection == "CFAssociations":
                for end in ("originNodeURI", "destinationNodeURI"):
                    link = obj.get(end)
                    if not isinstance(link, dict) or not isinstance(link.get("identifier"), str) or not link["identifier"]:
                        problems.append(f"{where}.{end} needs an identifier")
                if not isinstance(obj.get("associationType"), str) or not obj["associationType"]:
                    problems.append(f"{where}.associationType is missing")
            found.append((collection, index, identifier, obj))
    if problems:
        raise CaseFormatError(problems)
    return found


def _layout(data: dict[str, Any]) -> dict[str, Any]:
    definitions = data.get("CFDefinitions")
    # CFDefinitions may be an object (its keys are kept) or, as the schema allows, an empty array.
    shape = {"keys": list(definitions.keys())} if isinstance(definitions, dict) else {"value": definitions}
    # Top-level keys CASE does not define are kept too, though the schema would refuse them.
    extra = {key: value for key, value in data.items() if key not in ("CFDocument", "CFItems", "CFAssociations", "CFDefinitions", "CFRubrics")}
    return {"keys": list(data.keys()), "definitions": shape, "extra": extra}


def _label(obj: dict[str, Any]) -> str:
    return str(obj.get("fullStatement") or obj.get("title") or obj.get("identifier"))


def _slug(title: str) -> str:
    return ("case-" + re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"))[:72].strip("-") or "case-reference"


def _alignment_targets(document: CaseDocument, notes: list[str]) -> None:
    """The items as an external framework, so capabilities can be mapped (aligned) to them."""
    external = document.external_framework
    if external is None:
        slug, n = _slug(document.title), 1
        while db.session.scalar(sa.select(ExternalFramework.id).filter_by(slug=slug)) is not None:
            n += 1
            slug = f"{_slug(document.title)[:70]}-{n}"
        external = ExternalFramework(slug=slug, title=document.title[:200])
        db.session.add(external)
        document.external_framework = external
    external.title = document.title[:200]
    external.publisher = str(document.document.get("publisher") or document.document.get("creator") or "")[:200]
    external.note = f"CASE reference framework {document.identifier}"
    db.session.flush()
    existing = {item.uuid: item for item in db.session.scalars(sa.select(ExternalItem).filter_by(external_framework_id=external.id))}
    codes = {item.code for item in existing.values()}
    for position, obj in enumerate(document.of("CFItems"), start=1):
        item = existing.get(obj.key)
        if item is None:
            if db.session.scalar(sa.select(ExternalItem.id).filter_by(uuid=obj.key)) is not None:
                notes.append(f"item {obj.data['identifier']} is already an alignment target of another framework; not added again")
                continue
            code = str(obj.data.get("humanCodingScheme") or "").strip()
            if not code or len(code) > CODE_LIMIT or code in codes:
                code = obj.key[:CODE_LIMIT]
            codes.add(code)
            item = ExternalItem(framework=external, uuid=obj.key, code=code, name="", position=position)
            db.session.add(item)
        item.name = _label(obj.data)[:NAME_LIMIT]
        item.description = str(obj.data.get("notes") or "")
        item.position = position


def store_package(data: dict[str, Any], *, source: str, by: User | None) -> tuple[CaseDocument, list[str]]:
    """Store (or replace, when the same CFDocument identifier comes again) a package as a reference framework.

    :raises CaseFormatError: listing every problem; nothing is stored.
    """
    objects = check_package(data, source)
    doc = data["CFDocument"]
    notes: list[str] = []
    key = _key(doc["identifier"])
    document = db.session.scalar(sa.select(CaseDocument).filter_by(key=key))
    if document is None:
        document = CaseDocument(identifier=doc["identifier"], key=key, title="", document={}, layout={})
        db.session.add(document)
    else:
        document.objects.clear()
        db.session.flush()
        notes.append(f"the reference framework {doc['identifier']} was already here; this package replaces it")
    document.identifier, document.title = doc["identifier"], doc["title"].strip()[:300]
    document.document, document.layout = doc, _layout(data)
    document.source_name = source[:200]
    document.imported_by_id = by.id if by is not None else None
    for collection, position, identifier, obj in objects:
        document.objects.append(CaseObject(collection=collection, key=_key(identifier), position=position, data=obj))
    db.session.flush()
    _alignment_targets(document, notes)
    db.session.flush()
    record_event("framework.case_reference_imported", actor=by, subject_type="case_document", subject_id=document.key[:64],
                 data={"title": document.title[:200], "items": len(document.of("CFItems")),
                       "associations": len(document.of("CFAssociations")), "source": source[:200]})
    return document, notes


def _local(base: str, collection: str, identifier: str) -> str:
    return f"{base}/{ENDPOINT.get(collection, collection)}/{identifier}"


class _Rewriter:
    """Points the uri of every in-package object, and of every link to one, at this installation."""

    def __init__(self, document: CaseDocument, base: str) -> None:
        self.base = base
        self.where = {obj.key: obj.collection for obj in document.objects}
        self.where[document.key] = "CFDocuments"

    def link(self, value: Any, field_name: str = "") -> Any:
        if isinstance(value, list):
            return [self.link(v, field_name) for v in value]
        if not isinstance(value, dict):
            return value
        if isinstance(value.get("identifier"), str) and "uri" in value:
            collection = self.where.get(_key(value["identifier"]))
            if collection is not None:
                value["uri"] = _local(self.base, "CFPackages" if field_name == "CFPackageURI" else collection, value["identifier"])
        for name, inner in value.items():
            if isinstance(inner, (dict, list)):
                self.link(inner, name)
        return value

    def own(self, obj: dict[str, Any], collection: str) -> dict[str, Any]:
        # Every object served here gets its uri here, also one the source left without (the binding requires it).
        if isinstance(obj.get("identifier"), str):
            obj["uri"] = _local(self.base, collection, obj["identifier"])
        for name, inner in obj.items():
            if isinstance(inner, (dict, list)):
                self.link(inner, name)
        return obj


def export_reference(document: CaseDocument, *, base_url: str, uris: str = "local") -> dict[str, Any]:
    """The package as it came; see the module docstring for what ``uris`` changes."""
    base = base_url.rstrip("/") + CASE_PATH
    rewriter = _Rewriter(document, base) if uris == "local" else None

    def out(obj: dict[str, Any], collection: str) -> dict[str, Any]:
        data = copy.deepcopy(obj)
        return rewriter.own(data, collection) if rewriter else data

    by_collection: dict[str, list[dict[str, Any]]] = {}
    for obj in document.objects:
        by_collection.setdefault(obj.collection, []).append(out(obj.data, obj.collection))
    layout = document.layout or {}
    package: dict[str, Any] = {}
    for key in layout.get("keys") or ["CFDocument", "CFItems", "CFAssociations", "CFDefinitions"]:
        if key == "CFDocument":
            package[key] = out(document.document, "CFDocuments")
        elif key in ("CFItems", "CFAssociations", "CFRubrics"):
            package[key] = by_collection.get(key, [])
        elif key == "CFDefinitions":
            shape = layout.get("definitions") or {"keys": list(DEFINITIONS)}
            package[key] = ({name: by_collection.get(name, []) for name in shape["keys"]} if "keys" in shape
                            else copy.deepcopy(shape.get("value")))
        else:
            package[key] = copy.deepcopy((layout.get("extra") or {}).get(key))
    # Served here, the package is also held to the binding's shapes (see case_conform).
    return conform_package(package) if rewriter else package


def all_documents() -> list[CaseDocument]:
    return list(db.session.scalars(sa.select(CaseDocument).order_by(CaseDocument.title, CaseDocument.id)))


def document_by_identifier(identifier: str) -> CaseDocument | None:
    return db.session.scalar(sa.select(CaseDocument).filter_by(key=_key(identifier)))


def find_object(collection: str, identifier: str) -> CaseObject | None:
    """The newest stored object with this identifier in a collection (identifiers are global in CASE)."""
    return db.session.scalar(sa.select(CaseObject).where(CaseObject.collection == collection, CaseObject.key == _key(identifier))
                             .order_by(CaseObject.id.desc()).limit(1))
