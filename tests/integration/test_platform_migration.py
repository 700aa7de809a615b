"""Upgrading an installation that gave analysts and editors as organisation roles keeps those people
working through platform grants, and no organisation role can name them any more (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from competency.extensions import db
from tests.integration.test_migrations import keep_logging, migrated_app, postgres_url, run_flask  # noqa: F401

BEFORE = "ed5357bbb187"
ROWS = [
    "INSERT INTO organisation (id, slug, name, kind, sector, region, settings, created_at, updated_at) VALUES "
    "(1, 'ics', 'ICS faculty', 'regional_body', 'health', 'Solent', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
    "(2, 'trust', 'A trust', 'nhs_trust', 'health', 'Solent', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO user_account (id, email, display_name, is_active_account, preferences, created_at, updated_at) "
    "VALUES (1, 'analyst@x.test', 'Ana', 1 = 1, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
    "(2, 'editor@x.test', 'Ed', 1 = 1, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
    "(3, 'admin@x.test', 'Ad', 1 = 1, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO membership (user_id, organisation_id, role, is_active, created_at, updated_at) VALUES "
    "(1, 1, 'analyst', 1 = 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
    "(2, 1, 'framework_editor', 1 = 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
    "(3, 2, 'admin', 1 = 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO api_token (user_id, name, token_hash, prefix, created_at, updated_at) VALUES "
    "(3, 'script', 'x', 'cpt_x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    # The framework table is rebuilt on SQLite: what refers to it must survive.
    "INSERT INTO framework (id, uuid, slug, title, created_at, updated_at) VALUES "
    "(1, 'f', 'shared', 'Shared', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO framework_version (uuid, framework_id, version, title, description, publisher, language, "
    "professions, status, changed_at, source_name, created_at, updated_at) VALUES ('v', 1, '1.0.0', 'Shared', '', "
    "'', 'en-GB', '[]', 'published', CURRENT_TIMESTAMP, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
]
SURVIVORS = "SELECT (SELECT COUNT(*) FROM framework_version), (SELECT COUNT(*) FROM api_token)"


def rows(app, sql: str) -> list[tuple]:
    with app.app_context(), db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(sql))]


def check_upgrade_moves_roles(url: str, tmp_path) -> None:
    app = migrated_app(url, tmp_path)
    try:
        run_flask(app, "db", "upgrade", BEFORE)
        with app.app_context(), db.engine.begin() as connection:
            for statement in ROWS:
                connection.execute(sa.text(statement))

        run_flask(app, "db", "upgrade")

        assert rows(app, "SELECT user_id, role, organisation_id, region, scope_key FROM platform_grant "
                         "ORDER BY user_id") == [(1, "analyst", None, "Solent", "region:Solent"),
                                                 (2, "framework_editor", None, None, "owner:platform")]
        assert rows(app, "SELECT user_id, role FROM membership") == [(3, "admin")]
        assert rows(app, "SELECT session_generation FROM user_account ORDER BY id") == [(0,), (0,), (0,)]
        assert rows(app, SURVIVORS) == [(1, 1)]
        with pytest.raises(sa.exc.IntegrityError), app.app_context(), db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO membership (user_id, organisation_id, role, is_active, created_at, updated_at) "
                "VALUES (3, 2, 'analyst', 1 = 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))

        run_flask(app, "db", "downgrade", BEFORE)

        assert sorted(rows(app, "SELECT user_id, organisation_id, role FROM membership")) == [
            (1, 1, "analyst"), (3, 2, "admin")]  # the editor's grant had no owner organisation to go back to
        assert rows(app, SURVIVORS) == [(1, 1)]
        run_flask(app, "db", "downgrade", "base")
    finally:
        with app.app_context():
            db.engine.dispose()


def test_on_sqlite(tmp_path, keep_logging):  # noqa: F811
    check_upgrade_moves_roles(f"sqlite:///{tmp_path / 'old.sqlite'}", tmp_path)


def test_on_postgresql(postgres_url, tmp_path, keep_logging):  # noqa: F811
    check_upgrade_moves_roles(postgres_url, tmp_path)
