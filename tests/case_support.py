"""Shared helpers for the CASE tests: the official schema, fixture packages, and a package walker."""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft7Validator

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "case"
PACKAGES = sorted((FIXTURES / "packages").glob("*.json"))
# Public packages that predate CASE 1.1 strictness (kept as published; the reader is tolerant).
SAMPLES = sorted((FIXTURES / "samples").glob("*.json"))


def package_schema() -> dict:
    return json.loads((FIXTURES / "case-v1p1-cfpackage-schema.json").read_text(encoding="utf-8"))


def schema_errors(package: dict) -> list[str]:
    """Errors against the official CASE 1.1 package schema, formats checked."""
    validator = Draft7Validator(package_schema(), format_checker=Draft7Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(package)]


def strict_schema() -> dict:
    """The schema with its ``additionalProperties: {CFPackageURI: ...}`` read as "no other properties".

    The official file writes those objects where JSON Schema expects a schema, which a
    validator reads as "anything goes"; the strict reading is what the spec means.
    """
    schema = package_schema()
    for definition in schema["definitions"].values():
        if isinstance(definition.get("additionalProperties"), dict):
            definition["additionalProperties"] = False
    return schema


def strict_errors(package: dict) -> list[str]:
    validator = Draft7Validator(strict_schema(), format_checker=Draft7Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(package)]


def uris(value: Any) -> set[str]:
    """Every ``uri`` anywhere in a JSON value."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "uri" and isinstance(inner, str):
                found.add(inner)
            else:
                found |= uris(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= uris(inner)
    return found


def local_path(uri: str) -> str:
    parts = urlsplit(uri)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def by_identifier(entries: list[dict]) -> dict[str, dict]:
    return {entry["identifier"]: entry for entry in entries}


def without_uris(value: Any) -> Any:
    """The same JSON with every ``uri`` value blanked (for comparing local and source exports)."""
    if isinstance(value, dict):
        return {key: ("" if key == "uri" else without_uris(inner)) for key, inner in value.items()}
    if isinstance(value, list):
        return [without_uris(inner) for inner in value]
    return value


# --- the CASE 1.1 OpenAPI definition ----------------------------------------------------------

OPENAPI_FILE = FIXTURES / "case-v1p1-openapi.json"
OPENAPI_URN = "urn:case-v1p1-openapi"


@lru_cache(maxsize=1)
def openapi() -> dict:
    return json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))


def _absolute_uri(value: object) -> bool:
    """``format: uri`` (RFC 3986 absolute URI): a scheme, then something, and no spaces."""
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path) and not any(c.isspace() for c in value)


def component_validator(name: str):
    """A validator for one component schema of the definition, every ``$ref`` resolved, formats checked.

    The whole definition is registered as one resource, so ``#/components/schemas/...``
    references resolve inside it exactly as written; date-time, date, uri and int32
    formats are checked (the OpenAPI format checker has no ``uri``, so it is added).
    """
    from openapi_schema_validator import OAS30Validator, oas30_format_checker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    registry = Registry().with_resource(OPENAPI_URN, Resource.from_contents(openapi(), default_specification=DRAFT4))
    checker = copy.deepcopy(oas30_format_checker)
    checker.checks("uri")(_absolute_uri)
    return OAS30Validator({"$ref": f"{OPENAPI_URN}#/components/schemas/{name}"}, registry=registry, format_checker=checker)


def response_schema_name(path: str, status: int | str) -> str:
    """The component schema the definition gives the body of ``GET path`` answering ``status``."""
    responses = openapi()["paths"][path]["get"]["responses"]
    return responses[str(status)]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]


def response_validator(path: str, status: int | str):
    return component_validator(response_schema_name(path, status))


def openapi_errors(validator, body: Any, *, tolerated_identifiers: frozenset[str] = frozenset()) -> list[str]:
    """Every way ``body`` breaks the schema, as "json/path: message".

    ``tolerated_identifiers`` are identifiers a source package chose that do not match the
    binding's UUID pattern (OpenSALT's test frameworks use ``00000000-...``); a served
    package keeps its source identifiers, so only those pattern mismatches are let through.
    """
    errors = []
    for error in validator.iter_errors(body):
        if error.validator == "pattern" and error.instance in tolerated_identifiers:
            continue
        errors.append(f"{'/'.join(map(str, error.absolute_path))}: {error.message}")
    return errors


def identifiers(value: Any) -> set[str]:
    """Every ``identifier`` anywhere in a JSON value."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "identifier" and isinstance(inner, str):
                found.add(inner)
            else:
                found |= identifiers(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= identifiers(inner)
    return found
