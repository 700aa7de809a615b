"""What the CASE 1.1 read service serves, found by identifier across everything this installation holds.

Three kinds of CFDocument answer here, all public reference data (no personal data):

* our published and retired framework versions (drafts never);
* reference frameworks, i.e. CASE packages imported from other tools;
* the external frameworks capabilities are mapped to (Care Certificate, PCF, ...),
  served as small CASE documents so every crosswalk link in our packages resolves.

Packages of our own versions are built once per version and status per application
(a published version never changes) and kept in ``app.extensions``.
"""
from __future__ import annotations

from datetime import timezone
from typing import Any

import sqlalchemy as sa
from flask import current_app

from competency.db import utcnow
from competency.extensions import db
from competency.frameworks import case_reference, exports, queries
from competency.frameworks import identifiers as ids
from competency.frameworks.case import CASE_PATH, document_summary, external_document_uuid, iso_datetime, standalone
from competency.frameworks.case_models import CaseDocument
from competency.frameworks.models import ExternalFramework, ExternalItem, FrameworkVersion

# The binding's single-object shapes list exactly these properties (additionalProperties: false).
ITEM_FIELDS = ("identifier", "fullStatement", "alternativeLabel", "CFItemType", "uri", "humanCodingScheme", "listEnumeration",
               "abbreviatedStatement", "conceptKeywords", "conceptKeywordsURI", "notes", "subject", "subjectURI", "language",
               "educationLevel", "CFItemTypeURI", "licenseURI", "statusStartDate", "statusEndDate", "lastChangeDateTime",
               "extensions", "CFDocumentURI")
ASSOCIATION_FIELDS = ("identifier", "associationType", "sequenceNumber", "uri", "originNodeURI", "destinationNodeURI",
                      "CFAssociationGroupingURI", "lastChangeDateTime", "notes", "extensions", "CFDocumentURI")
DOCUMENT_FIELDS = ("identifier", "uri", "frameworkType", "caseVersion", "creator", "title", "lastChangeDateTime",
                   "officialSourceURL", "publisher", "description", "subject", "subjectURI", "language", "version",
                   "adoptionStatus", "statusStartDate", "statusEndDate", "licenseURI", "notes", "extensions", "CFPackageURI")
CACHE_KEY = "case_packages"


def base_url() -> str:
    return current_app.config["BASE_URL"]


def _case_base() -> str:
    return base_url().rstrip("/") + CASE_PATH


def _only(entry: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {key: value for key, value in entry.items() if key in fields}


# --- our own versions -------------------------------------------------------------------------

def version_package(version: FrameworkVersion) -> dict[str, Any]:
    cache: dict = current_app.extensions.setdefault(CACHE_KEY, {})
    key = (version.uuid, version.status.value, version.changed_at.isoformat(), base_url())
    if key not in cache:
        if len(cache) > 64:
            cache.clear()
        cache[key] = exports.case_package(version, base_url=base_url())
    return cache[key]


def _public_packages() -> list[tuple[FrameworkVersion, dict[str, Any]]]:
    return [(version, version_package(version)) for version in queries.public_versions()]


# --- external frameworks as CASE documents ---------------------------------------------------

def _external_by_document(identifier: str) -> ExternalFramework | None:
    for external in db.session.scalars(sa.select(ExternalFramework).order_by(ExternalFramework.id)):
        if external_document_uuid(external.slug) == identifier and not _backed_by_reference(external):
            return external
    return None


def _backed_by_reference(external: ExternalFramework) -> bool:
    return db.session.scalar(sa.select(CaseDocument.id).filter_by(external_framework_id=external.id)) is not None


def external_package(external: ExternalFramework) -> dict[str, Any]:
    base, doc_id = _case_base(), external_document_uuid(external.slug)
    stamp = external.updated_at or utcnow()
    when = iso_datetime(stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=timezone.utc))
    doc_link = {"title": external.title, "identifier": doc_id, "uri": f"{base}/CFDocuments/{doc_id}"}
    document: dict[str, Any] = {"identifier": doc_id, "uri": doc_link["uri"], "creator": external.publisher or external.title,
                                "title": external.title, "lastChangeDateTime": when}
    if external.publisher:
        document["publisher"] = external.publisher
    if external.note:
        document["description"] = external.note
    document.update({"adoptionStatus": "Adopted", "frameworkType": "Reference framework", "caseVersion": "1.1"})
    items, associations = [], []
    for position, item in enumerate(external.items, start=1):
        entry: dict[str, Any] = {"identifier": item.uuid, "uri": f"{base}/CFItems/{item.uuid}", "fullStatement": item.name,
                                 "humanCodingScheme": item.code, "listEnumeration": str(position)}
        if item.description:
            entry["notes"] = item.description
        entry["lastChangeDateTime"] = when
        items.append(entry)
        identifier = ids.association_uuid(doc_id, "isChildOf", item.uuid, doc_id)
        associations.append({"identifier": identifier, "uri": f"{base}/CFAssociations/{identifier}", "associationType": "isChildOf",
                             "sequenceNumber": position,
                             "originNodeURI": {"title": item.code, "identifier": item.uuid, "uri": entry["uri"]},
                             "destinationNodeURI": doc_link, "lastChangeDateTime": when})
    return {"CFDocument": document, "CFItems": items, "CFAssociations": associations, "CFDefinitions": {}}


def _external_packages() -> list[tuple[ExternalFramework, dict[str, Any]]]:
    frameworks = db.session.scalars(sa.select(ExternalFramework).order_by(ExternalFramework.title, ExternalFramework.id))
    return [(f, external_package(f)) for f in frameworks if not _backed_by_reference(f)]


