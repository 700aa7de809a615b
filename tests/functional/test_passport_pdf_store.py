"""The passport PDF is rendered in the background and stored; a download serves it only while it is current.

Real WeasyPrint, the suite's database (SQLite, or PostgreSQL with TEST_DATABASE_URL). The tests run the
worker's task functions in-process (``.run``), as the worker would call them.
"""
from __future__ import annotations

import subprocess
import time

import pytest
import sqlalchemy as sa

from competency.extensions import db
from competency.passport import issuing, pdf_store, resolver
from competency.passport import pdf as passport_pdf
from competency.passport.models import PassportCredential, PassportPdf
from tests.evidence_support import signoff_world
from tests.fixtures.servers import free_port
from tests.passport_support import signed_off


@pytest.fixture
def world(db, login):
    resolver.clear_caches()
    passport_pdf.clear_cache()
    world = signoff_world()
    world.signoff = signed_off(world)
    world.second = signed_off(world, world.support_cap)
    issuing.ensure_issued(world.practitioner)
    db.session.commit()
    login(world.practitioner)
    return world


@pytest.fixture
def renders(monkeypatch):
    """How many times WeasyPrint wrote a passport PDF."""
    made: list[int] = []
    real = pdf_store.write_pdf

    def counting(html, bundle):
        made.append(1)
        return real(html, bundle)

    monkeypatch.setattr(pdf_store, "write_pdf", counting)
    return made


@pytest.fixture
def queued(monkeypatch):
    """What would have been handed to the broker after each commit (the suite runs tasks eagerly, so
    nothing is queued for real)."""
    sent: list[tuple] = []

    def publish(name, *args):
        sent.append((name, *args))
        return True

    monkeypatch.setattr(pdf_store, "_publish", publish)
    return sent


def render_in_background(holder_id: int) -> bool:
    from worker.tasks import render_passport_pdf

    return render_passport_pdf.run(holder_id)


def stored(holder_id: int) -> PassportPdf | None:
    db.session.expire_all()
    return db.session.get(PassportPdf, holder_id)


def pdf_text(tmp_path, data: bytes) -> str:
    path = tmp_path / "passport.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def credential_of(signoff) -> PassportCredential:
    return db.session.scalar(sa.select(PassportCredential).where(PassportCredential.signoff_id == signoff.id))


def revoke(world, signoff) -> None:
    from competency.signoff import services

    services.revoke(signoff, world.preceptor, "Signed off by mistake.")
    db.session.commit()


class TestServedFromTheStore:
    def test_after_a_background_render_the_download_serves_the_stored_pdf_without_rendering(
            self, world, client, renders, tmp_path):
        assert render_in_background(world.practitioner.id) is True
        row = stored(world.practitioner.id)
        assert row.pdf.startswith(b"%PDF") and row.rendered_change_count == row.change_count

        response = client.get("/passport/passport.pdf")

        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.data == row.pdf
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Disposition"].startswith('attachment; filename="passport-sam-preceptee-')
        assert len(renders) == 1, "the download rendered again"
        assert world.registered_cap.code in pdf_text(tmp_path, response.data)

    def test_a_credential_issued_owes_a_render_that_the_task_does(self, queued, world):
        assert (pdf_store.RENDER_TASK, world.practitioner.id) in queued  # queued after the issuing commit
        row = stored(world.practitioner.id)
        assert row.pdf is None and row.rendered_change_count < row.change_count

        render_in_background(world.practitioner.id)

        assert stored(world.practitioner.id).pdf is not None
        assert pdf_store.owed_holders(10) == []

    def test_without_a_stored_pdf_the_download_renders_stores_and_then_serves_it(self, world, client, renders):
        first = client.get("/passport/passport.pdf")
        assert first.status_code == 200 and len(renders) == 1
        assert stored(world.practitioner.id).pdf == first.data

        again = client.get("/passport/passport.pdf")
        assert again.data == first.data and len(renders) == 1

    def test_opening_the_passport_page_has_a_missing_pdf_rendered_in_the_background(self, db, login, client,
                                                                                    queued):
        world = signoff_world()
        signed_off(world)
        db.session.commit()
        login(world.practitioner)
        queued.clear()

        assert client.get("/passport/").status_code == 200  # issues the credential: a render is owed

        assert queued == [(pdf_store.RENDER_TASK, world.practitioner.id)]
        render_in_background(world.practitioner.id)
        queued.clear()
        assert client.get("/passport/").status_code == 200
        assert queued == [], "the stored PDF is current: nothing to render"

        db.session.execute(sa.delete(PassportPdf))  # e.g. installed before PDFs were stored
        db.session.commit()
        assert client.get("/passport/").status_code == 200
        assert queued == [(pdf_store.RENDER_TASK, world.practitioner.id)]


