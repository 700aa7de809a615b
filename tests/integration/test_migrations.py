"""The migrations build exactly the models' schema, and tear it down again, on SQLite and PostgreSQL.

``flask db upgrade`` on an empty database, then Alembic's autogenerate comparison against the
models' metadata must find nothing to do; ``flask db downgrade base`` must leave no tables.
"""
from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from competency import create_app
from competency.extensions import db
from config import TestingConfig

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@pytest.fixture
def keep_logging():
    """migrations/env.py configures logging from alembic.ini; put the test run's loggers back after."""
    manager = logging.root.manager
    before = {name: (logger.disabled, logger.level) for name, logger in manager.loggerDict.items()
              if isinstance(logger, logging.Logger)}
    root_handlers, root_level = list(logging.root.handlers), logging.root.level
    yield
    for name, (disabled, level) in before.items():
        logger = manager.loggerDict.get(name)
        if isinstance(logger, logging.Logger):
            logger.disabled, logger.level = disabled, level
    logging.root.handlers[:], logging.root.level = root_handlers, root_level


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'fresh.sqlite'}"


@pytest.fixture
def postgres_url():
    """A brand-new PostgreSQL database made from PG_URL_BASE, dropped afterwards."""
    base = os.environ.get("PG_URL_BASE")
    if not base:
        pytest.skip("PG_URL_BASE is not set (make test sets it)")
    name = f"competency_migrations_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def migrated_app(url: str, tmp_path: Path):
    config = type("MigrationConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": tmp_path})
    return create_app(config)


def run_flask(app, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, f"flask {' '.join(args)} failed:\n{result.output}\n{result.exception!r}"


def schema_differences(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "compare_server_default": False})
        return compare_metadata(context, db.metadata)


def table_names(app) -> set[str]:
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def check_round_trip(url: str, tmp_path: Path) -> None:
    app = migrated_app(url, tmp_path)
    try:
        assert table_names(app) == set(), "the database should start empty"

        run_flask(app, "db", "upgrade")

        assert table_names(app) == set(db.metadata.tables), "upgrade should create every model table"
        differences = schema_differences(app)
        assert differences == [], "the migrations do not match the models; regenerate them:\n" + "\n".join(
            map(repr, differences))

        run_flask(app, "db", "downgrade", "base")

        assert table_names(app) == set(), "downgrade base should leave no tables"
    finally:
        with app.app_context():
            db.engine.dispose()


def test_there_are_migrations_with_date_prefixed_names():
    files = sorted(p.name for p in (MIGRATIONS / "versions").glob("*.py"))

    assert files, "no migrations: generate them with `flask db migrate`"
    assert all(name[:8].isdigit() and name[8] == "_" for name in files), files


def test_upgrade_and_downgrade_on_empty_sqlite(sqlite_url, tmp_path, keep_logging):
    check_round_trip(sqlite_url, tmp_path)


def test_upgrade_and_downgrade_on_empty_postgresql(postgres_url, tmp_path, keep_logging):
    check_round_trip(postgres_url, tmp_path)
