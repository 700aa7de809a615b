"""The passport PDF renders, its QR codes decode to working verify links, and it carries the signed bundle."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from pyzbar.pyzbar import decode

from competency.extensions import db
from competency.passport import resolver
from competency.passport.models import PassportCredential
from tests.evidence_support import signoff_world
from tests.passport_support import signed_off


@pytest.fixture
def pdf_file(db, login, client, tmp_path):
    resolver.clear_caches()
    world = signoff_world()
    signed_off(world)
    signed_off(world, world.support_cap)
    login(world.practitioner)
    response = client.get("/passport/passport.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "passport.pdf"
    path.write_bytes(response.data)
    return world, path


def _pages_as_png(pdf: Path) -> list[Path]:
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(pdf.with_suffix(""))], check=True, timeout=60)
    return sorted(pdf.parent.glob(f"{pdf.stem}*.png"))


def test_the_pdf_renders_and_each_qr_code_opens_that_credentials_verify_page(pdf_file, client):
    world, pdf = pdf_file
    pages = _pages_as_png(pdf)
    assert pages, "pdftoppm produced no page"
    decoded = {symbol.data.decode() for page in pages for symbol in decode(Image.open(page))}
    credentials = db.session.scalars(sa.select(PassportCredential).filter_by(holder_id=world.practitioner.id)).all()
    expected = {f"http://127.0.0.1:5000/verify/c/{credential.public_id}" for credential in credentials}
    assert decoded == expected
    for url in decoded:
        page = client.get(url.replace("http://127.0.0.1:5000", ""))
        assert page.status_code == 200 and "1 valid" in page.get_data(as_text=True)


def test_the_pdf_embeds_the_json_bundle_unchanged(pdf_file, tmp_path):
    world, pdf = pdf_file
    listing = subprocess.run(["pdfdetach", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "passport.json" in listing
    out = tmp_path / "attached.json"
    subprocess.run(["pdfdetach", "-save", "1", "-o", str(out), str(pdf)], check=True)
    bundle = json.loads(out.read_text())
    stored = db.session.scalars(sa.select(PassportCredential.document)
                                .filter_by(holder_id=world.practitioner.id).order_by(PassportCredential.awarded_on,
                                                                                       PassportCredential.id)).all()
    assert bundle["type"] == ["VerifiablePresentation"]
    assert bundle["verifiableCredential"] == stored


def test_the_pdf_text_summarises_by_pillar_and_names_issuer_and_assessor(pdf_file):
    world, pdf = pdf_file
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Summary by pillar and level of practice" in text
    assert "Professional practice" in text
    assert world.org.name in text and "Tom Preceptor" in text
    assert world.registered_cap.code in text and world.support_cap.code in text
