"""The passport as a PDF (WeasyPrint): readable by a person, checkable by a phone, tagged for both.

Each credential carries a QR code to its verify page here
(``/verify/c/<public id>``), and the JSON bundle (the signed credentials,
unchanged) is embedded as the attachment ``passport.json``, so the PDF alone
is enough for a verifier who wants the signed bytes.  WeasyPrint may fetch
nothing: every image is an inline ``data:`` URI and any other URL is refused.

The PDF is PDF/UA-1 (``pdf_variant``): tagged, with a title, a language and
alternative text for every QR code, so a screen reader reads it in order.

Speed: WeasyPrint spends most of its time on flex layout and on drawing SVG
paths, so credentials are laid out with a float and the QR codes are small
PNGs. Even so a render takes a second or more, so downloads serve a PDF
rendered in the background and stored with the key of its *credential set*
(the holder's details, each credential with its status, the employment rows,
these templates): see :mod:`competency.passport.pdf_store`.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
from collections import OrderedDict
from datetime import UTC, datetime
from functools import lru_cache

import qrcode
from flask import render_template

from competency.passport.keys import base_url
from competency.passport.queries import PassportOverview
from competency.passport.statements import capability_statements

ATTACHMENT_NAME = "passport.json"
PDF_VARIANT = "pdf/ua-1"
TEMPLATES = ("passport/pdf.html", "passport/_pdf_credential.html")
# Raise when the PDF changes in a way the templates do not show (e.g. how the QR codes are drawn).
FORMAT = "2"


def verify_url(public_id: str) -> str:
    return f"{base_url()}/verify/c/{public_id}"


@lru_cache(maxsize=4096)
def qr_data_uri(text: str) -> str:
    """A QR code for ``text`` as a 1-bit PNG ``data:`` URI (error correction M, quiet zone kept).

    A fixed mask pattern skips trying all eight (the library's slowest step, pure Python) at no
    cost to scanning; the result is remembered, as a credential's verify link never changes.
    """
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=4, mask_pattern=0)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").get_image().convert("1").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def summary_table(overview: PassportOverview) -> tuple[list[str], list[tuple[str, list[int]]]]:
    """Sign-off counts by pillar (rows) and level (columns, in the order first seen)."""
    levels: OrderedDict[str, None] = OrderedDict()
    for per_level in overview.by_pillar.values():
        for level in per_level:
            levels.setdefault(level, None)
    rows = [(pillar, [len(per_level.get(level, [])) for level in levels])
            for pillar, per_level in overview.by_pillar.items()]
    return list(levels), rows


def clear_cache() -> None:
    """Forget the remembered QR codes and template fingerprints (tests)."""
    qr_data_uri.cache_clear()
    _FINGERPRINTS.clear()


_FINGERPRINTS: dict[int, str] = {}


def renderer_fingerprint() -> str:
    """A digest of the templates the PDF is made from: a release that changes them makes every stored PDF
    stale, as a change to the data would (see :mod:`competency.passport.pdf_store`)."""
    from flask import current_app

    environment = current_app.jinja_env
    found = _FINGERPRINTS.get(id(environment))
    if found is None:
        digest = hashlib.sha256(f"{FORMAT}|{PDF_VARIANT}|{ATTACHMENT_NAME}".encode())
        for name in TEMPLATES:
            digest.update(environment.loader.get_source(environment, name)[0].encode())
        found = _FINGERPRINTS[id(environment)] = digest.hexdigest()
    return found


def credential_set_key(overview: PassportOverview, statements: dict[int, str]) -> str:
    """Everything the PDF shows, reduced to a digest: two passports with the same key make the same PDF.

    Stored credentials never change (their status does, and is included), so their ids stand for their
    content, the attached bundle included. The day the PDF was produced, which it states, is not part of
    the key: a PDF made before still shows the passport exactly as it is now, dated when it was made.
    """
    holder = overview.holder
    facts = {
        "base": base_url(),
        "renderer": renderer_fingerprint(),
        "holder": [holder.id, holder.display_name, holder.profession, holder.registration_body,
                   holder.registration_number],
        "credentials": [[c.id, c.public_id, c.name, c.issuer_name, c.assessor_name, str(c.awarded_on),
                         c.revoked_at is not None, c.suspended_at is not None, statements.get(c.id)]
                        for c in overview.credentials],
        "employments": [[e.id, e.organisation.name, e.role_title, e.band_label, str(e.start_on), str(e.end_on)]
                        for e in overview.employments],
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def passport_html(overview: PassportOverview, statements: dict[int, str], generated_at: datetime) -> str:
    """The PDF's HTML (reads the ORM objects: call inside the transaction that loaded them)."""
    levels, rows = summary_table(overview)
    codes = {credential.id: qr_data_uri(verify_url(credential.public_id)) for credential in overview.credentials}
    return render_template(
        "passport/pdf.html", overview=overview, levels=levels, rows=rows, qr_codes=codes, verify_url=verify_url,
        statements=statements, generated_at=generated_at, attachment_name=ATTACHMENT_NAME, base_url=base_url())


def write_pdf(html: str, bundle: dict) -> bytes:
    """Lay out and write the PDF (the slow part, 1-3 s for 50 sign-offs); touches no database."""
    from weasyprint import HTML, Attachment
    from weasyprint.urls import URLFetcher

    attachment = Attachment(string=json.dumps(bundle, indent=2, ensure_ascii=False), name=ATTACHMENT_NAME,
                            description="The signed credentials (W3C Verifiable Presentation)")
    data_only = URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
    return HTML(string=html, base_url=base_url(), url_fetcher=data_only).write_pdf(
        attachments=[attachment], pdf_variant=PDF_VARIANT)


def render_passport_pdf(overview: PassportOverview, bundle: dict) -> bytes:
    """The PDF of ``overview`` now, rendered in the caller (downloads serve stored ones: pdf_store)."""
    statements = capability_statements(overview.credentials)
    return write_pdf(passport_html(overview, statements, datetime.now(UTC)), bundle)
