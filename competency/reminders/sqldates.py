"""Date arithmetic in SQL that reads the same on PostgreSQL and SQLite.

Planning runs as set-based SQL over other areas' tables, so it needs
"days between two dates", "a date plus n days" and "the UTC date of a
timestamp" inside queries. Each construct compiles to the native form.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class days_between(FunctionElement):
    """Whole days from ``start`` to ``end`` (``end - start``), as an integer."""

    type = sa.Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_between_default(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"(CAST({compiler.process(end, **kw)} AS DATE) - CAST({compiler.process(start, **kw)} AS DATE))"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return (f"CAST(julianday(date({compiler.process(end, **kw)})) - "
            f"julianday(date({compiler.process(start, **kw)})) AS INTEGER)")


class add_days(FunctionElement):
    """The date ``days`` days after ``day`` (``days`` may be a column or negative)."""

    type = sa.Date()
    inherit_cache = True
    name = "add_days"


@compiles(add_days)
def _add_days_default(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"(CAST({compiler.process(day, **kw)} AS DATE) + CAST({compiler.process(days, **kw)} AS INTEGER))"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, CAST({compiler.process(days, **kw)} AS TEXT) || ' days')"


class date_of(FunctionElement):
    """The UTC calendar date of a timestamp column."""

    type = sa.Date()
    inherit_cache = True
    name = "date_of"


@compiles(date_of)
def _date_of_default(element, compiler, **kw):
    (value,) = list(element.clauses)
    return f"CAST(({compiler.process(value, **kw)} AT TIME ZONE 'UTC') AS DATE)"


@compiles(date_of, "sqlite")
def _date_of_sqlite(element, compiler, **kw):
    (value,) = list(element.clauses)
    return f"date({compiler.process(value, **kw)})"


def weekly_stage(prefix: str, days_late) -> sa.ColumnElement[str]:
    """``prefix-N`` where N counts weeks late: day 1-7 late is week 1, day 8-14 week 2 ..."""
    week = (days_late - 1) // 7 + 1
    return sa.literal(prefix + "-", sa.String) + sa.cast(week, sa.String)
