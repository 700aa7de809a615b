"""The security baseline: CSRF, headers, cookies, production settings and the health check."""
from __future__ import annotations

import pytest

from competency import create_app
from config import ProductionConfig, TestingConfig
from tests.factories import PASSWORD, make_person
from tests.fixtures.servers import free_port


def production_config(tmp_path, **overrides) -> type:
    attrs = {
        "SECRET_KEY": "a-production-secret-for-this-test-only",
        "IDENTITY_SALT": "a-production-salt",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.sqlite'}",
        "INSTANCE_DIR": tmp_path,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PASSWORD_HASH_FAST": True,  # hashing costs are process-wide; keep the rest of the suite fast
        **overrides,
    }
    return type("Production", (ProductionConfig,), attrs)


class TestCsrf:
    @pytest.mark.parametrize("url", ["/login", "/forgot-password"])
    def test_an_anonymous_post_without_a_token_is_rejected(self, client, db, url):
        person = make_person("practitioner")

        response = client.post(url, data={"email": person.email, "password": PASSWORD})

        assert response.status_code == 400
        assert "missing its security token" in response.get_data(as_text=True)
        assert client.get("/profile").status_code == 302  # not signed in

    def test_a_signed_in_post_without_a_token_changes_nothing(self, client, db, login):
        person = login(make_person("practitioner", display_name="Unchanged"))

        missing = client.post("/profile", data={"display_name": "Changed"})
        forged = client.post("/profile", data={"display_name": "Changed", "csrf_token": "forged"})

        assert (missing.status_code, forged.status_code) == (400, 400)
        db.session.refresh(person)
        assert person.display_name == "Unchanged"

    def test_every_form_page_carries_a_token(self, client, db):
        for url in ("/login", "/forgot-password"):
            assert 'name="csrf_token"' in client.get(url).get_data(as_text=True), url


class TestHeaders:
    def test_pages_send_a_strict_content_security_policy_and_friends(self, client, db):
        response = client.get("/login")

        csp = response.headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert directives["script-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response.headers["X-Frame-Options"] == "DENY"

    def test_no_page_has_inline_script_or_style(self, client, db, login):
        login(make_person("admin"))
        for url in ("/", "/profile", "/notifications", "/login"):
            html = client.get(url, follow_redirects=True).get_data(as_text=True)
            assert "<script>" not in html and "<style" not in html and " style=" not in html, url
            assert " onclick=" not in html, url

    def test_hsts_only_over_https(self, client, db):
        plain = client.get("/login")
        secure = client.get("/login", base_url="https://localhost")

        assert "Strict-Transport-Security" not in plain.headers
        assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")

    def test_api_and_health_answers_carry_the_headers_too(self, client, db):
        for url in ("/healthz", "/api/v1/openapi.json", "/api/v1/me"):
            headers = client.get(url).headers
            assert headers["X-Content-Type-Options"] == "nosniff", url
            assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], url


def session_cookie_header(response) -> str:
    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert cookies, "no session cookie was set"
    return cookies[0]


class TestCookies:
    def test_the_session_cookie_is_httponly_and_samesite_lax(self, client, db):
        person = make_person("practitioner")
        page = client.get("/login")
        from tests.conftest import csrf_token_from

        response = client.post("/login", data={"csrf_token": csrf_token_from(page.get_data(as_text=True)),
                                               "email": person.email, "password": PASSWORD})

        cookie = session_cookie_header(response)
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # the embedded default runs on plain http://127.0.0.1

    def test_production_marks_the_session_cookie_secure(self, tmp_path):
        app = create_app(production_config(tmp_path))

        response = app.test_client().get("/login", base_url="https://competency.example")

        cookie = session_cookie_header(response)
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert response.headers["Strict-Transport-Security"]


class TestProductionSettings:
    def test_production_refuses_to_start_without_a_secret_key(self, tmp_path):
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            create_app(production_config(tmp_path, SECRET_KEY=None))
        assert not (tmp_path / "secret_key").exists()  # and does not invent one

    def test_production_refuses_demo_data(self, tmp_path):
        app = create_app(production_config(tmp_path))

        result = app.test_cli_runner().invoke(args=["demo", "seed"])

        assert result.exit_code != 0
        assert "Refusing to seed demo data under the production configuration" in result.output


class TestHealth:
    def test_healthz_reports_the_database(self, client, db):
        response = client.get("/healthz")

        assert response.status_code == 200
        assert response.json == {"status": "ok", "database": "ok"}

    @pytest.mark.parametrize("uri", [
        "sqlite:////nonexistent-directory/for/competency.sqlite",
        "postgresql+psycopg://nobody@127.0.0.1:{port}/nothing?connect_timeout=2",
    ], ids=["sqlite-unreadable-path", "postgresql-closed-port"])
    def test_healthz_answers_503_when_the_database_is_unreachable(self, tmp_path, uri):
        config = type("Unreachable", (TestingConfig,), {
            "SQLALCHEMY_DATABASE_URI": uri.format(port=free_port()), "INSTANCE_DIR": tmp_path,
        })
        app = create_app(config)

        response = app.test_client().get("/healthz")

        assert response.status_code == 503
        assert response.json == {"status": "degraded", "database": "unreachable"}
        with app.app_context():
            from competency.extensions import db

            db.engine.dispose()
