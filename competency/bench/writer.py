"""Bulk row writers: PostgreSQL COPY through psycopg, or batched executemany of core inserts elsewhere.

Rows are tuples in the order of the given column names, with Python values
(enum values as strings, aware datetimes, dicts/lists for JSON columns). Both
writers use the session's own connection, so the caller's transaction holds.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import sqlalchemy as sa

from competency.extensions import db

BATCH = 5000


def table(name: str) -> sa.Table:
    return db.metadata.tables[name]


class CoreWriter:
    """executemany of a core INSERT in batches (SQLite, or any database)."""

    def write(self, name: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        statement = table(name).insert()
        written = 0
        batch: list[dict] = []
        for row in rows:
            batch.append(dict(zip(columns, row)))
            if len(batch) >= BATCH:
                db.session.execute(statement, batch)
                written += len(batch)
                batch = []
        if batch:
            db.session.execute(statement, batch)
            written += len(batch)
        return written


class CopyWriter:
    """COPY ... FROM STDIN on PostgreSQL, through the session's psycopg connection."""

    def __init__(self) -> None:
        self._connection = db.session.connection().connection.driver_connection

    def write(self, name: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        json_at = [i for i, c in enumerate(columns) if isinstance(table(name).c[c].type, sa.JSON)]
        column_list = ", ".join(f'"{c}"' for c in columns)
        written = 0
        with self._connection.cursor() as cursor:
            with cursor.copy(f'COPY "{name}" ({column_list}) FROM STDIN') as copy:
                for row in rows:
                    if json_at:
                        row = list(row)
                        for i in json_at:
                            row[i] = json.dumps(row[i]) if row[i] is not None else None
                    copy.write_row(row)
                    written += 1
        return written


def writer_for_session():
    return CopyWriter() if db.session.get_bind().dialect.name == "postgresql" else CoreWriter()


def next_ids(names: Iterable[str]) -> dict[str, int]:
    """The first free id of each table (so generated rows can name their keys up front)."""
    result = {}
    for name in names:
        result[name] = (db.session.scalar(sa.select(sa.func.max(table(name).c.id))) or 0) + 1
    return result


def reset_sequences(names: Iterable[str]) -> None:
    """After COPY with explicit ids, move each PostgreSQL id sequence past the largest id."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for name in names:
        db.session.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM \"{name}\"), 0) + 1, false)"))


def tables_with_serial_ids() -> list[str]:
    """Every table whose primary key is an integer ``id`` (on PostgreSQL: backed by a sequence)."""
    return [t.name for t in db.metadata.sorted_tables
            if [c.name for c in t.primary_key.columns] == ["id"] and t.c.id.autoincrement in (True, "auto")
            and isinstance(t.c.id.type, sa.Integer)]


def skip_foreign_key_triggers() -> bool:
    """On PostgreSQL, skip per-row foreign key checks for the rest of this transaction.

    The generator assigns every key itself, so the checks would only repeat what it knows;
    they are most of COPY's cost. Needs a superuser (the bench database's owner is one);
    without that right, loading simply goes slower.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return False
    try:
        with db.session.begin_nested():
            db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    except sa.exc.DBAPIError:
        return False
    return True
