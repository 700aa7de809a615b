"""Two planners at once (two workers, or beat firing twice): every reminder is planned by exactly one.

PostgreSQL: the first planner has recorded its keys but not committed when the second
stages the same rows; the second's INSERT of those keys waits on the first's, fails with a
unique violation once the first commits, goes back to its savepoint and stages again, now
seeing the keys: it plans nothing. SQLite (the embedded default, threads on one file): every
transaction begins IMMEDIATE, so the second waits for the first to commit and then finds
nothing new. Each planner runs as the task would, in its own thread, app context, session
and connection.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date, timedelta

import pytest

from competency.extensions import db
from tests.conftest import backend_name
from tests.integration.fault_support import app_on, dispose, wait_until, waiting_on_a_lock
from tests.integration.test_signoff_concurrency import pg_app  # noqa: F401  (the fixture)

DAY = date(2027, 1, 15)  # the preceptorship's learning agreement is due in 3 days; the requests wait


def seed(app) -> Counter:
    """A preceptorship and sign-off requests a week and three weeks old; what one planner plans on DAY."""
    from competency.reminders import planning
    from tests.factories import make_person
    from tests.programmes_support import START, enrol_on, make_team, shipped_templates
    from tests.unit.reminders_helpers import at, signoff_request

    assert DAY == START + timedelta(days=11)
    with app.app_context():
        team = make_team(shipped_templates())
        enrol_on(team)
        assessor = make_person("preceptor", team.org)
        make_person("lead", team.org)
        for made in (at(2026, 12, 20), at(2026, 12, 20), at(2027, 1, 2), at(2027, 1, 8)):
            signoff_request(team.practitioner, assessor, team.org, made_at=made)
        db.session.commit()
        expected = planning.plan(DAY, dry_run=True, now=at(2027, 1, 15)).counts
        db.session.rollback()
        db.session.remove()
    assert expected[("signoff_waiting", "waiting-7")] and expected[("escalation", "waiting-21")]
    assert expected[("milestone", "due-3")] == 2
    return expected


def plan_in_thread(app, name: str, results: dict, *, planned=None, hold=None) -> None:
    from competency.reminders import planning
    from tests.unit.reminders_helpers import at

    with app.app_context():
        try:
            result = planning.plan(DAY, now=at(2027, 1, 15))
            if planned is not None:
                planned.set()
            if hold is not None:
                hold.wait(timeout=20)
            db.session.commit()
            results[name] = (result, time.monotonic())
        except Exception as error:  # noqa: BLE001  (reported by the test)
            db.session.rollback()
            results[name] = (error, time.monotonic())
        finally:
            db.session.remove()


def each_planned_once(app, expected: Counter) -> None:
    from competency.reminders import queries

    with app.app_context():
        told = Counter((item.kind.value, item.item_id, item.due_on, item.stage, item.user_id)
                       for item in queries.planned_items())
        db.session.remove()
    assert set(told.values()) == {1}, "an (item, person) reminder was planned twice"
    assert Counter((kind, stage) for kind, _item, _due, stage, _user in told) == expected


def race(app, second_is_waiting) -> dict:
    results: dict = {}
    planned, hold = threading.Event(), threading.Event()
    first = threading.Thread(target=plan_in_thread, args=(app, "first", results),
                             kwargs={"planned": planned, "hold": hold})
    second = threading.Thread(target=plan_in_thread, args=(app, "second", results))
    first.start()
    assert planned.wait(timeout=20), results
    second.start()
    second_is_waiting()
    hold.set()
    first.join(timeout=30)
    second.join(timeout=30)
    return results


@pytest.mark.postgres_only
def test_on_postgresql_the_second_planner_waits_then_plans_nothing(pg_app):  # noqa: F811
    expected = seed(pg_app)

    results = race(pg_app, lambda: wait_until(lambda: waiting_on_a_lock(pg_app), 10,
                                              "the second planner to wait on the first's keys"))

    (first, first_at), (second, second_at) = results["first"], results["second"]
    assert not isinstance(first, Exception) and not isinstance(second, Exception), results
    assert first.counts == expected and second.total == 0 and second.reminders == 0
    assert second_at >= first_at
    each_planned_once(pg_app, expected)


@pytest.mark.skipif(backend_name() == "postgresql", reason="embedded default: runs in the SQLite pass")
def test_on_sqlite_the_second_planner_waits_then_plans_nothing(tmp_path):
    app = app_on(f"sqlite:///{tmp_path / 'planning.sqlite'}", tmp_path)
    try:
        expected = seed(app)

        results = race(app, lambda: time.sleep(0.5))  # the second is held at BEGIN IMMEDIATE meanwhile

        (first, first_at), (second, second_at) = results["first"], results["second"]
        assert not isinstance(first, Exception) and not isinstance(second, Exception), results
        assert first.counts == expected and second.total == 0 and second.reminders == 0
        assert second_at >= first_at
        each_planned_once(app, expected)
    finally:
        dispose(app)


@pytest.mark.postgres_only
def test_on_postgresql_two_planners_started_together_plan_each_reminder_once(pg_app):  # noqa: F811
    expected = seed(pg_app)
    results: dict = {}
    threads = [threading.Thread(target=plan_in_thread, args=(pg_app, name, results)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    outcomes = [result for result, _at in results.values()]
    assert not any(isinstance(result, Exception) for result in outcomes), results
    assert sum((result.counts for result in outcomes), Counter()) == expected
    each_planned_once(pg_app, expected)
