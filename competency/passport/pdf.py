"""The passport as a PDF (WeasyPrint): readable by a person, checkable by a phone.

Each credential carries a QR code to its verify page here
(``/verify/c/<public id>``), and the JSON bundle (the signed credentials,
unchanged) is embedded as the attachment ``passport.json``, so the PDF alone
is enough for a verifier who wants the signed bytes.  WeasyPrint may fetch
nothing: every image is an inline ``data:`` URI and any other URL is refused.
"""
from __future__ import annotations

import base64
import io
import json
from collections import OrderedDict
from datetime import UTC, datetime

import qrcode
import qrcode.image.svg
from flask import render_template

from competency.passport.keys import base_url
from competency.passport.queries import PassportOverview

ATTACHMENT_NAME = "passport.json"


def verify_url(public_id: str) -> str:
    return f"{base_url()}/verify/c/{public_id}"


def qr_data_uri(text: str) -> str:
    """A QR code for ``text`` as an SVG ``data:`` URI (error correction M, quiet zone kept)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4,
                         image_factory=qrcode.image.svg.SvgPathFillImage)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def summary_table(overview: PassportOverview) -> tuple[list[str], list[tuple[str, list[int]]]]:
    """Sign-off counts by pillar (rows) and level (columns, in the order first seen)."""
    levels: OrderedDict[str, None] = OrderedDict()
    for per_level in overview.by_pillar.values():
        for level in per_level:
            levels.setdefault(level, None)
    rows = [(pillar, [len(per_level.get(level, [])) for level in levels])
            for pillar, per_level in overview.by_pillar.items()]
    return list(levels), rows


def render_passport_pdf(overview: PassportOverview, bundle: dict) -> bytes:
    from weasyprint import HTML, Attachment
    from weasyprint.urls import URLFetcher

    levels, rows = summary_table(overview)
    codes = {credential.id: qr_data_uri(verify_url(credential.public_id)) for credential in overview.credentials}
    html = render_template(
        "passport/pdf.html", overview=overview, levels=levels, rows=rows, qr_codes=codes, verify_url=verify_url,
        generated_at=datetime.now(UTC), attachment_name=ATTACHMENT_NAME, base_url=base_url())
    attachment = Attachment(string=json.dumps(bundle, indent=2, ensure_ascii=False), name=ATTACHMENT_NAME,
                            description="The signed credentials (W3C Verifiable Presentation)")
    data_only = URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
    return HTML(string=html, base_url=base_url(), url_fetcher=data_only).write_pdf(attachments=[attachment])
