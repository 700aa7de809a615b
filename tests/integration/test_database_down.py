"""PostgreSQL stopped under a running app: the service's own 503 page and problem+json, then back to normal.

The database is a private cluster that the test crashes (``pg_ctl -m immediate``) while a
person is signed in, so every pooled connection dies the way it would in production.
"""
from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token_from
from tests.integration.fault_support import PrivatePostgres, app_on, dispose

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def crashable(tmp_path):
    server = PrivatePostgres().init()
    app = app_on(server.url, tmp_path / "app")
    yield server, app
    dispose(app)
    server.remove()


def _seed(app):
    from competency.accounts.services import create_api_token
    from competency.extensions import db
    from tests.factories import make_person

    with app.app_context():
        user = make_person("practitioner", email="ada@example.org")
        _, secret = create_api_token(user, "load test")
        db.session.commit()
        return secret


def _sign_in(client, email="ada@example.org"):
    from tests.factories import PASSWORD

    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf_token_from(page.get_data(as_text=True)),
                                           "email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def test_signed_in_pages_and_the_api_answer_503_while_the_database_is_down_and_recover(crashable):
    server, app = crashable
    secret = _seed(app)
    client = app.test_client()
    _sign_in(client)
    assert client.get("/").status_code == 200
    login_page = app.test_client().get("/login").get_data(as_text=True)

    server.crash()
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "30"
    assert "Sorry, the service is unavailable" in html
    assert "cannot reach its database" in html
    assert "Internal Server Error" not in html
    assert 'class="nhsuk-header' in html or "nhsuk-frontend.min.css" in html  # the service's own page

    api = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 503
    assert api.headers["Content-Type"] == "application/problem+json"
    assert api.headers["Retry-After"] == "30"
    assert api.get_json()["status"] == 503

    stranger = app.test_client()
    attempt = stranger.post("/login", data={"csrf_token": csrf_token_from(login_page), "email": "ada@example.org",
                                            "password": "whatever"})
    assert attempt.status_code in (400, 503)  # 400: the CSRF token belongs to another session
    fresh = stranger.get("/login")
    sign_in = stranger.post("/login", data={"csrf_token": csrf_token_from(fresh.get_data(as_text=True)),
                                            "email": "ada@example.org", "password": "whatever"})
    assert sign_in.status_code == 503
    assert re.search(r"Sorry, the service is unavailable", sign_in.get_data(as_text=True))

    server.start()
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
