"""The dashboards served from stored section snapshots: same page, bounded age, refreshed by the worker."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from competency.db import utcnow
from competency.reporting import dashboard, snapshots, system
from competency.reporting.models import ReportSnapshot
from tests.evidence_support import switch_user
from tests.factories import make_person
from tests.functional.test_reports import read_csv
from tests.reports_support import region

FRESHNESS = re.compile(r'<p class="nhsuk-body-s" data-testid="report-freshness">.*?</p>', re.S)


def people_in_post(client) -> str:
    rows = read_csv(client.get("/reports/organisation/workforce-professions.csv"))
    return rows[-1][-1]


def age_snapshots(db, by: timedelta, **changes) -> None:
    for snapshot in db.session.scalars(sa.select(ReportSnapshot)):
        snapshot.computed_at -= by
        for name, value in changes.items():
            setattr(snapshot, name, value(snapshot) if callable(value) else value)
    db.session.commit()


def stored_sections(db, view: str) -> list[str]:
    return sorted(db.session.scalars(sa.select(ReportSnapshot.section).where(ReportSnapshot.view == view)))


def test_every_section_is_stored_under_its_own_key(db):
    # The page's contents list links to #section-<key> whether the section came from a snapshot or not.
    from competency.preceptorship.queries import today
    from competency.reporting.queries import organisations

    world = region(6, organisations=2)
    scope = dashboard.Scope(organisations([o.id for o in world.orgs]), today(), utcnow())
    for view, builders in snapshots.views().items():
        for key, builder in builders.items():
            assert builder(scope).key == key, f"{view} section {key}"


class TestOrganisationDashboard:
    def test_the_page_is_the_same_from_a_snapshot_as_built_live_and_says_when_it_was_worked_out(
            self, app, client, db, login, monkeypatch):
        world = region(8, organisations=1)
        login(world.lead)
        monkeypatch.setitem(app.config, "REPORT_SNAPSHOT_MAX_AGE_SECONDS", 0)
        live = client.get("/reports/organisation").get_data(as_text=True)
        assert "data-testid=\"report-freshness\"" not in live  # built live: nothing can be stale
        assert stored_sections(db, "organisation") == []
        monkeypatch.setitem(app.config, "REPORT_SNAPSHOT_MAX_AGE_SECONDS", 600)
        first = client.get("/reports/organisation").get_data(as_text=True)
        again = client.get("/reports/organisation").get_data(as_text=True)
        assert stored_sections(db, "organisation") == sorted(dashboard.SECTIONS)
        assert "Figures worked out" in again and "brought up to date every 5 minutes" in again
        assert FRESHNESS.sub("", again) == FRESHNESS.sub("", first) == live

    def test_a_change_shows_once_the_worker_refreshes_and_never_later_than_the_age_limit(
            self, app, client, db, login, monkeypatch):
        from worker.tasks import refresh_report_snapshots

        monkeypatch.setitem(app.config, "REPORT_SNAPSHOT_MAX_AGE_SECONDS", 600)
        world = region(8, organisations=1)
        login(world.lead)
        before = people_in_post(client)
        make_person("practitioner", world.orgs[0], level_code="registered")
        db.session.commit()
        assert people_in_post(client) == before  # the stored figures, as the page says
        # The worker rebuilds what was read and is older than its interval.
        age_snapshots(db, timedelta(seconds=app.config["REPORT_SNAPSHOT_REFRESH_SECONDS"] + 1))
        assert refresh_report_snapshots.run() >= 1
        assert int(people_in_post(client)) == int(before) + 1
        # No worker at all: past the age limit the next viewer gets the figures built afresh.
        make_person("practitioner", world.orgs[0], level_code="registered")
        db.session.commit()
        age_snapshots(db, timedelta(seconds=601))
        assert int(people_in_post(client)) == int(before) + 2
        page = client.get("/reports/organisation").get_data(as_text=True)
        worked_out = db.session.scalar(sa.select(sa.func.min(ReportSnapshot.computed_at)))
        assert utcnow() - worked_out < timedelta(seconds=60)
        assert "Figures worked out" in page

    def test_a_snapshot_never_shows_one_lead_another_organisations_figures(self, app, client, db, login,
                                                                           monkeypatch):
        monkeypatch.setitem(app.config, "REPORT_SNAPSHOT_MAX_AGE_SECONDS", 600)
        world = region(10, organisations=2)
        other_lead = make_person("lead", world.orgs[1])
        login(world.lead)
        mine = client.get("/reports/organisation").get_data(as_text=True)
        assert world.orgs[0].name in mine
        switch_user(client, other_lead)
        theirs = client.get("/reports/organisation").get_data(as_text=True)
        assert world.orgs[1].name in theirs and world.orgs[0].name not in theirs
        keys = db.session.scalars(sa.select(ReportSnapshot.scope_key).distinct()).all()
        assert len(keys) == 2

    def test_an_old_day_or_an_older_shape_is_rebuilt_never_shown(self, app, client, db, login, monkeypatch):
        monkeypatch.setitem(app.config, "REPORT_SNAPSHOT_MAX_AGE_SECONDS", 600)
        world = region(6, organisations=1)
        login(world.lead)
        client.get("/reports/organisation")
        age_snapshots(db, timedelta(0), as_of=lambda row: row.as_of - timedelta(days=1),
                      html="<p>yesterday's figures</p>")
        assert "yesterday's figures" not in client.get("/reports/organisation").get_data(as_text=True)
        age_snapshots(db, timedelta(0), shape=snapshots.SHAPE - 1, html="<p>old shape</p>")
        assert "old shape" not in client.get("/reports/organisation").get_data(as_text=True)

    def test_the_csv_holds_the_figures_the_page_shows(self, app, client, db, login, monkeypatch):
        monkeypatch.setitem(app.config, "REPORT_SNAPSHOT_MAX_AGE_SECONDS", 600)
        world = region(8, organisations=1)
        login(world.lead)
        html = client.get("/reports/organisation").get_data(as_text=True)
        make_person("practitioner", world.orgs[0], level_code="registered")
        db.session.commit()
        total = people_in_post(client)
        assert f"<strong>{total}</strong>" in html


class TestSystemView:
    def test_the_region_view_reads_one_snapshot_query_once_built(self, app, client, db, login, monkeypatch):
        monkeypatch.setitem(app.config, "REPORT_SNAPSHOT_MAX_AGE_SECONDS", 600)
        world = region(12, organisations=3)
        login(world.analyst)
        first = client.get("/reports/system")
        assert first.status_code == 200
        assert stored_sections(db, "system") == sorted(system.SECTIONS)
        statements: list[str] = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        engine = db.session.get_bind().engine
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            again = client.get("/reports/system")
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        assert again.status_code == 200
        assert FRESHNESS.sub("", again.get_data(as_text=True)) == FRESHNESS.sub("", first.get_data(as_text=True))
        counted = ("employment", "enrolment", "signoff", "confidence_checkin", "progression_record")
        aggregates = [s for s in statements if re.search(rf"\b(FROM|JOIN) ({'|'.join(counted)})\b", s)]
        assert aggregates == [], "a fresh system view aggregates nothing per request"

    def test_the_refresh_forgets_snapshots_nobody_reads(self, app, client, db, login, monkeypatch):
        from worker.tasks import refresh_report_snapshots

        monkeypatch.setitem(app.config, "REPORT_SNAPSHOT_MAX_AGE_SECONDS", 600)
        world = region(6, organisations=2)
        login(world.analyst)
        client.get("/reports/system")
        age_snapshots(db, timedelta(0), read_at=utcnow() - snapshots.KEEP_UNREAD - timedelta(minutes=1))
        refresh_report_snapshots.run()
        assert stored_sections(db, "system") == []


@pytest.mark.parametrize("view", ["organisation", "system"])
def test_two_first_viewers_at_once_store_one_snapshot_per_section(app, db, view):
    """Both build; the second write replaces the first (never a duplicate, never an error)."""
    from competency.preceptorship.queries import today
    from competency.reporting.queries import organisations

    world = region(6, organisations=2)
    scope = dashboard.Scope(organisations([o.id for o in world.orgs]), today(), utcnow())
    builders = snapshots.views()[view]
    for _ in range(2):
        snapshots.page(view, scope, builders, lambda section: f"<p>{section.title}</p>",
                       max_age=timedelta(minutes=10))
    rows = db.session.execute(sa.select(ReportSnapshot.section, sa.func.count()).where(ReportSnapshot.view == view)
                              .group_by(ReportSnapshot.section)).all()
    assert dict(rows) == {key: 1 for key in builders}
