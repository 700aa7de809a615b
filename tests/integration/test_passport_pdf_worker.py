"""Passport PDFs end to end: a real Redis, a real Celery worker (with beat) in another process, one SQLite file.

A change queues the render after commit and the worker stores the PDF, which the download then serves
without rendering. With Redis down a revocation still commits at once, the download still shows it,
and a change made meanwhile is rendered by the worker's sweep once Redis is back.
"""
from __future__ import annotations

import subprocess
import time

import pytest
import sqlalchemy as sa

from competency.extensions import db as _db
from competency.passport import pdf_store
from competency.passport.models import PassportCredential, PassportPdf
from tests.conftest import backend_name, csrf_token_from
from tests.fixtures.servers import free_port
from tests.integration.reminders_services import RedisProcess, Worker, services_app, wait_for, worker_env

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(backend_name() == "postgresql",
                       reason="uses its own SQLite file database; runs once, in the SQLite round"),
]


@pytest.fixture
def site(tmp_path):
    redis = RedisProcess(tmp_path).start()
    smtp_port = free_port()  # nothing is mailed here
    app, database_url = services_app(tmp_path, redis.url, smtp_port)
    context = app.app_context()
    context.push()
    env = worker_env(tmp_path, database_url, redis.url, smtp_port, app.config["BASE_URL"])
    env["PASSPORT_PDF_SWEEP_SECONDS"] = "1"
    worker = Worker(tmp_path, env)
    yield app, redis, worker
    worker.stop()
    redis.stop()
    _db.session.remove()
    _db.engine.dispose()
    context.pop()


def _row(holder_id: int):
    _db.session.commit()  # a fresh read of what the worker committed, and no write lock kept
    row = _db.session.get(PassportPdf, holder_id)
    _db.session.expire_all()
    return row


def _current(holder_id: int) -> bool:
    row = _row(holder_id)
    return row is not None and row.pdf is not None and row.rendered_change_count == row.change_count \
        and row.render_started_at is None


def _text(tmp_path, data: bytes) -> str:
    path = tmp_path / "passport.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _signed_in(app, email: str):
    from tests.factories import PASSWORD

    _db.session.commit()
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD}).status_code == 302
    return client


def _download(client) -> bytes:
    _db.session.commit()  # hold no transaction (the SQLite write lock) while the app serves the request
    response = client.get("/passport/passport.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data


def test_the_worker_renders_ahead_and_with_redis_down_nothing_is_lost_or_stale(site, tmp_path, monkeypatch):
    from competency.passport import issuing
    from competency.signoff import services
    from tests.evidence_support import signoff_world
    from tests.passport_support import signed_off

    app, redis, worker = site
    world = signoff_world()
    first, second = signed_off(world), signed_off(world, world.support_cap)
    _db.session.commit()
    holder_id = world.practitioner.id
    client = _signed_in(app, world.practitioner.email)
    worker.start()

    issuing.ensure_issued(world.practitioner)
    _db.session.commit()  # queues the render
    wait_for(lambda: _current(holder_id), 90, f"the worker to store the PDF\n{worker.log()}")

    real_write = pdf_store.write_pdf
    monkeypatch.setattr(pdf_store, "write_pdf", lambda html, bundle: pytest.fail("the download rendered"))
    assert _download(client) == _row(holder_id).pdf
    monkeypatch.setattr(pdf_store, "write_pdf", real_write)

    redis.stop()
    started = time.monotonic()
    services.revoke(_db.session.merge(first), _db.session.merge(world.preceptor), "Signed off by mistake.")
    _db.session.commit()
    assert time.monotonic() - started < 3, "the commit waited on a broker that is down"
    assert "Revoked by the issuer" in _text(tmp_path, _download(client))

    credential = _db.session.scalar(sa.select(PassportCredential).where(PassportCredential.signoff_id == second.id))
    issuing.set_suspended(credential, True)
    _db.session.commit()
    assert not _current(holder_id), "the suspension owes a render"

    redis.start()
    wait_for(lambda: _current(holder_id), 90, f"the sweep to render the PDF after Redis returned\n{worker.log()}")
    stored = _row(holder_id).pdf
    assert "Suspended by the issuer" in _text(tmp_path, stored) and "Revoked by the issuer" in _text(tmp_path, stored)
    monkeypatch.setattr(pdf_store, "write_pdf", lambda html, bundle: pytest.fail("the download rendered"))
    assert _download(client) == stored
