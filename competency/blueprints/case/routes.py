"""1EdTech CASE 1.1 read-only service: ``/ims/case/v1p1``.

Published and retired framework versions are public: frameworks hold no personal
data, and CASE consumers (learning platforms, other employers' systems) fetch them
without an account. Drafts are never served. Errors use CASE's imsx status shape.
"""
from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, current_app, request

from competency.extensions import csrf
from competency.frameworks import exports, queries
from competency.frameworks.case import UUID_RE, document_summary
from competency.frameworks.models import FrameworkVersion

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


def _public_version(identifier: str) -> FrameworkVersion | Response:
    if not UUID_RE.match(identifier):
        return _status(404, "The identifier is not a lowercase UUID.", "invalid_uuid")
    version = queries.version_by_uuid(identifier)
    if version is None or version.status not in queries.PUBLIC_STATUSES:
        return _status(404, "No published framework document has this identifier.", "unknownobject")
    return version


def _base_url() -> str:
    return current_app.config["BASE_URL"]


def _etag(version: FrameworkVersion) -> str:
    return f"{version.uuid}:{version.status.value}:{version.changed_at.isoformat()}:{_base_url()}"


@bp.get("/CFDocuments")
def list_documents():
    documents = [document_summary(queries.version_spec(v), queries.version_state(v), base_url=_base_url())
                 for v in queries.public_versions()]
    return _json({"CFDocuments": documents})


@bp.get("/CFDocuments/<identifier>")
def get_document(identifier: str):
    version = _public_version(identifier)
    if isinstance(version, Response):
        return version
    return _json(document_summary(queries.version_spec(version), queries.version_state(version), base_url=_base_url()),
                 etag_source=_etag(version))


@bp.get("/CFPackages/<identifier>")
def get_package(identifier: str):
    version = _public_version(identifier)
    if isinstance(version, Response):
        return version
    return _json(exports.case_package(version, base_url=_base_url()), etag_source=_etag(version))


@bp.get("/CFItems/<identifier>")
def get_item(identifier: str):
    if not UUID_RE.match(identifier):
        return _status(404, "The identifier is not a lowercase UUID.", "invalid_uuid")
    found = queries.find_item(identifier)
    if found is None:
        return _status(404, "No published item has this identifier.", "unknownobject")
    version, item = found
    package = exports.case_package(version, base_url=_base_url())
    body = next(entry for entry in package["CFItems"] if entry["identifier"] == item.uuid)
    return _json(body, etag_source=_etag(version) + identifier)



