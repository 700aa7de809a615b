"""1EdTech CASE 1.1 read-only service: ``/ims/case/v1p1``, every path of the REST binding.

Published and retired framework versions, reference frameworks and the external
frameworks capabilities map to are public: they hold no personal data, and CASE
consumers (learning platforms, other employers' systems) fetch them without an
account. Drafts are never served. Errors use CASE's imsx status shape (404
``unknownobject`` / ``invalid_uuid``, 400 ``invalid_selection_field``).
"""
from __future__ import annotations

import hashlib
import json
import re

from flask import Blueprint, Response, request

from competency.extensions import csrf
from competency.frameworks import case_service

bp = Blueprint("case", __name__, url_prefix="/ims/case/v1p1")
csrf.exempt(bp)


def _json(body: dict, status: int = 200, *, etag_source: str | None = None) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), status=status,
                        mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    if etag_source is not None:
        response.set_etag(hashlib.sha256(etag_source.encode()).hexdigest()[:32])
        response.headers["Cache-Control"] = "public, max-age=300"
        response.make_conditional(request)
    return response


def _status(status: int, description: str, minor: str) -> Response:
    return _json({
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {"imsx_codeMinorField": [{"imsx_codeMinorFieldName": "sourcedId",
                                                    "imsx_codeMinorFieldValue": minor}]},
    }, status)


IDENTIFIER_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _invalid() -> Response:
    return _status(404, "Invalid UUID: the identifier is not a UUID.", "invalid_uuid")


def _unknown(what: str) -> Response:
    return _status(404, f"Unknown Object: no published {what} has this identifier.", "unknownobject")


def _serve(identifier: str, what: str, lookup):
    """One object by identifier, with the binding's errors; an ETag lets consumers re-check cheaply."""
    if not IDENTIFIER_RE.match(identifier):
        return _invalid()
    body = lookup(identifier)
    if body is None:
        return _unknown(what)
    return _json(body, etag_source=json.dumps(body, sort_keys=True) + case_service.base_url())


def _paging() -> tuple[int | None, int] | Response:
    """``limit`` and ``offset`` as the binding defines them; anything else in them is a 400."""
    try:
        limit = int(request.args["limit"]) if "limit" in request.args else None
        offset = int(request.args.get("offset", 0))
    except ValueError:
        return _status(400, "limit and offset must be whole numbers.", "invalid_selection_field")
    if (limit is not None and limit < 1) or offset < 0:
        return _status(400, "limit must be at least 1 and offset at least 0.", "invalid_selection_field")
    return limit, offset


@bp.get("/CFDocuments")
def list_documents():
    paging = _paging()
    if isinstance(paging, Response):
        return paging
    limit, offset = paging
    documents = case_service.documents()
    page = documents[offset: offset + limit if limit else None]
    response = _json({"CFDocuments": page})
    response.headers["X-Total-Count"] = str(len(documents))
    return response


@bp.get("/CFDocuments/<identifier>")
def get_document(identifier: str):
    return _serve(identifier, "framework document", case_service.document)


@bp.get("/CFPackages/<identifier>")
def get_package(identifier: str):
    return _serve(identifier, "framework document", case_service.package)


@bp.get("/CFItems/<identifier>")
def get_item(identifier: str):
    return _serve(identifier, "item", case_service.item)


@bp.get("/CFAssociations/<identifier>")
def get_association(identifier: str):
    return _serve(identifier, "association", case_service.association)


@bp.get("/CFItemAssociations/<identifier>")
def get_item_associations(identifier: str):
    return _serve(identifier, "item", case_service.item_associations)


@bp.get("/CFItemTypes/<identifier>")
def get_item_type(identifier: str):
    return _serve(identifier, "item type", lambda i: _set("CFItemTypes", i))


@bp.get("/CFConcepts/<identifier>")
def get_concept(identifier: str):
    return _serve(identifier, "concept", lambda i: _set("CFConcepts", i))


@bp.get("/CFSubjects/<identifier>")
def get_subject(identifier: str):
    return _serve(identifier, "subject", lambda i: _set("CFSubjects", i))


@bp.get("/CFSubjects")
def list_subjects():
    return _json({"CFSubjects": case_service.all_of("CFSubjects")})


@bp.get("/CFLicenses/<identifier>")
def get_license(identifier: str):
    return _serve(identifier, "licence", lambda i: case_service.single("CFLicenses", i))


@bp.get("/CFAssociationGroupings/<identifier>")
def get_association_grouping(identifier: str):
    return _serve(identifier, "association grouping", lambda i: case_service.single("CFAssociationGroupings", i))


@bp.get("/CFRubrics/<identifier>")
def get_rubric(identifier: str):
    return _serve(identifier, "rubric", lambda i: case_service.single("CFRubrics", i))


@bp.get("/CFRubrics")
def list_rubrics():
    return _json({"CFRubrics": case_service.all_of("CFRubrics")})


def _set(collection: str, identifier: str) -> dict | None:
    found = case_service.definition_set(collection, identifier)
    return {collection: found} if found is not None else None
