"""Uploads are judged by their content: refused files leave nothing behind (no file on disk, no row)."""
from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa

from competency.evidence import services
from competency.evidence.models import Attachment
from competency.evidence.storage import LocalStorage
from competency.evidence.uploads import UploadRefused, check_upload, detect_kind
from competency.extensions import db
from tests.evidence_support import log_evidence
from tests.factories import make_person

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"This program cannot be run in DOS mode"
ELF_BYTES = b"\x7fELF\x02\x01\x01" + b"\x00" * 100


def office_file(main_type: str, part: str = "word/document.xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml",
                         '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                         f'content-types"><Override PartName="/{part}" ContentType="{main_type}"/></Types>')
        archive.writestr(part, "<document/>")
    return buffer.getvalue()


DOCX = office_file("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
XLSX = office_file("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", "xl/workbook.xml")
DOCM = office_file("application/vnd.ms-word.document.macroEnabled.main+xml")


def odt_file() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "data", "media_type"), [
    ("supervision.pdf", PDF_BYTES, "application/pdf"),
    ("photo.PNG", PNG_BYTES, "image/png"),
    ("certificate.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("hours.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("notes.odt", odt_file(), "application/vnd.oasis.opendocument.text"),
    ("reflection.txt", "Reflexión sobre la visita – café".encode(), "text/plain"),
])
def test_allowed_files_are_recognised_by_content(name, data, media_type):
    shown, kind = check_upload(name, data, max_bytes=1024 * 1024)
    assert shown == name and kind.media_type == media_type


@pytest.mark.parametrize(("name", "data", "rule", "phrase"), [
    ("care-plan.pdf", EXE_BYTES, "upload_executable", "is a program"),
    ("notes.txt", ELF_BYTES, "upload_executable", "is a program"),
    ("setup.exe", EXE_BYTES, "upload_type_not_allowed", "Files ending .exe cannot be uploaded"),
    ("report.pdf", b"Just some words pretending to be a PDF", "upload_content_mismatch", "is named as a PDF"),
    ("report.pdf", PNG_BYTES, "upload_content_mismatch", "its content is a PNG image"),
    ("../../etc/passwd.txt", b"root:x:0:0", "upload_bad_filename", "folder path"),
    ("..\\..\\boot.ini.txt", b"[boot]", "upload_bad_filename", "folder path"),
    ("/tmp/abs.txt", b"hello", "upload_bad_filename", "folder path"),
    ("macro.docx", DOCM, "upload_macros", "contains macros"),
    ("binary.txt", b"abc\x00def", "upload_content_mismatch", "plain text"),
    ("latin1.txt", "caf\u00e9".encode("latin-1"), "upload_content_mismatch", "plain text"),
    ("empty.pdf", b"", "upload_empty", "empty"),
    ("", PDF_BYTES, "upload_missing", "Choose a file"),
    ("noextension", PDF_BYTES, "upload_type_not_allowed", "no extension"),
])
def test_refused_files_say_why(name, data, rule, phrase):
    with pytest.raises(UploadRefused) as excinfo:
        check_upload(name, data, max_bytes=1024 * 1024)
    assert excinfo.value.rule == rule
    assert phrase in excinfo.value.message


def test_oversized_files_are_refused_with_the_limit():
    with pytest.raises(UploadRefused) as excinfo:
        check_upload("big.pdf", PDF_BYTES + b"0" * 2048, max_bytes=1024)
    assert excinfo.value.rule == "upload_too_large" and "larger than 1 KB" in excinfo.value.message


def test_detect_kind_does_not_trust_zip_alone():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not an office file")
    assert detect_kind(buffer.getvalue()) is None


@pytest.fixture
def owner_evidence(db):
    owner = make_person("practitioner")
    return owner, log_evidence(owner)


def files_in(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(("name", "data"), [
    ("care-plan.pdf", EXE_BYTES),
    ("report.pdf", b"Not really a PDF at all"),
    ("../../../outside.txt", b"escape"),
    ("huge.pdf", PDF_BYTES + b"0" * 5000),
])
def test_a_refused_upload_stores_nothing(owner_evidence, tmp_path, name, data):
    owner, evidence = owner_evidence
    storage = LocalStorage(tmp_path / "store")
    with pytest.raises(UploadRefused):
        services.add_attachment(evidence, owner, filename=name, data=data, storage=storage, max_bytes=4096)
    assert files_in(tmp_path) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_an_accepted_upload_is_stored_under_a_random_name_with_its_hash(owner_evidence, tmp_path):
    owner, evidence = owner_evidence
    storage = LocalStorage(tmp_path / "store")
    attachment = services.add_attachment(evidence, owner, filename="supervision.pdf", data=PDF_BYTES, storage=storage)
    stored = files_in(tmp_path)
    assert len(stored) == 1 and "supervision" not in str(stored[0]) and stored[0].read_bytes() == PDF_BYTES
    import hashlib

    assert attachment.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert attachment.filename == "supervision.pdf" and attachment.media_type == "application/pdf"


def test_a_file_written_in_a_transaction_that_rolls_back_is_removed(app, tmp_path):
    """Outside the test transaction wrapper: a real commit/rollback cycle on a real session."""
    from competency.extensions import db as real_db

    with app.app_context():
        storage = LocalStorage(tmp_path / "store")
        owner = make_person("practitioner")
        evidence = log_evidence(owner)
        services.add_attachment(evidence, owner, filename="a.txt", data=b"kept until rollback", storage=storage)
        assert len(files_in(tmp_path)) == 1
        real_db.session.rollback()
        assert files_in(tmp_path) == []
        real_db.session.remove()


def test_removing_a_file_deletes_it_only_after_commit(owner_evidence, tmp_path):
    owner, evidence = owner_evidence
    storage = LocalStorage(tmp_path / "store")
    attachment = services.add_attachment(evidence, owner, filename="a.txt", data=b"some text", storage=storage)
    db.session.commit()
    services.remove_attachment(attachment, owner, storage=storage)
    assert len(files_in(tmp_path)) == 1
    db.session.commit()
    assert files_in(tmp_path) == []
