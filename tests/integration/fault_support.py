"""Real servers that fault tests stop and start: a private PostgreSQL cluster, and apps on fresh databases.

The shared PostgreSQL of the test run (``TEST_PG_URL``) must keep running for every other
test, so a test that crashes the database gets a cluster of its own (``initdb`` takes
about a second) in its temporary directory.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from competency import create_app
from competency.extensions import db
from config import TestingConfig
from tests.fixtures.servers import free_port


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: [int(x) for x in p.parent.name.split(".")
                                                                           if x.isdigit()])
    if not found:
        raise RuntimeError("PostgreSQL server binaries are not installed: run `make test`, which installs them")
    return found[-1]


class PrivatePostgres:
    """A PostgreSQL server on a free loopback port, owned by one test, that it may crash and restart."""

    def __init__(self):
        self.bin = _pg_bin()
        # Not under pytest's tmp_path: the postgres user must be able to reach the directory.
        self.directory = Path(tempfile.mkdtemp(prefix="competency-pg-"))
        self.directory.chmod(0o755)
        self.data = self.directory / "pgdata"
        self.port = free_port()
        self.url = f"postgresql+psycopg://competency@127.0.0.1:{self.port}/competency"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=60)

    def init(self) -> PrivatePostgres:
        try:
            self.data.mkdir(parents=True)
            if os.geteuid() == 0:
                subprocess.run(["chown", "-R", "postgres:postgres", str(self.directory)], check=True)
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "competency", "--auth=trust", "-E",
                      "UTF8")
            self.start()
            self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "competency",
                      "competency")
        except BaseException:
            self.remove()
            raise
        return self

    def start(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.data / "server.log"), "-w",
                  "-o", f"-k {self.data} -c listen_addresses=127.0.0.1 -p {self.port} -c fsync=off "
                        "-c full_page_writes=off", "start")

    def crash(self) -> None:
        """Stop at once, as a crash would: connections are cut without a goodbye."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def remove(self) -> None:
        self.crash()
        shutil.rmtree(self.directory, ignore_errors=True)


def app_on(url: str, tmp_path: Path, **overrides):
    """An app (with its schema created) on the database at ``url``, files under ``tmp_path``."""

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 5}
        INSTANCE_DIR = tmp_path
        MAIL_FILE_DIR = tmp_path / "mail"
        UPLOAD_STORAGE = tmp_path / "uploads"
        SIGNING_KEY_DIR = tmp_path / "keys"

    for key, value in overrides.items():
        setattr(Config, key, value)
    app = create_app(Config)
    with app.app_context():
        db.create_all()
    return app


def dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class FreshDatabase:
    """A database of its own on the run's PostgreSQL (PG_URL_BASE), dropped afterwards."""

    def __init__(self) -> None:
        base = os.environ.get("PG_URL_BASE") or TestingConfig.SQLALCHEMY_DATABASE_URI.rsplit("/", 1)[0]
        self.name = f"competency_fault_{uuid.uuid4().hex[:10]}"
        self.url = f"{base}/{self.name}"
        self._admin = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with self._admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{self.name}"'))

    def drop(self) -> None:
        with self._admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._admin.dispose()


def waiting_on_a_lock(app) -> bool:
    """PostgreSQL: some session of ``app``'s database is waiting for a lock (the second of two writers)."""
    with app.app_context():
        waiting = db.session.scalar(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"))
        db.session.remove()
        return waiting > 0


def wait_until(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def signed_in_client(app, email: str):
    """A test client of ``app`` signed in as ``email`` through the real form (for requests on threads)."""
    from tests.conftest import csrf_token_from
    from tests.factories import PASSWORD

    client = app.test_client()
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf_token_from(page.get_data(as_text=True)),
                                           "email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client
