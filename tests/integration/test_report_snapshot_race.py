"""Two analysts open the system view at the same instant when no snapshot exists yet.

Each request runs in its own thread with its own session and connection. On PostgreSQL both
find nothing stored, both build every section (a barrier holds them until both have looked),
and both write: the unique key and ``ON CONFLICT DO UPDATE`` leave one row per section and
neither request fails. On SQLite every transaction begins IMMEDIATE, so the second request
waits for the first to commit and then reads its snapshot.
"""
from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from competency.extensions import db
from tests.conftest import backend_name
from tests.integration.fault_support import FreshDatabase, app_on, dispose, signed_in_client

SECTIONS = re.compile(r'<section class="app-report-section".*?</section>', re.S)


@pytest.fixture(params=["sqlite", "postgresql"])
def race_app(request, tmp_path):
    if (request.param == "postgresql") != (backend_name() == "postgresql"):
        pytest.skip(f"runs in the {request.param} pass")
    database = FreshDatabase() if request.param == "postgresql" else None
    app = app_on(database.url if database else f"sqlite:///{tmp_path / 'race.sqlite'}", tmp_path,
                 REPORT_SNAPSHOT_MAX_AGE_SECONDS=600.0)
    app.config["BACKEND"] = request.param
    yield app
    dispose(app)
    if database:
        database.drop()



def test_two_first_viewers_at_once_both_get_the_page_and_one_snapshot_per_section(race_app, monkeypatch):
    from competency.platform.models import PlatformRole
    from competency.platform.services import grant_role
    from competency.reporting import system
    from competency.reporting.models import ReportSnapshot
    from tests.factories import make_person
    from tests.reports_support import region

    with race_app.app_context():
        world = region(10, organisations=3)
        second = make_person("practitioner", world.orgs[1])
        grant_role(second, PlatformRole.analyst, by=None, region=world.orgs[0].region)
        db.session.commit()
        emails = [world.analyst.email, second.email]
        db.session.remove()
    clients = [signed_in_client(race_app, email) for email in emails]

    # Both requests must have looked for a snapshot before either writes one (PostgreSQL); on
    # SQLite the second cannot look until the first commits, so the barrier times out there.
    both_looked = threading.Barrier(2, timeout=2 if race_app.config["BACKEND"] == "sqlite" else 30)
    first_key = next(iter(system.SECTIONS))
    original = system.SECTIONS[first_key]

    def held(scope):
        try:
            both_looked.wait()
        except threading.BrokenBarrierError:
            pass
        return original(scope)

    monkeypatch.setitem(system.SECTIONS, first_key, held)
    pages: dict[int, tuple[int, str]] = {}

    def view(index: int):
        response = clients[index].get("/reports/system")
        pages[index] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=view, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [pages[i][0] for i in range(2)] == [200, 200]
    assert SECTIONS.findall(pages[0][1]) == SECTIONS.findall(pages[1][1])
    assert "People by level of practice" in pages[0][1]
    with race_app.app_context():
        rows = dict(db.session.execute(sa.select(ReportSnapshot.section, sa.func.count())
                                       .group_by(ReportSnapshot.section)).all())
        db.session.remove()
    assert rows == {key: 1 for key in system.SECTIONS}
