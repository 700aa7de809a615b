"""Bringing a passport to an organisation, and leads recognising what it holds."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from competency.accounts.models import Organisation
from competency.accounts.policies import active_memberships
from competency.blueprints.passport.forms import ImportForm
from competency.blueprints.passport.routes import bp
from competency.errors import DomainError
from competency.extensions import db, limiter
from competency.passport import importing, queries, recognition
from competency.passport.models import ImportItem, ImportSource
from competency.passport.policies import can_decide_import, can_review_imports, can_see_import
from competency.passport.verifying import UnreadableUpload, parse_upload, payload_from_share_url


def _organisations() -> list[Organisation]:
    seen: dict[int, Organisation] = {}
    for membership in active_memberships(current_user):
        seen.setdefault(membership.organisation_id, membership.organisation)
    return sorted(seen.values(), key=lambda organisation: organisation.name)


def _import_form() -> ImportForm:
    form = ImportForm()
    form.organisation_id.choices = [(o.id, o.name) for o in _organisations()]
    return form


@bp.get("/import")
@login_required
def import_form():
    form = _import_form()
    if not form.organisation_id.choices:
        abort(403)
    return render_template("passport/import.html", form=form, imports=queries.my_imports(current_user.id))


@bp.post("/import")
@login_required
@limiter.limit("20 per hour")
def import_passport():
    form = _import_form()
    if not form.organisation_id.choices:
        abort(403)
    errors: list[str] = []
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, form.organisation_id.data)
        upload = form.file.data
        try:
            if upload and getattr(upload, "filename", ""):
                payload = parse_upload(upload.read(current_app.config["MAX_UPLOAD_BYTES"] + 1))
                source, url = ImportSource.upload, None
            elif form.share_url.data:
                payload = payload_from_share_url(form.share_url.data)
                source, url = ImportSource.share_link, form.share_url.data.strip()
            else:
                raise UnreadableUpload("Enter a share link or choose your passport file.")
            record = recognition.bring_passport(current_user, organisation, payload, source=source, source_url=url)
        except DomainError as error:
            db.session.rollback()
            errors.append(error.message)
        else:
            db.session.commit()
            flash(f"We checked {len(record.items)} credential(s). A lead at {organisation.name} will review "
                  "the valid ones.", "info")
            return redirect(url_for("passport.import_detail", import_id=record.id))
    return render_template("passport/import.html", form=form, errors=errors,
                           imports=queries.my_imports(current_user.id)), 400


def _visible_import(import_id: int):
    record = queries.load_import(import_id)
    if record is None or not can_see_import(current_user, record):
        abort(404)
    return record


@bp.get("/imports")
@login_required
def imports():
    if not can_review_imports(current_user):
        abort(403)
    page = db.paginate(queries.imports_for_leads_query(current_user), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    return render_template("passport/imports.html", page=page)


@bp.get("/imports/<int:import_id>")
@login_required
def import_detail(import_id: int):
    record = _visible_import(import_id)
    return render_template("passport/import_detail.html", record=record,
                           can_decide=can_decide_import(current_user, record),
                           waiting=recognition.waiting(record))


@bp.post("/imports/<int:import_id>/recognise-all")
@login_required
def recognise_all_valid(import_id: int):
    record = _visible_import(import_id)
    if not can_decide_import(current_user, record):
        abort(403)
    try:
        outcome = recognition.recognise_all_valid(record, by=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("passport.import_detail", import_id=record.id))
    db.session.commit()
    holder = record.holder.display_name
    if outcome.recognised:
        count = len(outcome.recognised)
        flash(f"{count} credential{'s are' if count != 1 else ' is'} now recognised for {holder}.", "success")
    for item, message in outcome.refused:
        flash(f"{item.name}: {message}", "error")
    if not outcome.recognised and not outcome.refused:
        flash("Nothing was waiting to be recognised.", "info")
    return redirect(url_for("passport.import_detail", import_id=record.id))


@bp.post("/imports/<int:import_id>/recheck")
@login_required
def recheck_import(import_id: int):
    record = _visible_import(import_id)
    importing.recheck(record, by=current_user)
    db.session.commit()
    flash("Every undecided credential was checked again.", "info")
    return redirect(url_for("passport.import_detail", import_id=record.id))


def _decidable_item(item_id: int) -> ImportItem:
    item = db.session.get(ImportItem, item_id)
    if item is None or not can_see_import(current_user, item.credential_import):
        abort(404)
    if not can_decide_import(current_user, item.credential_import):
        abort(403)
    return item


@bp.post("/imports/items/<int:item_id>/accept")
@login_required
def accept_item(item_id: int):
    item = _decidable_item(item_id)
    try:
        importing.accept(item, by=current_user)
    except importing.NoLongerValid as error:
        db.session.commit()  # keep the new result: the lead and the holder see why
        flash(error.message, "error")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"{item.name} is now recognised for {item.credential_import.holder.display_name}.", "info")
    return redirect(url_for("passport.import_detail", import_id=item.import_id))


@bp.post("/imports/items/<int:item_id>/decline")
@login_required
def decline_item(item_id: int):
    item = _decidable_item(item_id)
    try:
        importing.decline(item, by=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"{item.name} was declined.", "info")
    return redirect(url_for("passport.import_detail", import_id=item.import_id))
