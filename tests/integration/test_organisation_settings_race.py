"""Two administrators save an organisation's settings at the same instant, from forms showing the same settings:
the first is saved, the second is told someone else changed them (409), and nothing is lost unawares.

Each side runs as a request would: its own thread, app context, session and connection. On PostgreSQL
the save locks the organisation row and reads it afresh, so the second waits for the first to commit
and then sees its words; without the lock it would read the old words, match its fingerprint and
overwrite the first save. On SQLite every transaction begins IMMEDIATE, which serialises the two.
"""
from __future__ import annotations

import re
import threading
import time

import pytest
import sqlalchemy as sa

from competency.extensions import db
from tests.conftest import backend_name, csrf_token_from
from tests.integration.fault_support import FreshDatabase, app_on, dispose, wait_until, waiting_on_a_lock


@pytest.fixture(params=["sqlite", "postgresql"])
def race_app(request, tmp_path):
    if (request.param == "postgresql") != (backend_name() == "postgresql"):
        pytest.skip(f"runs in the {request.param} pass")
    database = FreshDatabase() if request.param == "postgresql" else None
    app = app_on(database.url if database else f"sqlite:///{tmp_path / 'race.sqlite'}", tmp_path)
    app.config["BACKEND"] = request.param
    yield app
    dispose(app)
    if database:
        database.drop()


def _seed(app) -> dict:
    from tests.factories import OrganisationFactory, make_person

    with app.app_context():
        trust = OrganisationFactory(name="Wessex Valley trust", settings={"people_served": "patient"})
        first, second = make_person("admin", trust), make_person("admin", trust)
        db.session.commit()
        ids = {"trust": trust.id, "first": first.id, "second": second.id, "second_email": second.email}
        db.session.remove()
        return ids


def _open_form(app, ids) -> tuple:
    """The second administrator signs in and opens the settings form (before the race)."""
    from tests.factories import PASSWORD

    client = app.test_client()
    page = client.get("/login")
    assert client.post("/login", data={"csrf_token": csrf_token_from(page.get_data(as_text=True)),
                                       "email": ids["second_email"], "password": PASSWORD}).status_code == 302
    html = client.get(f"/admin/organisations/{ids['trust']}/settings").get_data(as_text=True)
    based_on = re.search(r'name="based_on" type="hidden" value="([0-9a-f]+)"', html).group(1)
    return client, {"csrf_token": csrf_token_from(html), "based_on": based_on}


def _waiting(app) -> bool:
    if app.config["BACKEND"] != "postgresql":
        time.sleep(0.5)  # SQLite: the second request is now at its first statement, waiting for the write lock
        return True
    return waiting_on_a_lock(app)


def test_the_second_of_two_saves_at_once_is_refused_and_the_first_stands(race_app):
    from competency.accounts.models import Organisation, User
    from competency.accounts.organisation_settings import save_local_words
    from competency.audit.models import AuditEvent

    ids = _seed(race_app)
    client, form = _open_form(race_app, ids)
    saved, hold = threading.Event(), threading.Event()
    outcome: dict = {}

    def first():
        with race_app.app_context():
            save_local_words(db.session.get(Organisation, ids["trust"]), people_served="client",
                             people_served_plural=None, role_titles=["Care Assistant"], grades=[],
                             based_on=form["based_on"], by=db.session.get(User, ids["first"]))
            saved.set()
            hold.wait(timeout=20)
            db.session.commit()
            db.session.remove()

    def second():
        response = client.post(f"/admin/organisations/{ids['trust']}/settings", data={
            **form, "people_served": "service user", "role_titles": "Physiotherapist", "grades": "Band 5"})
        outcome.update(status=response.status_code, html=response.get_data(as_text=True))

    one = threading.Thread(target=first)
    one.start()
    assert saved.wait(timeout=20)
    two = threading.Thread(target=second)
    two.start()
    wait_until(lambda: _waiting(race_app), 10, "the second save to wait for the first")
    assert not outcome, "the second save did not wait for the first"
    hold.set()
    one.join(timeout=60)
    two.join(timeout=60)

    assert outcome["status"] == 409, outcome["html"][:500]
    assert "Someone else changed these settings" in outcome["html"]
    assert "Physiotherapist" in outcome["html"]  # what the second administrator typed is still in the form
    with race_app.app_context():
        settings = db.session.get(Organisation, ids["trust"]).settings
        events = db.session.scalars(sa.select(AuditEvent).filter_by(action="organisation.settings_changed")).all()
        assert settings == {"people_served": "client", "role_titles": ["Care Assistant"]}
        assert [event.actor_id for event in events] == [ids["first"]]
        db.session.remove()
