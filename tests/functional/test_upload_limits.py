"""Over-size uploads are refused on the form, with the limit stated and everything typed kept (#15.6)."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from competency.evidence.models import Attachment, Evidence
from competency.extensions import db
from tests.evidence_support import log_evidence, signoff_world
from tests.unit.evidence.test_uploads import PDF_BYTES

MB = 1024 * 1024


@pytest.fixture
def world(db):
    return signoff_world()


def upload_dir(app):
    root = app.config["UPLOAD_STORAGE"]
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def typed(world, **extra) -> dict:
    return {"kind": "certificate", "title": "Moving and handling update", "occurred_on-day": "3",
            "occurred_on-month": "11", "occurred_on-year": "2026",
            "text": "Half-day course: hoists, slide sheets and a risk assessment.",
            "capabilities": [world.registered_cap.uuid], **extra}


def test_the_form_states_the_limit(world, login, client):
    login(world.practitioner)
    page = client.get("/evidence/new").get_data(as_text=True)
    assert "Each file can be up to 20 MB." in page
    assert f'data-max-bytes="{20 * MB}"' in page


def test_a_25_mb_file_is_refused_on_the_form_and_everything_typed_is_kept(app, world, login, browser):
    """Before: werkzeug refused the request unread (Content-Length over MAX_CONTENT_LENGTH): a bare 413."""
    login(world.practitioner)
    before = upload_dir(app)
    big = PDF_BYTES + b"0" * (25 * MB)
    response = browser.submit("/evidence/new", typed(world, file=(io.BytesIO(big), "course-slides.pdf")),
                              content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:500]
    assert "\u201ccourse-slides.pdf\u201d is 25 MB, more than the 20 MB limit for each file" in page
    assert 'href="#file"' in page  # the error summary links to the file input
    assert 'value="Moving and handling update"' in page
    assert "Half-day course: hoists, slide sheets and a risk assessment." in page
    assert re.search(r'id="occurred_on-year"[^>]*value="2026"', page)
    assert re.search(r'value="certificate" checked', page)
    assert re.search(rf'value="{world.registered_cap.uuid}" checked', page)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0
    assert upload_dir(app) == before


def test_an_over_size_file_among_good_ones_keeps_none_and_names_the_big_one(app, world, login, browser, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1024)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    login(world.practitioner)
    files = [(io.BytesIO(b"notes from the day\n"), "notes.txt"), (io.BytesIO(PDF_BYTES + b"0" * 5000), "big.pdf")]
    response = browser.submit("/evidence/new", typed(world, file=files), content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "\u201cbig.pdf\u201d is 5 KB, more than the 1 KB limit" in page
    # The good file is not kept either, and the page says so by name instead of dropping it silently.
    assert "You chose notes.txt. Files are not kept until the evidence is saved" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_several_files_are_attached_to_new_evidence(app, world, login, browser):
    login(world.practitioner)
    files = [(io.BytesIO(b"notes from the day\n"), "notes.txt"), (io.BytesIO(PDF_BYTES), "certificate.pdf")]
    response = browser.submit("/evidence/new", typed(world, file=files), content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    evidence = db.session.scalar(sa.select(Evidence))
    assert sorted(a.filename for a in evidence.attachments) == ["certificate.pdf", "notes.txt"]


def test_more_files_than_allowed_at_once_are_refused_by_name(app, world, login, browser, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_FILES", 2)
    login(world.practitioner)
    files = [(io.BytesIO(b"page %d\n" % n), f"page-{n}.txt") for n in range(3)]
    response = browser.submit("/evidence/new", typed(world, file=files), content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "\u201cpage-2.txt\u201d was not uploaded: you can add up to 2 files at a time" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0


def test_an_over_size_file_added_to_existing_evidence_is_refused_on_its_page(app, world, login, browser, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1024)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    evidence = log_evidence(world.practitioner)
    db.session.commit()
    login(world.practitioner)
    response = browser.submit(f"/evidence/{evidence.id}", {"file": (io.BytesIO(PDF_BYTES + b"0" * 9000), "scan.pdf")},
                              post_url=f"/evidence/{evidence.id}/files", content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "\u201cscan.pdf\u201d is 9 KB, more than the 1 KB limit" in page
    assert evidence.title in page


def test_a_body_beyond_what_the_app_will_read_gets_the_413_page_with_the_limit(app, world, login, browser,
                                                                             monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1024)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    monkeypatch.setitem(app.config, "MAX_MULTIPART_BYTES", 4096)
    login(world.practitioner)
    response = browser.submit("/evidence/new", typed(world, file=(io.BytesIO(b"0" * 10_000), "huge.txt")),
                              content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Each file can be up to 1 KB" in page and 'href="/evidence/new"' in page


def test_json_and_plain_forms_keep_the_request_size_limit(app, world, login, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    login(world.practitioner)
    response = client.post("/evidence/new", data={"title": "x" * 5000})
    assert response.status_code == 413
