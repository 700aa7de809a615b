"""Editor pages for frameworks from elsewhere: bring in a CASE package or Moodle CSV, then map it.

Registered on the frameworks blueprint, behind the same framework-editor permission
(:func:`can_edit_frameworks`) as the upload and publish pages.
"""
from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competency.blueprints.frameworks.forms import ReferenceImportForm, mapping_form
from competency.blueprints.frameworks.routes import bp
from competency.blueprints.guards import require_allowed
from competency.errors import DomainError
from competency.extensions import db
from competency.frameworks import case_mapping, case_reference
from competency.frameworks.case import CaseFormatError
from competency.frameworks.case_import import loads
from competency.frameworks.errors import FrameworkFileInvalid
from competency.frameworks.moodle_import import import_moodle_csv
from competency.frameworks.policies import can_edit_frameworks


def _document(identifier: str):
    require_allowed(can_edit_frameworks(current_user))
    document = case_reference.document_by_identifier(identifier)
    if document is None:
        abort(404)
    return document


@bp.get("/references/")
@login_required
def list_references():
    require_allowed(can_edit_frameworks(current_user))
    return render_template("frameworks/references.html", documents=case_reference.all_documents())


@bp.route("/references/import", methods=["GET", "POST"])
@login_required
def import_reference():
    require_allowed(can_edit_frameworks(current_user))
    form = ReferenceImportForm()
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        storage = form.file.data
        name, data = storage.filename or "upload", storage.read()
        try:
            if name.lower().endswith(".csv"):
                document, notes = import_moodle_csv(data, source=name, by=current_user, draft=False)
            else:
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError:
                    raise FrameworkFileInvalid([f"{name}: the file is not UTF-8 text"]) from None
                document, notes = case_reference.store_package(loads(text, name), source=name, by=current_user)
            db.session.commit()
        except CaseFormatError as exc:
            db.session.rollback()
            problems, status = ["The package has problems; nothing was imported.", *exc.problems], 422
        except DomainError as exc:
            db.session.rollback()
            problems, status = [exc.message, *getattr(exc, "problems", [])], getattr(exc, "status", 422)
        else:
            for note in notes:
                flash(note)
            flash(f"{document.title} is kept as a reference framework. Choose how it maps onto pillars, levels and capabilities.")
            return redirect(url_for("frameworks.map_reference", identifier=document.key))
    elif form.is_submitted():
        status = 422
    return render_template("frameworks/reference_import.html", form=form, problems=problems), status


@bp.route("/references/<identifier>/mapping", methods=["GET", "POST"])
@login_required
def map_reference(identifier: str):
    document = _document(identifier)
    nodes = case_mapping.tree(document)
    kinds = case_mapping.kinds(nodes)
    proposal = case_mapping.propose(document)
    form = mapping_form(kinds, proposal, formdata=request.form if request.method == "POST" else None)
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        mapping = case_mapping.Mapping(
            roles={kind["kind"]: getattr(form, f"role_{i}").data for i, kind in enumerate(kinds)},
            level_source=form.level_source.data, level_name=form.level_name.data.strip(),
            slug=form.slug.data.strip(), version=form.version.data.strip())
        try:
            version = case_mapping.create_draft(document, mapping, by=current_user)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            problems, status = [exc.message, *getattr(exc, "problems", [])], getattr(exc, "status", 422)
        else:
            flash(f"{version.title} {version.version} is saved as a draft with the source identifiers. Check it, then publish it.")
            return redirect(url_for("frameworks.review_version", slug=version.framework.slug, number=version.version))
    elif form.is_submitted():
        status = 422
    roles = [(kind, getattr(form, f"role_{i}")) for i, kind in enumerate(kinds)]
    return render_template("frameworks/reference_mapping.html", document=document, form=form, roles=roles,
                           problems=problems, proposal=json.dumps(proposal.as_json(), indent=2),
                           items=len(nodes), associations=len(document.of("CFAssociations"))), status
