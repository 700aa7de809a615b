"""Numbers in URLs that name database rows.

Ids are 32-bit integers in PostgreSQL (and far smaller in practice on SQLite). A number
outside that range cannot name a row, so it answers 404 like any other unknown id, before
it reaches the database, where SQLite raises OverflowError and PostgreSQL an out-of-range
error. The ``int`` converter is replaced app-wide, so every ``<int:...>`` route, web and API,
is covered without each one saying so.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

MAX_DB_ID = 2**31 - 1
# Page numbers far past any real last page are read as this one (an empty page), so the
# OFFSET sent to the database always fits.
MAX_PAGE = 100_000
MAX_PER_PAGE = 100


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` that matches 0 ... 2**31 - 1 only (werkzeug's ``max`` bound)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_DB_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def db_int(value: str) -> int:
    """For ``request.args.get(name, type=db_int)``: an id in range, else ValueError (so the default)."""
    number = int(value)
    if not 0 <= number <= MAX_DB_ID:
        raise ValueError(f"{value!r} is not a database id")
    return number


def register_converters(app: Flask) -> None:
    """Must run before any blueprint is registered: rules bind their converters when added."""
    app.url_map.converters["int"] = DatabaseIdConverter
