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
PNGs. A finished PDF is remembered in-process for its *credential set* (the
holder's details, each credential with its status, the employment rows and
the day it was produced), so downloading it again costs nothing until one of
those changes.
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
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
CACHE_SIZE = 32


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


class _PdfCache:
    """A small thread-safe LRU of finished PDFs, keyed by what they show."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            pdf = self._items.get(key)
            if pdf is not None:
                self._items.move_to_end(key)
            return pdf

    def put(self, key: str, pdf: bytes) -> None:
        with self._lock:
            self._items[key] = pdf
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_CACHE = _PdfCache(CACHE_SIZE)


def clear_cache() -> None:
    _CACHE.clear()
    qr_data_uri.cache_clear()


def credential_set_key(overview: PassportOverview, statements: dict[int, str], produced_on: str) -> str:
    """Everything the PDF shows, reduced to a digest. Stored credentials never change (their
    status does, and is included), so their ids stand for their content."""
    holder = overview.holder
    facts = {
        "base": base_url(),
        "on": produced_on,
        "holder": [holder.id, holder.display_name, holder.profession, holder.registration_body,
                   holder.registration_number],
        "credentials": [[c.id, c.public_id, c.name, c.issuer_name, c.assessor_name, str(c.awarded_on),
                         c.revoked_at is not None, c.suspended_at is not None, statements.get(c.id)]
                        for c in overview.credentials],
        "employments": [[e.id, e.organisation.name, e.role_title, e.band_label, str(e.start_on), str(e.end_on)]
                        for e in overview.employments],
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def render_passport_pdf(overview: PassportOverview, bundle: dict) -> bytes:
    statements = capability_statements(overview.credentials)
    generated_at = datetime.now(UTC)
    key = credential_set_key(overview, statements, generated_at.date().isoformat())
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    pdf = _render(overview, bundle, statements, generated_at)
    _CACHE.put(key, pdf)
    return pdf


def _render(overview: PassportOverview, bundle: dict, statements: dict[int, str], generated_at: datetime) -> bytes:
    from weasyprint import HTML, Attachment
    from weasyprint.urls import URLFetcher

    levels, rows = summary_table(overview)
    codes = {credential.id: qr_data_uri(verify_url(credential.public_id)) for credential in overview.credentials}
    html = render_template(
        "passport/pdf.html", overview=overview, levels=levels, rows=rows, qr_codes=codes, verify_url=verify_url,
        statements=statements, generated_at=generated_at, attachment_name=ATTACHMENT_NAME, base_url=base_url())
    attachment = Attachment(string=json.dumps(bundle, indent=2, ensure_ascii=False), name=ATTACHMENT_NAME,
                            description="The signed credentials (W3C Verifiable Presentation)")
    data_only = URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
    return HTML(string=html, base_url=base_url(), url_fetcher=data_only).write_pdf(
        attachments=[attachment], pdf_variant=PDF_VARIANT)
