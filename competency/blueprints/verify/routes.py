"""Public pages and documents: verify a passport, open a share link, DID documents, status lists.

Nothing here needs an account.  A revoked, expired or unknown share link
answers 404 with no data, the same for a person and for a program.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request

from competency.blueprints.verify.forms import VerifyForm
from competency.extensions import db, limiter
from competency.passport import keys, queries, sharing, status
from competency.passport.verifying import UnreadableUpload, check_credential, check_payload, parse_upload, \
    payload_from_share_url

bp = Blueprint("verify", __name__)

VERIFY_LIMIT = "60 per minute"


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/ld+json"])
    return best in ("application/json", "application/ld+json")


def _results_page(results, *, source: str, note: str | None = None, holder_name: str | None = None,
                  expires_on=None, status_code: int = 200):
    return render_template("verify/results.html", results=results, source=source, note=note,
                           holder_name=holder_name, expires_on=expires_on), status_code


@bp.get("/verify")
def index():
    return render_template("verify/index.html", form=VerifyForm())


@bp.post("/verify")
@limiter.limit(VERIFY_LIMIT)
def check():
    form = VerifyForm()
    errors: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            if upload and getattr(upload, "filename", ""):
                payload = parse_upload(upload.read(current_app.config["MAX_UPLOAD_BYTES"] + 1))
                source = f"the file {upload.filename}"
            elif form.share_url.data:
                payload = payload_from_share_url(form.share_url.data)
                source = "the share link"
            else:
                raise UnreadableUpload("Enter a share link or choose a passport file.")
            results = check_payload(payload)
        except UnreadableUpload as error:
            db.session.rollback()
            errors.append(error.message)
        else:
            db.session.commit()  # a share link opened here is logged; signed status lists are kept
            return _results_page(results, source=source)
    return render_template("verify/index.html", form=form, errors=errors), 400


@bp.get("/verify/c/<public_id>")
@limiter.limit(VERIFY_LIMIT)
def credential(public_id: str):
    """Where a passport PDF's QR code points: this credential, checked now."""
    found = queries.credential_by_public_id(public_id)
    if found is None:
        abort(404)
    result = check_credential(found.document)
    db.session.commit()
    return _results_page([result], source="the QR code")


@bp.get("/share/<token>")
@limiter.limit(VERIFY_LIMIT)
def share(token: str):
    wants_json = _wants_json()
    opened = sharing.open_share(token, channel="bundle" if wants_json else "page")
    if opened is None:
        abort(404)
    bundle = sharing.bundle_for(opened)
    if wants_json:
        db.session.commit()
        return _json_bundle(bundle)
    results = check_payload(bundle)
    db.session.commit()
    return _results_page(results, source="a share link", note=opened.note, holder_name=opened.holder.display_name,
                         expires_on=opened.expires_on)


@bp.get("/share/<token>/bundle.json")
@limiter.limit(VERIFY_LIMIT)
def share_bundle(token: str):
    opened = sharing.open_share(token, channel="bundle")
    if opened is None:
        abort(404)
    bundle = sharing.bundle_for(opened)
    db.session.commit()
    return _json_bundle(bundle)


def _json_bundle(bundle: dict):
    response = jsonify(bundle)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/orgs/<slug>/did.json")
def did_document(slug: str):
    organisation = queries.organisation_by_slug(slug)
    document = keys.did_document(organisation) if organisation is not None else None
    if document is None:
        abort(404)
    response = jsonify(document)
    response.headers["Content-Type"] = "application/did+json"
    response.headers["Cache-Control"] = f"public, max-age={current_app.config.get('DID_DOCUMENT_MAX_AGE', 300)}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/status/<list_id>")
def status_list(list_id: str):
    found = status.find_list(list_id)
    if found is None:
        abort(404)
    document = status.signed_list(found)
    db.session.commit()
    response = jsonify(document)
    response.headers["Content-Type"] = "application/vc+ld+json"
    ttl = int(current_app.config.get("STATUS_LIST_TTL_SECONDS", 300))
    response.headers["Cache-Control"] = f"public, max-age={ttl}" if ttl > 0 else "no-cache"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


