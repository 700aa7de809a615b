"""Shared fixtures: one app and schema per session, one rolled-back transaction per test.

Set TEST_DATABASE_URL to run the same tests on PostgreSQL.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from flask_sqlalchemy.session import _app_ctx_id

from competency import create_app
from competency.extensions import db as _db
from config import TestingConfig

pytest_plugins = ["tests.fixtures.browser", "tests.fixtures.servers"]

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def backend_name() -> str:
    return sa.engine.make_url(TestingConfig.SQLALCHEMY_DATABASE_URI).get_backend_name()


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set TEST_DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords and backend_name() != "postgresql":
            item.add_marker(skip_pg)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")

    class Config(TestingConfig):
        INSTANCE_DIR = instance
        MAIL_FILE_DIR = instance / "mail"
        UPLOAD_STORAGE = instance / "uploads"
        SIGNING_KEY_DIR = instance / "keys"

    app = create_app(Config)
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    """The database inside a transaction that is rolled back after the test.

    Code under test may commit: commits release a SAVEPOINT inside the outer transaction.
    """
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        # A plain Session: Flask-SQLAlchemy's own would pick the engine and bypass ``connection``.
        _db.session = sa.orm.scoped_session(
            sa.orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            if transaction.is_active:
                transaction.rollback()
            connection.close()


@pytest.fixture
def client(app, db):
    from flask.testing import FlaskClient

    from competency.extensions import limiter

    class CommittingClient(FlaskClient):
        """Commits what the test set up before each request, as a real request would find it.

        Without this, a view that rolls back (every error page does) would also undo the
        test's flushed objects, and a 404 could pass for the wrong reason.
        """

        def open(self, *args, **kwargs):
            _db.session.commit()
            return super().open(*args, **kwargs)

    limiter.reset()  # each test starts with no sign-in attempts counted
    return CommittingClient(app, app.response_class, use_cookies=True)


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Browser:
    """A test client that fills in real forms: fetches the page, then posts with its CSRF token."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def submit(self, form_url: str, data: dict, post_url: str | None = None, **kwargs):
        page = self.client.get(form_url)
        assert page.status_code == 200, f"{form_url} answered {page.status_code}"
        payload = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), **data}
        return self.client.post(post_url or form_url, data=payload, **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs):
        """POST with the CSRF token from the home page (for buttons whose form is on another page)."""
        token = csrf_token_from(self.client.get("/").get_data(as_text=True))
        return self.client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def login(client):
    """Sign ``user`` in through the real sign-in form."""
    from tests.factories import PASSWORD

    def _login(user, password: str = PASSWORD):
        with client.session_transaction() as session:
            session.clear()  # sign out whoever was signed in
        response = Browser(client).submit("/login", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return _login


@pytest.fixture
def login_as(db, login):
    """Create a person with ``role`` at a fresh organisation (or ``organisation``) and sign them in."""
    from tests.factories import make_person

    def _login_as(role: str, organisation=None, **person_kwargs):
        user = make_person(role, organisation=organisation, **person_kwargs)
        return login(user)

    return _login_as


@pytest.fixture
def count_queries(app):
    """Count SQL statements executed inside a ``with`` block."""
    from contextlib import contextmanager

    @contextmanager
    def _count():
        statements: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO", "BEGIN")):
                statements.append(statement)

        engine = _db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return _count


class Mailbox:
    """The e-mails the outbox delivered as files in MAIL_FILE_DIR (the embedded default's post)."""

    URL_RE = re.compile(r"https?://\S+")

    def __init__(self, directory):
        from pathlib import Path

        self.directory = Path(directory)

    def messages(self, to: str | None = None) -> list:
        """Delivered messages, oldest first, optionally only those addressed to ``to``."""
        import email
        import email.policy

        paths = sorted(self.directory.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) \
            if self.directory.exists() else []
        found = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in paths]
        return [m for m in found if to is None or m["To"].lower() == to.lower()]

    def last(self, to: str):
        messages = self.messages(to)
        assert messages, f"no e-mail was delivered to {to}"
        return messages[-1]

    @staticmethod
    def text(message) -> str:
        return message.get_body(("plain",)).get_content()

    def link(self, to: str, containing: str = "/") -> str:
        """The path of the first link containing ``containing`` in the last e-mail to ``to``."""
        from urllib.parse import urlsplit

        for url in self.URL_RE.findall(self.text(self.last(to))):
            if containing in url:
                return urlsplit(url).path
        raise AssertionError(f"no link containing {containing!r} in the last e-mail to {to}")


@pytest.fixture
def mailbox(app):
    """Read e-mails delivered during the test (address each test's mail to a fresh person)."""
    return Mailbox(app.config["MAIL_FILE_DIR"])
