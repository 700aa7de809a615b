"""Upgrading to reminders planned once per item or day keeps what was planned and sent, and planning
after the upgrade plans none of it again; downgrading gives one row per (item, person) back
(SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import sqlalchemy as sa

from competency.extensions import db
from tests.integration.test_migrations import keep_logging, migrated_app, postgres_url, run_flask  # noqa: F401

BEFORE, AFTER = "ea88e7e48469", "1c5e593b47a3"
NOW = "CURRENT_TIMESTAMP"
ROWS = [
    "INSERT INTO organisation (id, slug, name, kind, sector, region, settings, created_at, updated_at) VALUES "
    f"(1, 'trust', 'A trust', 'nhs_trust', 'health', 'Solent', '{{}}', {NOW}, {NOW})",
    "INSERT INTO user_account (id, email, display_name, is_active_account, preferences, created_at, updated_at) "
    f"VALUES (1, 'p@x.test', 'Pat', 1 = 1, '{{}}', {NOW}, {NOW}), (2, 'a@x.test', 'Ash', 1 = 1, '{{}}', {NOW}, {NOW}), "
    f"(3, 'l@x.test', 'Lee', 1 = 1, '{{}}', {NOW}, {NOW})",
    "INSERT INTO membership (user_id, organisation_id, role, is_active, created_at, updated_at) VALUES "
    f"(3, 1, 'lead', 1 = 1, {NOW}, {NOW})",
    "INSERT INTO framework (id, uuid, slug, title, created_at, updated_at) VALUES "
    f"(1, 'f', 'shared', 'Shared', {NOW}, {NOW})",
    "INSERT INTO framework_version (id, uuid, framework_id, version, title, description, publisher, language, "
    f"professions, status, changed_at, source_name, created_at, updated_at) VALUES (1, 'v', 1, '1.0.0', 'Shared', "
    f"'', '', 'en-GB', '[]', 'published', {NOW}, '', {NOW}, {NOW})",
    # Two requests made on 2 March 2026, one on 4 March: waiting a week on the 9th and the 11th.
    "INSERT INTO signoff_request (id, practitioner_id, assessor_id, organisation_id, capability_uuid, "
    "framework_version_id, message, state, created_at, updated_at) VALUES "
    "(1, 1, 2, 1, 'c1', 1, '', 'pending', '2026-03-02 10:00:00', '2026-03-02 10:00:00'), "
    "(2, 1, 2, 1, 'c2', 1, '', 'pending', '2026-03-02 11:00:00', '2026-03-02 11:00:00'), "
    "(3, 1, 2, 1, 'c3', 1, '', 'pending', '2026-03-04 10:00:00', '2026-03-04 10:00:00'), "
    # Made on 5 March: not waiting a week yet when the old planner last ran.
    "(4, 1, 2, 1, 'c4', 1, '', 'pending', '2026-03-05 10:00:00', '2026-03-05 10:00:00')",
    "INSERT INTO notification (id, user_id, kind, title, dedupe_key, created_at) VALUES "
    f"(7, 2, 'signoff_waiting', 'Pat is waiting', 'reminder:signoff_waiting:1:2026-03-09:waiting-7:2', {NOW})",
    # What the old planner recorded: one row per (item, due date, stage, person).
    "INSERT INTO planned_reminder (kind, item_id, due_on, stage, user_id, planned_on, state, created_at, "
    "notification_id) VALUES "
    f"('signoff_waiting', 1, '2026-03-09', 'waiting-7', 2, '2026-03-09', 'delivered', {NOW}, 7), "
    f"('signoff_waiting', 2, '2026-03-09', 'waiting-7', 2, '2026-03-09', 'planned', {NOW}, NULL), "
    f"('signoff_waiting', 3, '2026-03-11', 'waiting-7', 2, '2026-03-11', 'planned', {NOW}, NULL), "
    f"('milestone', 40, '2026-03-20', 'due-14', 1, '2026-03-09', 'planned', {NOW}, NULL), "
    f"('milestone', 40, '2026-03-20', 'due-14', 3, '2026-03-09', 'planned', {NOW}, NULL)",
]
OLD_ROWS = ("SELECT kind, item_id, due_on, stage, user_id, state, notification_id FROM planned_reminder "
            "ORDER BY kind, item_id, user_id")


def rows(app, sql: str) -> list[tuple]:
    with app.app_context(), db.engine.connect() as connection:
        return [tuple(str(value) if isinstance(value, date) else value for value in row)
                for row in connection.execute(sa.text(sql))]


def check(url: str, tmp_path) -> None:
    app = migrated_app(url, tmp_path)
    try:
        run_flask(app, "db", "upgrade", BEFORE)
        with app.app_context(), db.engine.begin() as connection:
            for statement in ROWS:
                connection.execute(sa.text(statement))
        before = rows(app, OLD_ROWS)

        run_flask(app, "db", "upgrade", AFTER)

        assert rows(app, "SELECT kind, stage, due_on, item_id FROM planned_reminder_key ORDER BY kind, due_on") == [
            ("milestone", "due-14", "2026-03-20", 40),
            # The days planned of a kind planned by day are one unbroken range, the 10th included.
            ("signoff_waiting", "waiting-7", "2026-03-09", 0), ("signoff_waiting", "waiting-7", "2026-03-10", 0),
            ("signoff_waiting", "waiting-7", "2026-03-11", 0)]
        with app.app_context():
            from competency.reminders import planning, queries
            from competency.reminders.models import PlannedReminder, PlannedState

            reminders = list(db.session.scalars(sa.select(PlannedReminder).order_by(PlannedReminder.id)))
            assert [(r.kind.value, r.user_id, r.item_count, r.state, r.notification_id) for r in reminders] == [
                ("signoff_waiting", 2, 1, PlannedState.delivered, 7),
                ("signoff_waiting", 2, 1, PlannedState.planned, None),
                ("signoff_waiting", 2, 1, PlannedState.planned, None), ("milestone", 1, 1, PlannedState.planned, None),
                ("milestone", 3, 1, PlannedState.planned, None)]
            assert [(item.item_id, item.due_on, item.user_id) for item in queries.planned_items()] == [
                (1, date(2026, 3, 9), 2), (2, date(2026, 3, 9), 2), (3, date(2026, 3, 11), 2),
                (40, date(2026, 3, 20), 1), (40, date(2026, 3, 20), 3)]
            now = datetime(2026, 3, 12, 7, tzinfo=timezone.utc)
            for day in (date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 11)):
                assert planning.plan(day, now=now).total == 0, f"planned again on {day}"
            assert planning.plan(date(2026, 3, 12), now=now).counts == {("signoff_waiting", "waiting-7"): 1}
            (new,) = db.session.scalars(sa.select(PlannedReminder).where(PlannedReminder.id > reminders[-1].id))
            assert new.items == [[0, "2026-03-12", "waiting-7"]]  # the day, read when delivered
            db.session.commit()
            db.session.remove()

        run_flask(app, "db", "downgrade", BEFORE)

        # Back to one row per (item, person); the day planned after the upgrade as its request.
        assert rows(app, OLD_ROWS) == sorted(
            before + [("signoff_waiting", 4, "2026-03-12", "waiting-7", 2, "planned", None)],
            key=lambda row: (row[0], row[1], row[4]))
        run_flask(app, "db", "downgrade", "base")
    finally:
        with app.app_context():
            db.engine.dispose()


def test_on_sqlite(tmp_path, keep_logging):  # noqa: F811
    check(f"sqlite:///{tmp_path / 'old.sqlite'}", tmp_path)


def test_on_postgresql(postgres_url, tmp_path, keep_logging):  # noqa: F811
    check(postgres_url, tmp_path)
