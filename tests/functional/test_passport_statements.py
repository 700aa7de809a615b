"""The passport page and PDF say what each capability is, and the PDF is tagged PDF/UA (#15.10)."""
from __future__ import annotations

import subprocess

import pytest

from competency.extensions import db
from competency.passport import pdf as passport_pdf
from competency.passport import resolver
from tests.evidence_support import signoff_world
from tests.passport_support import signed_off


@pytest.fixture
def world(db, login):
    resolver.clear_caches()
    passport_pdf.clear_cache()
    world = signoff_world()
    world.signoff = signed_off(world)
    db.session.commit()
    login(world.practitioner)
    return world


def pdf_text(tmp_path, data: bytes) -> str:
    path = tmp_path / "passport.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdfinfo(tmp_path, data: bytes, *options: str) -> str:
    path = tmp_path / "info.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfinfo", *options, str(path)], capture_output=True, text=True, check=True).stdout


def test_the_passport_page_shows_each_capabilitys_statement(world, client):
    """Before: only "Capability PP-5-01 signed off"."""
    page = client.get("/passport/").get_data(as_text=True)
    assert f"Statement for {world.registered_cap.code}" in page
    assert f"Capability {world.registered_cap.code} signed off" not in page


def test_the_pdf_shows_each_capabilitys_statement(world, client, tmp_path):
    text = " ".join(pdf_text(tmp_path, client.get("/passport/passport.pdf").data).split())
    assert f"{world.registered_cap.code} Statement for {world.registered_cap.code}" in text


def test_the_pdf_is_tagged_and_declares_pdf_ua(world, client, tmp_path):
    """Before: an untagged PDF with no conformance claim."""
    data = client.get("/passport/passport.pdf").data
    info = pdfinfo(tmp_path, data)
    assert "Tagged:          yes" in info
    assert "Title:           Competency passport: Sam Preceptee" in info
    assert "pdfuaid:part" in pdfinfo(tmp_path, data, "-meta")


def test_a_revocation_changes_the_pdf_at_once_despite_the_cache(world, client, tmp_path):
    from competency.signoff import services

    first = client.get("/passport/passport.pdf").data
    assert client.get("/passport/passport.pdf").data == first  # the same set: served from the cache
    services.revoke(world.signoff, world.preceptor, "Signed off by mistake.")
    db.session.commit()
    assert "Revoked by the issuer" in pdf_text(tmp_path, client.get("/passport/passport.pdf").data)


def test_a_statement_unknown_here_falls_back_to_the_credentials_own_words(world, client):
    from competency.passport.models import PassportCredential
    from competency.passport.statements import capability_statements

    client.get("/passport/")  # credentials are issued when the passport is first opened
    credential = db.session.scalar(db.select(PassportCredential))
    credential.capability_uuid = "00000000-0000-0000-0000-000000000000"
    assert capability_statements([credential]) == {credential.id: f"Statement for {world.registered_cap.code}"}
