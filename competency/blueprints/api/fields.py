"""Field types shared by the request schemas, so the OpenAPI document says what the rules say.

Two kinds of strictness:

- constraints pydantic enforces (ids within what the database holds, numbers in range):
  breaking one answers 422 "Invalid request" with the field named;
- constraints the document *states* while the domain rule still does the refusing
  (:func:`stated`), so the answer keeps naming its rule (``reason_required``,
  ``feedback_required`` ...) as it always has. The schema and the server then refuse
  the same bodies, which ``tests/functional/test_api_schemas.py`` checks.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from competency.routing import MAX_DB_ID

UUID_PATTERN = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
# At least one character that is not white space (JSON Schema patterns match anywhere).
NOT_BLANK = r"\S"

# A row id: a larger number cannot name a row (and used to reach the database as an overflow).
DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]


def stated(**keywords: Any) -> dict[str, Any]:
    """JSON Schema keywords for the document only; the domain rule enforces them with its own answer."""
    return {"json_schema_extra": keywords}


def required_when(field: str, equals: str, then: str, then_schema: dict[str, Any]) -> dict[str, Any]:
    """A model-level ``if``/``then``: when ``field`` is ``equals``, ``then`` is required and matches ``then_schema``."""
    return {"if": {"properties": {field: {"const": equals}}, "required": [field]},
            "then": {"required": [then], "properties": {then: then_schema}}}