class TestNeverStale:
    def test_a_revocation_makes_the_stored_pdf_stale_and_the_download_shows_the_revocation(
            self, world, client, renders, tmp_path):
        render_in_background(world.practitioner.id)
        before = stored(world.practitioner.id).pdf

        revoke(world, world.signoff)

        row = stored(world.practitioner.id)
        assert row.rendered_change_count < row.change_count, "the revocation did not owe a render"
        response = client.get("/passport/passport.pdf")
        assert response.data != before
        assert "Revoked by the issuer" in pdf_text(tmp_path, response.data)
        assert len(renders) == 2

    def test_the_regenerated_pdf_shows_the_revocation_and_is_served_from_then_on(self, world, client, renders,
                                                                               tmp_path):
        render_in_background(world.practitioner.id)
        revoke(world, world.signoff)

        assert render_in_background(world.practitioner.id) is True

        regenerated = stored(world.practitioner.id)
        assert "Revoked by the issuer" in pdf_text(tmp_path, regenerated.pdf)
        assert client.get("/passport/passport.pdf").data == regenerated.pdf
        assert len(renders) == 2

    def test_suspension_and_reinstatement_each_make_the_stored_pdf_stale(self, world, client, tmp_path):
        render_in_background(world.practitioner.id)
        credential = credential_of(world.second)

        issuing.set_suspended(credential, True)
        db.session.commit()
        assert "Suspended by the issuer" in pdf_text(tmp_path, client.get("/passport/passport.pdf").data)
        render_in_background(world.practitioner.id)

        issuing.set_suspended(credential_of(world.second), False)
        db.session.commit()
        assert pdf_store.owed_holders(10) == [world.practitioner.id]
        assert "Suspended by the issuer" not in pdf_text(tmp_path, client.get("/passport/passport.pdf").data)

    def test_a_change_no_hook_saw_is_still_never_served_stale(self, world, client, tmp_path):
        render_in_background(world.practitioner.id)
        # Written behind the ORM's back (an operator's SQL): no change count is raised ...
        db.session.execute(sa.update(PassportCredential).where(PassportCredential.signoff_id == world.signoff.id)
                           .values(revoked_at=sa.func.current_timestamp()))
        db.session.commit()
        assert pdf_store.owed_holders(10) == []

        # ... but the key of what the stored PDF shows no longer matches the passport.
        assert "Revoked by the issuer" in pdf_text(tmp_path, client.get("/passport/passport.pdf").data)

    def test_a_renamed_employer_or_holder_owes_a_render(self, world, queued):
        render_in_background(world.practitioner.id)
        queued.clear()

        world.org.name = "Downshire County Council"
        db.session.commit()
        assert pdf_store.owed_holders(10) == [world.practitioner.id]
        assert (pdf_store.RENDER_TASK, world.practitioner.id) in queued

        render_in_background(world.practitioner.id)
        world.practitioner.display_name = "Sam Okafor"
        db.session.commit()
        assert pdf_store.owed_holders(10) == [world.practitioner.id]

    def test_a_change_rolled_back_queues_nothing(self, world, queued):
        queued.clear()
        credential_of(world.second).suspended_at = sa.func.current_timestamp()
        db.session.flush()
        db.session.rollback()
        db.session.commit()
        assert queued == []

    def test_a_render_never_replaces_the_pdf_of_a_later_change(self, world):
        from competency.accounts.models import User

        holder = db.session.get(User, world.practitioner.id)
        early = pdf_store.prepare(holder)  # read before the revocation ...
        revoke(world, world.signoff)
        render_in_background(world.practitioner.id)
        later = stored(world.practitioner.id).content_key

        assert pdf_store.store(early, b"%PDF-early") is False  # ... and finished after it
        assert stored(world.practitioner.id).content_key == later


