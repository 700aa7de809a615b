"""Portable SQL building blocks for the reports: day differences and grouped percentiles.

PostgreSQL computes percentiles with ``percentile_cont``; SQLite has no ordered-set
aggregates, so there one query with window functions returns just the (at most two)
rows around each percentile per group and the interpolation happens here. Either
way the database does the sorting and a bounded number of rows comes back.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from competency.extensions import db


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


def days_between_dates(later, earlier):
    """Whole days from ``earlier`` to ``later`` (two DATE expressions)."""
    if dialect_name() == "postgresql":
        return later - earlier
    return sa.func.julianday(later) - sa.func.julianday(earlier)


def days_between_times(later, earlier):
    """Fractional days from ``earlier`` to ``later`` (two timestamp expressions)."""
    if dialect_name() == "postgresql":
        return sa.extract("epoch", later - earlier) / 86400.0
    return sa.func.julianday(later) - sa.func.julianday(earlier)


def month_bucket(day):
    """'YYYY-MM' of a DATE expression."""
    if dialect_name() == "postgresql":
        return sa.func.to_char(day, "YYYY-MM")
    return sa.func.strftime("%Y-%m", day)


@dataclass(frozen=True)
class Spread:
    """How long something took across a group: count, median and 90th percentile (days)."""

    count: int
    median: float | None
    p90: float | None


def grouped_percentiles(source: sa.Select, value_column: str, group_column: str | None,
                        fractions: Sequence[float] = (0.5, 0.9)) -> dict:
    """{group: Spread} for ``value_column`` of ``source`` (a SELECT with both columns), in one query.

    With ``group_column`` None the whole of ``source`` is one group, keyed None.
    """
    sub = source.subquery()
    value = sub.c[value_column]
    group = sub.c[group_column] if group_column else None
    results: dict = {}
    if dialect_name() == "postgresql":
        columns = [sa.func.percentile_cont(f).within_group(value.asc()) for f in fractions]
        if group is None:
            rows = db.session.execute(sa.select(sa.null(), sa.func.count(), *columns))
        else:
            rows = db.session.execute(sa.select(group, sa.func.count(), *columns).group_by(group))
        for row in rows:
            if row[1]:
                results[row[0]] = Spread(row[1], *(float(v) if v is not None else None for v in row[2:]))
        return results
    partition = {"partition_by": group} if group is not None else {}
    rank = (sa.func.row_number().over(order_by=value, **partition) - 1).label("rank")
    size = sa.func.count().over(**partition).label("size")
    group_out = group.label("grp") if group is not None else sa.null().label("grp")
    ranked = sa.select(group_out, value.label("val"), rank, size).subquery()
    wanted = []
    for f in fractions:
        position = sa.cast(f * (ranked.c.size - 1), sa.Integer)
        wanted.extend([ranked.c.rank == position, ranked.c.rank == position + 1])
    rows = db.session.execute(sa.select(ranked.c.grp, ranked.c.val, ranked.c.rank, ranked.c.size)
                              .where(sa.or_(*wanted)))
    picked: dict = {}
    for grp, val, rank, size in rows:
        picked.setdefault(grp, {"size": size})[rank] = float(val)
    for grp, values in picked.items():
        size = values["size"]
        spread = []
        for f in fractions:
            exact = f * (size - 1)
            low = int(exact)
            low_value = values[low]
            high_value = values.get(low + 1, low_value)
            spread.append(low_value + (high_value - low_value) * (exact - low))
        results[grp] = Spread(size, *spread)
    return results


def percentiles_with_total(source: sa.Select, value_column: str, group_column: str,
                           fractions: Sequence[float] = (0.5, 0.9)) -> dict:
    """{group: Spread} plus the whole of ``source`` under the key None.

    PostgreSQL answers both in one pass (GROUPING SETS); elsewhere two queries.
    """
    if dialect_name() != "postgresql":
        results = grouped_percentiles(source, value_column, group_column, fractions)
        results[None] = grouped_percentiles(source, value_column, None, fractions).get(None, Spread(0, None, None))
        return results
    sub = source.subquery("spread_source")
    value, group = sub.c[value_column], sub.c[group_column]
    # One sort serves every fraction: percentile_cont(ARRAY[...]) returns an array.
    wanted = sa.literal(list(fractions), type_=postgresql.ARRAY(sa.Float))
    spread = sa.func.percentile_cont(wanted, type_=postgresql.ARRAY(sa.Float)).within_group(value.asc())
    query = (sa.select(group, sa.func.grouping(group), sa.func.count(), spread)
             .group_by(sa.text(f'GROUPING SETS ((spread_source."{group_column}"), ())')))
    results: dict = {None: Spread(0, None, None)}
    for row in db.session.execute(query):
        key = None if row[1] else row[0]
        if row[2]:
            results[key] = Spread(row[2], *(float(v) if v is not None else None for v in row[3]))
    return results


def overall_percentiles(source: sa.Select, value_column: str, fractions: Sequence[float] = (0.5, 0.9)) -> Spread:
    """The same across every row of ``source``."""
    return grouped_percentiles(source, value_column, None, fractions).get(None, Spread(0, None, None))
