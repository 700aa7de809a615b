"""Declarative base, shared column types and mixins."""
from __future__ import annotations

import os
import weakref
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC datetime is required")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


def str_enum(enum_cls, length: int = 32) -> sa.Enum:
    """Store a Python enum by value as a short string with a CHECK constraint on every backend."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda e: [member.value for member in e],
        validate_strings=True,
        create_constraint=True,
        name=enum_cls.__name__.lower(),
    )


# How long a SQLite writer waits for another one to finish before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def configure_engine(engine: Engine) -> Engine:
    """SQLite: foreign keys on, WAL, and every transaction begun IMMEDIATE.

    SQLAlchemy manages transactions (so SAVEPOINTs work). The embedded default serves a small
    team from one file, and a deferred ``BEGIN`` fails there under concurrency: two requests
    that both read (the signed-in user, the account being checked) and then write cannot both
    upgrade to the write lock, and SQLite answers the loser "database is locked" at once,
    without waiting. ``BEGIN IMMEDIATE`` takes the write lock at the start, so a second writer
    waits (up to the busy timeout) instead of failing; WAL lets readers outside the app (the
    Celery broker, an operator's ``sqlite3``) carry on meanwhile. Requests are short, so the
    serialisation costs a handful of people nothing they notice; PostgreSQL is for more.

    Applied to the app's own engines only (see ``extensions.db``): other SQLAlchemy users in
    the process, such as Celery's SQLite broker on the embedded default, manage their own
    transactions and break if a BEGIN is issued for them.

    On every backend, a process forked after the engine connected (gunicorn ``--preload``,
    Celery's prefork pool) starts with an empty pool of its own: the parent's connections are
    left to the parent, never shared between processes.
    """
    ref = weakref.ref(engine)  # an engine no longer used is not kept alive by the hook
    os.register_at_fork(after_in_child=lambda: (e := ref()) is not None and e.dispose(close=False))
    if engine.dialect.name != "sqlite":
        return engine

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@dataclass(frozen=True)
class _Prepared:
    sql: str
    names: tuple[str, ...] | None  # positional paramstyles: the order of the parameters
    compiled: Any
    bind_processors: dict[str, Any]
    result_processors: tuple[Any, ...]


_prepared: dict[tuple[int, str], tuple[sa.Select, _Prepared]] = {}


def _prepare(statement: sa.Select, dialect) -> _Prepared:
    found = _prepared.get((id(statement), dialect.name))
    if found is not None and found[0] is statement:
        return found[1]
    compiled = statement.compile(dialect=dialect)
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise ValueError("read_row takes statements whose SQL does not depend on their parameters")
    prepared = _Prepared(
        str(compiled), tuple(compiled.positiontup) if compiled.positional else None, compiled,
        {compiled.bind_names[bind]: bind.type.bind_processor(dialect) for bind in compiled.binds.values()},
        tuple(column.type.result_processor(dialect, None) for column in statement.selected_columns))
    if len(_prepared) > 256:
        _prepared.clear()
    _prepared[(id(statement), dialect.name)] = (statement, prepared)
    return prepared


def read_row(engine: Engine, statement: sa.Select, parameters: dict | None = None) -> tuple | None:
    """The first row of one SELECT, read on a pooled connection of its own that goes straight back.

    For the hot read-only path of an anonymous request (verifying one of our own
    credentials), which would otherwise open the request's transaction (on
    SQLite ``BEGIN IMMEDIATE``, so the database's write lock) and go through
    the ORM to run one indexed SELECT. The statement is compiled once and run on
    the driver's connection: SQLite runs it in autocommit mode (no BEGIN), so
    it reads the latest committed state (WAL) and holds no lock past the
    statement. That is safe where ``configure_engine``'s reasoning says a
    deferred transaction is not, because this connection does nothing else: no
    write can follow the read on it, so there is no lock to upgrade.
    PostgreSQL reads it in a transaction of its own, rolled back when the
    connection returns to the pool. Data written by the caller's own open
    transaction is not visible here: callers in a transaction read through
    their session. Column types convert the parameters and the row as
    SQLAlchemy would (enums, for example).
    """
    if not isinstance(statement, sa.Select):
        raise TypeError("read_row runs a SELECT only")
    prepared = _prepare(statement, engine.dialect)
    values = prepared.compiled.construct_params(parameters or {})
    for name, process in prepared.bind_processors.items():
        if process is not None:
            values[name] = process(values[name])
    arguments = tuple(values[name] for name in prepared.names) if prepared.names is not None else values
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(prepared.sql, arguments)
            row = cursor.fetchone()
        finally:
            cursor.close()
    finally:
        connection.close()  # back to the pool, which rolls back whatever the driver began
    if row is None:
        return None
    return tuple(value if process is None else process(value)
                 for value, process in zip(row, prepared.result_processors))


def committed_value(obj, attr: str):
    """The value ``attr`` had when ``obj`` was loaded (before any change in this session)."""
    history = sa.inspect(obj).attrs[attr].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return None
