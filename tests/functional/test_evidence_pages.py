"""Evidence through the real forms: logging, files (accepted and refused), editing until frozen."""
from __future__ import annotations

import hashlib
import io

import pytest
import sqlalchemy as sa

from competency.evidence.models import Attachment, Evidence
from competency.extensions import db
from tests.evidence_support import log_evidence, signoff_world, switch_user
from tests.unit.evidence.test_uploads import EXE_BYTES, PDF_BYTES


@pytest.fixture
def world(db):
    return signoff_world()


def upload_dir(app):
    root = app.config["UPLOAD_STORAGE"]
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def evidence_form(world, **extra):
    return {"kind": "reflection", "title": "First solo home visit", "occurred_on": "2026-10-27",
            "text": "I assessed the bathroom and recommended a perching stool.",
            "capabilities": [world.registered_cap.uuid], **extra}


def test_log_evidence_with_a_file_and_download_it(app, world, login, browser, client):
    login(world.practitioner)
    before = upload_dir(app)
    response = browser.submit("/evidence/new", evidence_form(
        world, file=(io.BytesIO(PDF_BYTES), "supervision-notes.pdf")), content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    evidence = db.session.scalar(sa.select(Evidence).filter_by(owner_id=world.practitioner.id))
    assert evidence.capability_uuids == {world.registered_cap.uuid}
    attachment = evidence.attachments[0]
    assert attachment.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert len(upload_dir(app)) == len(before) + 1

    page = client.get(f"/evidence/{evidence.id}").get_data(as_text=True)
    assert "First solo home visit" in page and "supervision-notes.pdf" in page and world.registered_cap.code in page

    download = client.get(f"/evidence/{evidence.id}/files/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF_BYTES
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "supervision-notes.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    listing = client.get("/evidence/").get_data(as_text=True)
    assert "First solo home visit" in listing


def test_a_refused_file_on_the_new_form_saves_nothing(app, world, login, browser):
    login(world.practitioner)
    before = upload_dir(app)
    response = browser.submit("/evidence/new", evidence_form(world, file=(io.BytesIO(EXE_BYTES), "care-plan.pdf")),
                              content_type="multipart/form-data")
    assert response.status_code == 400
    assert "is a program, not a document" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0
    assert upload_dir(app) == before


@pytest.mark.parametrize(("name", "data", "message"), [
    ("care-plan.pdf", EXE_BYTES, "is a program, not a document"),
    ("report.pdf", b"plain words, not a PDF", "is named as a PDF but its content is a plain text file"),
    ("../../../etc/cron.txt", b"* * * * * evil", "contains a folder path"),
])
def test_refused_uploads_to_existing_evidence_explain_and_store_nothing(app, world, login, browser, name, data,
                                                                        message):
    evidence = log_evidence(world.practitioner)
    db.session.commit()
    login(world.practitioner)
    before = upload_dir(app)
    response = browser.submit(f"/evidence/{evidence.id}", {"file": (io.BytesIO(data), name)},
                              post_url=f"/evidence/{evidence.id}/files", content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0
    assert upload_dir(app) == before


def test_an_oversized_upload_is_refused(app, world, login, browser, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1024)
    evidence = log_evidence(world.practitioner)
    db.session.commit()
    login(world.practitioner)
    before = upload_dir(app)
    response = browser.submit(f"/evidence/{evidence.id}", {"file": (io.BytesIO(PDF_BYTES + b"0" * 4096), "big.pdf")},
                              post_url=f"/evidence/{evidence.id}/files", content_type="multipart/form-data")
    assert response.status_code == 400 and "more than the 1 KB limit" in response.get_data(as_text=True)
    assert upload_dir(app) == before


def test_other_people_get_404_for_the_evidence_and_its_file(world, login, client, browser):
    login(world.practitioner)
    evidence = log_evidence(world.practitioner)
    browser.submit(f"/evidence/{evidence.id}", {"file": (io.BytesIO(b"my notes"), "notes.txt")},
                   post_url=f"/evidence/{evidence.id}/files", content_type="multipart/form-data")
    attachment = evidence.attachments[0]
    for person in (world.peer, world.foreign_preceptor, world.preceptor):
        switch_user(client, person)
        assert client.get(f"/evidence/{evidence.id}").status_code == 404
        assert client.get(f"/evidence/{evidence.id}/files/{attachment.id}").status_code == 404


def test_edit_until_a_sign_off_cites_it(world, login, browser, client):
    from competency.signoff import services
    from competency.signoff.models import Outcome

    evidence = log_evidence(world.practitioner, [world.registered_cap])
    login(world.practitioner)
    response = browser.submit(f"/evidence/{evidence.id}/edit", evidence_form(world, title="Renamed visit"))
    assert response.status_code == 302
    assert db.session.get(Evidence, evidence.id).title == "Renamed visit"
    request = services.request_signoff(world.practitioner, world.registered_cap, [evidence], world.preceptor)
    services.decide(request, world.preceptor, Outcome.sign)
    db.session.commit()
    response = client.get(f"/evidence/{evidence.id}/edit")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "can no longer be changed" in page
    assert "Edit evidence" not in page


def test_the_text_is_shown_sanitised(world, login, client):
    evidence = log_evidence(world.practitioner, text="<p>Safe <img src=x onerror=alert(1)> text</p>")
    db.session.commit()
    login(world.practitioner)
    page = client.get(f"/evidence/{evidence.id}").get_data(as_text=True)
    assert "<p>Safe  text</p>" in page and "onerror" not in page