# --- look-ups by identifier ------------------------------------------------------------------

def package(identifier: str) -> dict[str, Any] | None:
    version = queries.version_by_uuid(identifier)
    if version is not None and version.status in queries.PUBLIC_STATUSES:
        return version_package(version)
    reference = case_reference.document_by_identifier(identifier)
    if reference is not None:
        return case_reference.export_reference(reference, base_url=base_url())
    external = _external_by_document(identifier.lower())
    return external_package(external) if external is not None else None


def _with_package_link(document: dict[str, Any]) -> dict[str, Any]:
    link = {"title": document.get("title", ""), "identifier": document["identifier"],
            "uri": f"{_case_base()}/CFPackages/{document['identifier']}"}
    return _only({**document, "CFPackageURI": link}, DOCUMENT_FIELDS)


def document(identifier: str) -> dict[str, Any] | None:
    found = package(identifier)
    return _with_package_link(found["CFDocument"]) if found is not None else None


def documents() -> list[dict[str, Any]]:
    """Every public CFDocument: our versions, then reference frameworks, then external frameworks."""
    versions = queries.public_versions()
    out = [document_summary(queries.version_spec(v), queries.version_state(v), base_url=base_url()) for v in versions]
    # A framework mapped from a reference framework keeps its identifier; once published it answers for it.
    ours = {v.uuid.lower() for v in versions}
    out += [_with_package_link(case_reference.export_reference(d, base_url=base_url())["CFDocument"])
            for d in case_reference.all_documents() if d.key not in ours]
    out += [_with_package_link(p["CFDocument"]) for _, p in _external_packages()]
    return out


def _packages_holding(collection: str, identifier: str) -> list[dict[str, Any]]:
    """Candidate packages for an object: ours first (newest version first), then references, then externals."""
    key = identifier.lower()
    found: list[dict[str, Any]] = []
    if collection == "CFItems":
        hit = queries.find_item(key)
        if hit is not None:
            found.append(version_package(hit[0]))
    else:
        found += [p for _, p in reversed(_public_packages())]
    obj = case_reference.find_object(collection, key)
    if obj is not None:
        found.append(case_reference.export_reference(obj.document, base_url=base_url()))
    if collection in ("CFItems", "CFAssociations"):
        item = db.session.scalar(sa.select(ExternalItem).filter_by(uuid=key))
        if item is not None and not _backed_by_reference(item.framework):
            found.append(external_package(item.framework))
        elif collection == "CFAssociations":
            found += [p for _, p in _external_packages()]
    return found


def _entries(package_: dict[str, Any], collection: str) -> list[dict[str, Any]]:
    if collection in ("CFItems", "CFAssociations", "CFRubrics"):
        return package_.get(collection) or []
    definitions = package_.get("CFDefinitions")
    return (definitions.get(collection) or []) if isinstance(definitions, dict) else []


def find(collection: str, identifier: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(object, its package) for an identifier in a collection, or None."""
    key = identifier.lower()
    for candidate in _packages_holding(collection, key):
        for entry in _entries(candidate, collection):
            if str(entry.get("identifier", "")).lower() == key:
                return entry, candidate
    return None


def item(identifier: str) -> dict[str, Any] | None:
    found = find("CFItems", identifier)
    if found is None:
        return None
    entry, package_ = found
    return _only(standalone(entry, package_["CFDocument"], base_url()), ITEM_FIELDS)


def association(identifier: str) -> dict[str, Any] | None:
    found = find("CFAssociations", identifier)
    if found is None:
        return None
    entry, package_ = found
    return _only(standalone(entry, package_["CFDocument"], base_url()), ASSOCIATION_FIELDS)


def item_associations(identifier: str) -> dict[str, Any] | None:
    """The item and every association in its package that starts or ends at it."""
    found = find("CFItems", identifier)
    if found is None:
        return None
    entry, package_ = found
    key = identifier.lower()
    linked = [a for a in package_.get("CFAssociations") or []
              if key in (str(a["originNodeURI"].get("identifier", "")).lower(), str(a["destinationNodeURI"].get("identifier", "")).lower())]
    return {"CFItem": _only(standalone(entry, package_["CFDocument"], base_url()), ITEM_FIELDS), "CFAssociations": linked}


def definition_set(collection: str, identifier: str) -> list[dict[str, Any]] | None:
    """A definition and its children by ``hierarchyCode`` (CFItemTypes, CFConcepts, CFSubjects)."""
    found = find(collection, identifier)
    if found is None:
        return None
    entry, package_ = found
    code = str(entry.get("hierarchyCode") or "")
    children = [e for e in _entries(package_, collection)
                if e is not entry and code and str(e.get("hierarchyCode") or "").startswith(code + ".")]
    return [entry, *children]


def single(collection: str, identifier: str) -> dict[str, Any] | None:
    found = find(collection, identifier)
    return found[0] if found is not None else None


def all_of(collection: str) -> list[dict[str, Any]]:
    """Every definition of one kind across public documents (for the list endpoints)."""
    seen: dict[str, dict[str, Any]] = {}
    packages = [p for _, p in _public_packages()]
    packages += [case_reference.export_reference(d, base_url=base_url()) for d in case_reference.all_documents()]
    for package_ in packages:
        for entry in _entries(package_, collection):
            seen.setdefault(str(entry.get("identifier", "")).lower(), entry)
    return list(seen.values())


def reset_cache() -> None:
    current_app.extensions.pop(CACHE_KEY, None)
