"""A process forked after the app connected (gunicorn --preload, Celery prefork) gets connections of its own.

Sharing the parent's pooled connection would put two processes on one socket: their queries
interleave and one reads the other's answers. The child here runs queries on the inherited
engine while the parent keeps using its own connection; both must see their own results.
"""
from __future__ import annotations

import os

import sqlalchemy as sa

from competency.extensions import db
from tests.conftest import backend_name
from tests.integration.fault_support import FreshDatabase, app_on, dispose


def test_a_forked_child_never_uses_the_parents_connection(tmp_path):
    database = FreshDatabase() if backend_name() == "postgresql" else None
    app = app_on(database.url if database else f"sqlite:///{tmp_path / 'fork.sqlite'}", tmp_path)
    try:
        with app.app_context():
            parent_backend = db.session.scalar(sa.text(
                "SELECT pg_backend_pid()" if database else "SELECT 1"))
            db.session.commit()  # the connection goes back to the pool, ready to be inherited
            pid = os.fork()
            if pid == 0:  # the child: report through the exit status only
                status = 1
                try:
                    with app.app_context():
                        child_backend = db.session.scalar(sa.text(
                            "SELECT pg_backend_pid()" if database else "SELECT 1"))
                        ok = all(db.session.scalar(sa.text(f"SELECT {n}")) == n for n in range(50))
                        status = 0 if ok and (not database or child_backend != parent_backend) else 2
                finally:
                    os._exit(status)
            for n in range(50):
                assert db.session.scalar(sa.text(f"SELECT {n}")) == n
            db.session.commit()  # (SQLite: every transaction holds the write lock the child also needs)
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0, "the child shared the parent's connection"
            if database:
                assert db.session.scalar(sa.text("SELECT pg_backend_pid()")) == parent_backend
    finally:
        dispose(app)
        if database:
            database.drop()
