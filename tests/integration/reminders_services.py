"""Real services for the reminder tests: a Redis we can stop and start, a Celery worker process, an app.

The worker is a separate process (``celery -A worker.celery_app worker -B``) started with
the environment an operator would give it, pointing at a SQLite file database, the
Redis broker and the loopback SMTP server. Everything is stopped by the fixtures.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from competency import create_app
from competency.extensions import db as _db
from config import TestingConfig
from tests.fixtures.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def release_database() -> None:
    """End the test's own transaction, if any: on SQLite every transaction holds the write lock
    (``BEGIN IMMEDIATE``), so a test that waits with one open would keep the worker waiting too."""
    from flask import has_app_context

    if has_app_context():
        _db.session.commit()


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        release_database()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class RedisProcess:
    """A Redis server on a fixed loopback port that a test can stop and start again."""

    def __init__(self, directory: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: run `make test`, which installs it")
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisProcess:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._accepts, 10, "Redis to accept connections")
        return self

    def _accepts(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    client.flushdb()
    client.close()


class Worker:
    """``celery -A worker.celery_app worker -B`` in its own process group, so SIGKILL takes all of it."""

    def __init__(self, directory: Path, env: dict):
        self.directory = directory
        self.env = env
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> Worker:
        self.starts += 1
        log = open(self.directory / f"worker-{self.starts}.log", "wb")
        self.process = subprocess.Popen(
            [CELERY, "-A", "worker.celery_app", "worker", "-B", "--pool", "solo", "--loglevel", "info",
             "--schedule", str(self.directory / "beat-schedule"), "--without-gossip", "--without-mingle",
             "--without-heartbeat", "-n", f"reminders-test-{self.starts}@%h"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        return self

    def kill(self) -> None:
        """What a power cut does: no clean shutdown, no chance to mark anything."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None

    def log(self) -> str:
        return "\n".join(path.read_text(errors="replace")[-4000:]
                         for path in sorted(self.directory.glob("worker-*.log")))


def worker_env(directory: Path, database_url: str, broker_url: str, smtp_port: int, base_url: str,
               claim_timeout: int = 3) -> dict:
    """The environment an operator gives the worker, pointing it at this test's services."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DATABASE_", "REDIS_", "CELERY_", "SMTP_", "TEST_"))}
    env.update({
        "COMPETENCY_CONFIG": "development",
        "COMPETENCY_INSTANCE_DIR": str(directory / "instance"),
        "DATABASE_URL": database_url,
        "REDIS_URL": broker_url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "BASE_URL": base_url,
        "REMINDER_SEND_INTERVAL_SECONDS": "1",
        "OUTBOX_CLAIM_TIMEOUT_SECONDS": str(claim_timeout),
        "C_FORCE_ROOT": "1",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def services_app(directory: Path, broker_url: str, smtp_port: int):
    """The web side of the same installation: same database file, same broker, real enqueueing."""
    database = directory / "reminders.sqlite"

    class ServicesConfig(TestingConfig):
        INSTANCE_DIR = directory / "instance"
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"
        SQLALCHEMY_ENGINE_OPTIONS = {"connect_args": {"timeout": 15}}
        MAIL_FILE_DIR = directory / "mail"
        UPLOAD_STORAGE = directory / "uploads"
        SIGNING_KEY_DIR = directory / "keys"
        CELERY_TASK_ALWAYS_EAGER = False
        CELERY_BROKER_URL = broker_url
        CELERY_RESULT_BACKEND = broker_url
        SMTP_HOST = "127.0.0.1"
        SMTP_PORT = smtp_port
        BASE_URL = "http://127.0.0.1:5999"

    (directory / "instance").mkdir(exist_ok=True)
    app = create_app(ServicesConfig)
    with app.app_context():
        _db.create_all()
        # WAL: other readers (an operator's sqlite3) never block the worker's writes.
        raw = _db.engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA journal_mode=WAL")
        finally:
            raw.close()
    return app, f"sqlite:///{database}"
