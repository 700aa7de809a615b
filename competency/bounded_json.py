"""One bounded way to read JSON from strangers: size, nesting depth, node count and lone surrogates.

Python's parser recurses once per nesting level, so a body nested a thousand
deep raises ``RecursionError`` (a 500) in the parser or in whatever walks the
result later (pydantic, pyld, ``json.dumps``).  A lone UTF-16 surrogate such
as ``"\\ud800"`` parses into a ``str`` that cannot be encoded as UTF-8, so it
fails later, in hashing or in the database.  :func:`loads` refuses all of
these up front with a :class:`JSONLimitError` that says what was wrong and
which HTTP status fits (413 too large, 422 too deep, too many values, or not
valid text), and :class:`BoundedJSONProvider` makes it the parser behind
every ``request.get_json()`` in the app, so every endpoint gets the same
limits without asking for them.
"""
from __future__ import annotations

import json
import re
from typing import Any

from flask import current_app, has_app_context
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

#: Defaults; the app's config (``JSON_MAX_BYTES``, ``JSON_MAX_DEPTH``, ``JSON_MAX_NODES``) overrides them.
MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000

_SURROGATE = re.compile("[\ud800-\udfff]")
# A surrogate in parsed JSON comes from a \\u escape, or from a str that already held one (bytes we
# decode as strict UTF-8 cannot): two scans of the text decide whether the walk must look.
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


class JSONLimitError(ValueError):
    """The JSON is too large, too deep, has too many values or is not valid Unicode text."""

    def __init__(self, message: str, *, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def limits() -> tuple[int, int, int]:
    """(bytes, depth, nodes) for this app, or the defaults outside one."""
    if not has_app_context():
        return MAX_BYTES, MAX_DEPTH, MAX_NODES
    config = current_app.config
    return (int(config.get("JSON_MAX_BYTES", MAX_BYTES)), int(config.get("JSON_MAX_DEPTH", MAX_DEPTH)),
            int(config.get("JSON_MAX_NODES", MAX_NODES)))


def check_shape(value: Any, *, max_depth: int, max_nodes: int, what: str = "The JSON",
                surrogates: bool = True) -> int:
    """Walk ``value`` without recursion; return its number of values (objects, arrays and scalars).

    ``surrogates=False`` skips looking for lone surrogates (the caller knows there can be none).

    :raises JSONLimitError: deeper than ``max_depth``, more than ``max_nodes``
        values, or a string or key holding a lone surrogate.
    """
    nodes = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        nodes += 1
        if nodes > max_nodes:
            raise JSONLimitError(f"{what} holds more than {max_nodes:,} values, more than this service checks.")
        if isinstance(item, str):
            if surrogates and _SURROGATE.search(item):
                raise JSONLimitError(f"{what} contains text that is not valid Unicode (a lone surrogate).")
            continue
        if isinstance(item, dict):
            children = item.values()
            for key in item if surrogates else ():
                if _SURROGATE.search(key):
                    raise JSONLimitError(f"{what} contains text that is not valid Unicode (a lone surrogate).")
        elif isinstance(item, list):
            children = item
        else:
            continue
        if children and depth >= max_depth:
            raise JSONLimitError(f"{what} is nested more than {max_depth} levels deep.")
        pending.extend((child, depth + 1) for child in children)
    return nodes


def loads(data: str | bytes | bytearray, *, max_bytes: int | None = None, max_depth: int | None = None,
          max_nodes: int | None = None, what: str = "The JSON") -> Any:
    """Parse JSON text within the limits (the app's, unless given).

    :raises JSONLimitError: too large (status 413), not UTF-8, too deep, too
        many values or a lone surrogate (422).
    :raises ValueError: not JSON at all (``json.JSONDecodeError``).
    """
    default_bytes, default_depth, default_nodes = limits()
    max_bytes = default_bytes if max_bytes is None else max_bytes
    max_depth = default_depth if max_depth is None else max_depth
    max_nodes = default_nodes if max_nodes is None else max_nodes
    if len(data) > max_bytes:
        raise JSONLimitError(f"{what} is larger than {max_bytes // 1024:,} KiB, more than this service accepts.",
                             status=413)
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise JSONLimitError(f"{what} is not UTF-8 text.") from None
    try:
        value = json.loads(data)
    except RecursionError:
        raise JSONLimitError(f"{what} is nested more than {max_depth} levels deep.") from None
    check_shape(value, max_depth=max_depth, max_nodes=max_nodes, what=what,
                surrogates=bool(_ESCAPED_SURROGATE.search(data) or _SURROGATE.search(data)))
    return value


class JSONBodyRefused(HTTPException):
    """A request body over the limits: answered 413 or 422 (problem+json on the API)."""

    def __init__(self, error: JSONLimitError) -> None:
        self.code = error.status
        super().__init__(description=error.message)


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with :func:`loads` behind ``request.get_json()``.

    A body over the limits raises :class:`JSONBodyRefused` (an HTTP error, so
    even ``get_json(silent=True)`` cannot turn it into "no body"); malformed
    JSON keeps Flask's usual handling.
    """

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return loads(s, what="The request body")
        except JSONLimitError as error:
            raise JSONBodyRefused(error) from None
