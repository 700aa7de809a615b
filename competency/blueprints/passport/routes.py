"""The holder's passport: the page, JSON and PDF downloads, and share links."""
from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from competency.blueprints.passport.forms import ShareForm
from competency.blueprints.submissions import derived_secret, token_of
from competency.errors import DomainError
from competency.extensions import db
from competency.passport import issuing, pdf_store, queries, sharing
from competency.passport.keys import KeyFileError
from competency.passport.pdf import verify_url
from competency.passport.statements import capability_statements
from competency.accounts.queries import organisations_administered
from competency.blueprints.navigation import add_nav_item
from competency.passport.policies import can_manage_trust_list, can_review_imports
from competency.submissions import services as submissions

bp = Blueprint("passport", __name__, url_prefix="/passport")
add_nav_item("passport.index", "My passport", lambda user: True, order=40)


def _issue_owed() -> None:
    """Credentials are issued lazily, on the holder's first look (see competency.passport.issuing)."""
    try:
        if issuing.ensure_issued(current_user, by=current_user):
            db.session.commit()
    except KeyFileError as error:
        db.session.rollback()
        current_app.logger.error("Passport issuing failed: %s", error)
        flash("Some credentials could not be issued yet because a signing key is unavailable. "
              "Your organisation's administrator has been told.", "error")


def _download_name(extension: str) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in current_user.display_name.lower()).strip("-")
    return f"passport-{safe or 'holder'}-{date.today().isoformat()}.{extension}"


@bp.get("/")
@login_required
def index():
    _issue_owed()
    overview = queries.passport_overview(current_user)
    statements = capability_statements(overview.credentials)
    pdf_owed = pdf_store.owe_if_behind(current_user, overview, statements)
    shares = db.session.scalars(queries.holder_shares_query(current_user.id).limit(5)).all()
    page = render_template("passport/index.html", overview=overview, shares=shares, today=date.today(),
                           statements=statements,
                           imports=queries.my_imports(current_user.id)[:5], verify_url=verify_url,
                           can_review_imports=can_review_imports(current_user),
                           can_manage_trust_list=can_manage_trust_list(current_user),
                           administered=organisations_administered(current_user))
    if pdf_owed:
        db.session.commit()  # the PDF is rendered in the background, ready for the download that usually follows
    return page


@bp.get("/bundle.json")
@login_required
def download_bundle():
    _issue_owed()
    bundle = sharing.holder_bundle(current_user)
    return Response(json.dumps(bundle, indent=2, ensure_ascii=False), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{_download_name("json")}"',
                             "Cache-Control": "no-store"})


@bp.get("/passport.pdf")
@login_required
def download_pdf():
    _issue_owed()
    job = pdf_store.prepare(current_user)
    if job.pdf is None:  # nothing stored yet for the passport as it is now (worker behind or down)
        db.session.commit()  # hold no transaction while WeasyPrint works (on SQLite: the write lock)
        job.pdf = pdf_store.render(job)
        pdf_store.store(job, job.pdf)
        db.session.commit()
    return Response(job.pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{_download_name("pdf")}"',
                             "Cache-Control": "no-store"})


def _share_form() -> ShareForm:
    form = ShareForm()
    credentials = queries.holder_credentials(current_user.id)
    form.credential_ids.choices = [
        (c.id, f"{c.name} ({c.issuer_name}, {c.awarded_on.strftime('%-d %B %Y')})") for c in credentials]
    if form.expires_on.data is None and not form.is_submitted():
        form.expires_on.data = sharing.default_expiry(date.today())
    return form


@bp.get("/shares")
@login_required
def shares():
    page = db.paginate(queries.holder_shares_query(current_user.id), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    return render_template("passport/shares.html", page=page, today=date.today())


@bp.get("/shares/new")
@login_required
def new_share():
    _issue_owed()
    form = _share_form()
    if not form.credential_ids.data:
        form.credential_ids.data = [choice[0] for choice in form.credential_ids.choices]
    return render_template("passport/new_share.html", form=form)


@bp.post("/shares")
@login_required
def create_share():
    form = _share_form()
    if form.validate_on_submit():
        once = token_of(form)
        token = derived_secret("share", current_user.id, once) if once else None
        try:
            submission = submissions.claim(current_user, once, "share_link")
            share, token = sharing.create_share(current_user, form.credential_ids.data,
                                                expires_on=form.expires_on.data, note=form.note.data or "",
                                                token=token)
            submissions.complete(submission, share.id)
        except submissions.AlreadySubmitted as done:
            db.session.rollback()
            share = queries.share_of(current_user.id, done.object_id) if done.object_id else None
            if share is None or token is None:
                return redirect(url_for("passport.shares"))
            return render_template("passport/share_created.html", share=share, url=sharing.share_url(token))
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "credential_ids").errors.append(error.message)
        else:
            db.session.commit()
            return render_template("passport/share_created.html", share=share, url=sharing.share_url(token))
    return render_template("passport/new_share.html", form=form), 400


@bp.get("/shares/<int:share_id>")
@login_required
def share_detail(share_id: int):
    share = queries.share_of(current_user.id, share_id)
    if share is None:
        abort(404)
    return render_template("passport/share_detail.html", share=share, today=date.today())


@bp.post("/shares/<int:share_id>/revoke")
@login_required
def revoke_share(share_id: int):
    share = queries.share_of(current_user.id, share_id)
    if share is None:
        abort(404)
    sharing.revoke_share(share, by=current_user)
    db.session.commit()
    flash("The link was withdrawn. Anyone opening it now sees 'page not found'.", "info")
    return redirect(url_for("passport.shares"))