class TestTheTask:
    def test_running_it_twice_renders_once(self, world, renders):
        assert render_in_background(world.practitioner.id) is True
        assert render_in_background(world.practitioner.id) is False

        assert len(renders) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PassportPdf)) == 1

    def test_a_render_claimed_by_another_worker_is_left_to_it_until_the_claim_is_old(self, world, renders):
        from datetime import timedelta

        from competency.db import utcnow

        db.session.execute(sa.update(PassportPdf).values(render_started_at=utcnow()))
        db.session.commit()
        assert render_in_background(world.practitioner.id) is False and renders == []
        assert pdf_store.owed_holders(10) == []

        db.session.execute(sa.update(PassportPdf).values(
            render_started_at=utcnow() - timedelta(seconds=pdf_store.CLAIM_SECONDS + 1)))
        db.session.commit()
        assert render_in_background(world.practitioner.id) is True
        assert stored(world.practitioner.id).render_started_at is None

    def test_the_sweep_renders_every_owed_pdf(self, world, db, renders):
        from worker.tasks import refresh_passport_pdfs

        other = signoff_world()
        signed_off(other)
        issuing.ensure_issued(other.practitioner)
        db.session.commit()

        assert refresh_passport_pdfs.run() == 2
        assert refresh_passport_pdfs.run() == 0
        assert len(renders) == 2 and pdf_store.owed_holders(10) == []


@pytest.fixture
def broker_down(app, monkeypatch):
    """Queueing for real, to a Redis that is not there (connection refused at once)."""
    from worker.celery_app import celery_init_app

    monkeypatch.setitem(app.config, "CELERY_TASK_ALWAYS_EAGER", False)
    monkeypatch.setitem(app.config, "CELERY_BROKER_URL", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setitem(app.config, "CELERY_RESULT_BACKEND", "cache+memory://")
    previous = app.extensions.pop("celery", None)
    celery_init_app(app)
    yield
    if previous is not None:
        app.extensions["celery"] = previous
    else:
        app.extensions.pop("celery", None)


class TestBrokerDown:
    def test_the_change_commits_the_download_works_and_the_sweep_catches_up(self, world, client, broker_down,
                                                                            renders, tmp_path):
        from worker.tasks import refresh_passport_pdfs

        render_in_background(world.practitioner.id)
        started = time.monotonic()
        revoke(world, world.signoff)  # the render cannot be queued
        assert time.monotonic() - started < 3
        assert pdf_store.owed_holders(10) == [world.practitioner.id], "the owed render was lost"

        response = client.get("/passport/passport.pdf")
        assert response.status_code == 200
        assert "Revoked by the issuer" in pdf_text(tmp_path, response.data)

        issuing.set_suspended(credential_of(world.second), True)
        db.session.commit()
        assert pdf_store.owed_holders(10) == [world.practitioner.id]
        assert refresh_passport_pdfs.run() == 1  # the worker's next sweep, once it runs again
        assert "Suspended by the issuer" in pdf_text(tmp_path, stored(world.practitioner.id).pdf)
        assert client.get("/passport/passport.pdf").data == stored(world.practitioner.id).pdf
        assert len(renders) == 3
