"""Two workers run the passport PDF task for the same holder at the same instant: one renders, one stored PDF.

Each runs in its own thread, app context, session and connection, on a database of its own: a SQLite
file in the SQLite round (the embedded default), a fresh PostgreSQL database in the PostgreSQL round.
"""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from competency.extensions import db
from competency.passport import pdf_store
from competency.passport.models import PassportPdf
from tests.conftest import backend_name
from tests.integration.fault_support import FreshDatabase, app_on, dispose


@pytest.fixture
def own_app(tmp_path):
    database = FreshDatabase() if backend_name() == "postgresql" else None
    app = app_on(database.url if database else f"sqlite:///{tmp_path / 'pdf.sqlite'}", tmp_path)
    yield app
    dispose(app)
    if database is not None:
        database.drop()


def _seed(app) -> int:
    from competency.passport.issuing import ensure_issued
    from tests.evidence_support import signoff_world
    from tests.passport_support import signed_off

    with app.app_context():
        world = signoff_world()
        signed_off(world)
        signed_off(world, world.support_cap)
        ensure_issued(world.practitioner)
        db.session.commit()
        holder_id = world.practitioner.id
        db.session.remove()
        return holder_id


def test_the_task_run_twice_at_once_renders_once_and_stores_one_current_pdf(own_app, monkeypatch):
    from competency.accounts.models import User
    from worker.tasks import render_passport_pdf

    holder_id = _seed(own_app)
    renders: list[float] = []
    real = pdf_store.write_pdf

    def slow_render(html, bundle):
        renders.append(time.monotonic())
        time.sleep(0.5)  # the other worker arrives while this one renders
        return real(html, bundle)

    monkeypatch.setattr(pdf_store, "write_pdf", slow_render)
    start = threading.Barrier(2)
    results: list = [None, None]

    def worker(index: int) -> None:
        with own_app.app_context():
            try:
                start.wait(timeout=10)
                results[index] = render_passport_pdf.run(holder_id)
            except Exception as error:  # e.g. a unique violation: the race not handled
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(results, key=repr) == [False, True], results
    assert len(renders) == 1
    with own_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PassportPdf)) == 1
        job = pdf_store.prepare(db.session.get(User, holder_id))
        assert job.pdf is not None and job.pdf.startswith(b"%PDF"), "the stored PDF is not the current one"
        assert pdf_store.owed_holders(10) == []
        assert db.session.get(PassportPdf, holder_id).render_started_at is None
        db.session.remove()
