"""Shared helpers for the CASE tests: the official schema, fixture packages, and a package walker."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft7Validator

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "case"
PACKAGES = sorted((FIXTURES / "packages").glob("*.json"))


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
