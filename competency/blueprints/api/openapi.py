"""Declaring API routes once: the decorator registers the Flask route and its OpenAPI operation.

The OpenAPI 3.1 document is built by apispec from these declarations and the
pydantic models' JSON Schemas, so it cannot drift from the code.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from apispec import APISpec
from flask import g
from pydantic import BaseModel

from competency.blueprints.api.blueprint import ProblemError, bp
from competency.routing import MAX_DB_ID, MAX_PAGE


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    tags: list[str]
    auth: bool
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    multipart: dict | None = None
    errors: list[int] = field(default_factory=list)
    # Query parameters: (name, JSON Schema type, description).
    query: list[tuple[str, str, str]] = field(default_factory=list)


OPERATIONS: list[Operation] = []


def api_route(
    rule: str,
    method: str = "GET",
    *,
    summary: str,
    tag: str,
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    auth: bool = True,
    multipart: dict | None = None,
    errors: tuple[int, ...] = (),
    query: tuple[tuple[str, str, str], ...] = (),
):
    """Register ``view`` on the API blueprint and describe it in the OpenAPI document.

    With ``auth=True`` a request without a valid personal access token answers 401.
    ``multipart`` describes form fields for file uploads, e.g. ``{"file": "binary"}``; ``query`` the optional
    query parameters, e.g. ``(("page", "integer", "Page number, from 1"),)``.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if auth and g.get("api_user") is None:
                raise ProblemError(401, "Unauthorised", "Send a valid personal access token as 'Authorization: Bearer <token>'.")
            return view(*args, **kwargs)

        endpoint = view.__name__
        bp.add_url_rule(rule, endpoint=endpoint, view_func=wrapper, methods=[method])
        OPERATIONS.append(
            Operation(rule, method.lower(), f"api.{endpoint}", summary, [tag], auth, body, response, status,
                      multipart, list(errors), list(query))
        )
        return wrapper

    return decorator


_PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "rule": {"type": "string", "description": "The platform rule that was not met."},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["title", "status"],
}


ERROR_DESCRIPTIONS = {
    400: "The body is not a JSON object (send one with Content-Type: application/json).",
    401: "No valid personal access token.",
    403: "You can see this but may not do it.",
    404: "Not found, or not visible to you (including ids too large to exist).",
    409: "Conflicts with the current state (already decided, already revoked, published ...).",
    413: "Too large.",
    422: "A field is not valid or a rule is not met; 'rule' and 'field' say which.",
}


def _add_schema(spec: APISpec, name: str, schema: dict) -> None:
    """Register ``schema`` once under ``name``; two different models may not share a name, or one
    operation would be documented with the other's shape."""
    known = spec.components.schemas.get(name)
    if known is None:
        spec.components.schema(name, schema)
    elif known != schema:
        raise ValueError(f"Two API models are both called {name!r}: give one of them another name.")


def _schema_ref(spec: APISpec, model: type[BaseModel]) -> dict:
    name = model.__name__
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for def_name, definition in schema.pop("$defs", {}).items():
        _add_schema(spec, def_name, definition)
    _add_schema(spec, name, schema)
    return {"$ref": f"#/components/schemas/{name}"}


def _query_schema(name: str, kind: str) -> dict:
    """Integer query parameters say their bounds: a page number up to MAX_PAGE, an id up to MAX_DB_ID."""
    if kind != "integer":
        return {"type": kind}
    if name == "page":
        return {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}
    return {"type": "integer", "minimum": 0, "maximum": MAX_DB_ID}


def build_spec(server_url: str) -> dict:
    spec = APISpec(
        title="competency API",
        version="1.0.0",
        openapi_version="3.1.0",
        info={"description": "Capability framework, evidence, sign-off, preceptorship and passport API. "
                             "Errors are application/problem+json."},
        servers=[{"url": server_url}],
    )
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                   "description": "A personal access token from your profile page."})
    spec.components.schema("Problem", PROBLEM_SCHEMA)
    problem_ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        path = _PATH_PARAM.sub(r"{\2}", op.rule)
        params = [
            {"name": name, "in": "path", "required": True,
             "schema": {"type": "integer", "minimum": 0, "maximum": MAX_DB_ID} if conv == "int" else {"type": "string"}}
            for conv, name in _PATH_PARAM.findall(op.rule)
        ]
        params += [{"name": name, "in": "query", "required": False, "description": description,
                    "schema": _query_schema(name, kind)} for name, kind, description in op.query]
        operation: dict = {"operationId": op.endpoint.replace(".", "_"), "summary": op.summary, "tags": op.tags}
        if params:
            operation["parameters"] = params
        if op.body is not None:
            operation["requestBody"] = {"required": True,
                                        "content": {"application/json": {"schema": _schema_ref(spec, op.body)}}}
        elif op.multipart:
            operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object",
                "properties": {k: {"type": "string", "contentMediaType": "application/octet-stream"}
                               if v == "binary" else {"type": v} for k, v in op.multipart.items()},
            }}}}
        ok: dict = {"description": "Success"}
        if op.response is not None:
            ok["content"] = {"application/json": {"schema": _schema_ref(spec, op.response)}}
        responses = {str(op.status): ok}
        codes = set(op.errors) | ({401} if op.auth else set()) | ({422} if op.body or op.multipart else set())
        codes |= {400} if op.body else set()
        codes |= {404} if params else set()
        for code in sorted(codes):
            responses[str(code)] = {"description": ERROR_DESCRIPTIONS.get(code, "Problem"), "content": problem_ref}
        operation["responses"] = responses
        if op.auth:
            operation["security"] = [{"bearerAuth": []}]
        paths.setdefault(path, {})[op.method] = operation
    for path in sorted(paths):
        spec.path(path=path, operations=paths[path])
    return spec.to_dict()
