"""Evidence pages: my evidence, log new, view, edit, and files (upload, download, remove)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from competency.accounts.models import Role
from competency.accounts.policies import has_any_role
from competency.accounts.language import localise_choices
from competency.blueprints.evidence.forms import EvidenceForm, UploadForm
from competency.blueprints.evidence.picker import build_picker, current_level_code
from competency.blueprints.guards import require_allowed, require_visible
from competency.blueprints.navigation import add_nav_item
from competency.db import utcnow
from competency.blueprints.submissions import token_of
from competency.errors import DomainError
from competency.evidence import queries, services
from competency.evidence.models import Attachment, Evidence, EvidenceKind, FeedbackSource
from competency.evidence.policies import can_edit_evidence, can_view_evidence
from competency.evidence.storage import get_storage
from competency.extensions import db
from competency.signoff.capabilities import capabilities_by_uuid, current_framework_version, version_contents
from competency.signoff.queries import requests_citing
from competency.submissions import services as submissions

bp = Blueprint("evidence", __name__, url_prefix="/evidence")


def _logs_evidence(user) -> bool:
    return has_any_role(user, Role.practitioner, Role.preceptor, Role.lead)


add_nav_item("evidence.list_evidence", "Evidence", _logs_evidence, order=20)


@bp.app_template_filter("evidence_text")
def evidence_text(value: str | None) -> Markup:
    """Stored text is already sanitised; plain text gets paragraphs from its blank lines."""
    if not value:
        return Markup("")
    if "<" in value:
        return Markup(value)  # nh3 output from the service: only a few formatting tags, no attributes
    paragraphs = [p.strip() for p in value.split("\n\n") if p.strip()]
    return Markup("".join(f"<p>{escape(p)}</p>".replace("\n", "<br>") for p in paragraphs))


def _visible(evidence_id: int) -> Evidence:
    evidence = queries.load_evidence(evidence_id)
    if evidence is None:
        abort(404)
    require_visible(can_view_evidence(current_user, evidence))
    return evidence


def _own(evidence_id: int) -> Evidence:
    evidence = _visible(evidence_id)
    require_allowed(evidence.owner_id == current_user.id)
    return evidence


def _capability_picker(form: EvidenceForm, linked: set[str]):
    """Set the form's choices; return (version, picker, older capabilities) for the template."""
    version = current_framework_version()
    picker = None
    choices = []
    selected = set(form.capabilities.data or []) | linked
    if version is not None:
        pillars, levels, capabilities = version_contents(version)
        choices = [(capability.uuid, f"{capability.code}: {capability.statement}") for capability in capabilities]
        picker = build_picker(pillars, levels, capabilities, selected=set(form.capabilities.data or []),
                              search=form.capability_search.data, level=form.capability_level.data,
                              pillar=form.capability_pillar.data,
                              own_level=current_level_code(current_user, utcnow().date()))
        form.capability_level.choices = picker.level_choices()
        form.capability_pillar.choices = picker.pillar_choices()
        form.capability_level.data, form.capability_pillar.data = picker.level, picker.pillar
        form.capability_search.data = picker.search
    else:
        form.capability_level.choices = form.capability_pillar.choices = []
    known = {value for value, _ in choices}
    older = capabilities_by_uuid(selected - known)
    for capability in older.values():
        choices.append((capability.uuid, f"{capability.code}: {capability.statement} (earlier framework version)"))
    form.capabilities.choices = choices
    return version, picker, list(older.values())


def _filtering(form: EvidenceForm) -> bool:
    """The no-JavaScript "Show matching capabilities" button: re-show the form, save nothing."""
    return request.method == "POST" and request.form.get("picker") == "filter"


def _render_form(form: EvidenceForm, evidence: Evidence | None, version, picker, older, status: int):
    return render_template("evidence/form.html", form=form, picker=picker, older=older, evidence=evidence,
                           version=version, filtering=_filtering(form)), status


def _service_fields(form: EvidenceForm) -> dict:
    kind = EvidenceKind(form.kind.data)
    source = form.feedback_source.data if kind == EvidenceKind.feedback else None
    return dict(kind=kind, title=form.title.data or "", occurred_on=form.occurred_on.data, text=form.text.data or "",
                what_happened=form.what_happened.data, so_what=form.so_what.data, now_what=form.now_what.data,
                feedback_source=FeedbackSource(source) if source in {s.value for s in FeedbackSource} else None,
                capability_uuids=form.capabilities.data or [])


def _attach_error(form, error: DomainError) -> None:
    field = getattr(form, {"capability_ids": "capabilities"}.get(error.field or "", error.field or ""), None)
    if field is None or not hasattr(field, "errors"):
        form.form_errors.append(error.message)
    else:
        if isinstance(field.errors, tuple):
            field.errors = list(field.errors)
        field.errors.append(error.message)


def _read_upload(file_storage) -> tuple[str | None, bytes]:
    """The raw file name and at most one byte more than the limit (enough to know it is too big)."""
    if file_storage is None or not file_storage.filename:
        return None, b""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    return file_storage.filename, file_storage.stream.read(limit + 1)


def _chosen_files(form: EvidenceForm) -> list:
    return [item for item in request.files.getlist(form.file.name) if item.filename]


def _attach_files(evidence: Evidence, form: EvidenceForm) -> None:
    """Store every chosen file, or none: a refused file names itself in the message."""
    for item in _chosen_files(form):
        filename, data = _read_upload(item)
        try:
            services.add_attachment(evidence, current_user, filename=filename, data=data)
        except DomainError as error:
            if filename and filename not in error.message:
                error.message = f"{filename}: {error.message}"
            raise


@bp.get("/")
@login_required
def list_evidence():
    capability = request.args.get("capability") or None
    page = db.paginate(queries.my_evidence_query(current_user.id, capability),
                       per_page=current_app.config["PAGE_SIZE"], error_out=False)
    uuids = {link.capability_uuid for item in page.items for link in item.links}
    codes = {uuid: c.code for uuid, c in capabilities_by_uuid(uuids).items()}
    return render_template("evidence/list.html", page=page, codes=codes, capability=capability)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_evidence():
    form = EvidenceForm()
    localise_choices(form.feedback_source, current_user)  # the organisation's word for the people it serves
    if request.method == "GET":
        preset = request.args.get("capability")
        form.capabilities.data = [preset] if preset else []
        form.kind.data = form.kind.data or EvidenceKind.reflection.value
    version, picker, older = _capability_picker(form, set(form.capabilities.data or []))
    if not _filtering(form) and form.validate_on_submit():
        try:
            submission = submissions.claim(current_user, token_of(form), "evidence")
            evidence = services.create_evidence(current_user, **_service_fields(form))
            _attach_files(evidence, form)
            submissions.complete(submission, evidence.id)
        except submissions.AlreadySubmitted as done:  # a double click: the first one saved it
            db.session.rollback()
            flash("Evidence saved.", "info")
            if done.object_id is None:
                return redirect(url_for("evidence.list_evidence"))
            return redirect(url_for("evidence.show_evidence", evidence_id=done.object_id))
        except DomainError as error:
            db.session.rollback()
            _attach_error(form, error)
        else:
            db.session.commit()
            flash("Evidence saved.", "info")
            return redirect(url_for("evidence.show_evidence", evidence_id=evidence.id))
    status = 400 if request.method == "POST" and not _filtering(form) else 200
    return _render_form(form, None, version, picker, older, status)


@bp.get("/<int:evidence_id>")
@login_required
def show_evidence(evidence_id: int):
    evidence = _visible(evidence_id)
    capabilities = capabilities_by_uuid(evidence.capability_uuids, current_framework_version())
    requests = requests_citing(evidence.id) if evidence.owner_id == current_user.id else []
    return render_template("evidence/show.html", evidence=evidence, capabilities=capabilities, requests=requests,
                           upload_form=UploadForm(), can_edit=can_edit_evidence(current_user, evidence))


@bp.route("/<int:evidence_id>/edit", methods=["GET", "POST"])
@login_required
def edit_evidence(evidence_id: int):
    evidence = _own(evidence_id)
    if evidence.is_frozen:
        flash("This evidence has been cited in a sign-off, so it can no longer be changed.", "error")
        return redirect(url_for("evidence.show_evidence", evidence_id=evidence.id))
    form = EvidenceForm(obj=evidence if request.method == "GET" else None)
    localise_choices(form.feedback_source, current_user)  # the organisation's word for the people it serves
    if request.method == "GET":
        form.kind.data = evidence.kind.value
        form.feedback_source.data = evidence.feedback_source.value if evidence.feedback_source else None
        form.capabilities.data = sorted(evidence.capability_uuids)
    version, picker, older = _capability_picker(form, evidence.capability_uuids | set(form.capabilities.data or []))
    if not _filtering(form) and form.validate_on_submit():
        try:
            services.update_evidence(evidence, current_user, **_service_fields(form))
        except DomainError as error:
            db.session.rollback()
            _attach_error(form, error)
        else:
            db.session.commit()
            flash("Evidence updated.", "info")
            return redirect(url_for("evidence.show_evidence", evidence_id=evidence.id))
    status = 400 if request.method == "POST" and not _filtering(form) else 200
    return _render_form(form, evidence, version, picker, older, status)


@bp.post("/<int:evidence_id>/delete")
@login_required
def delete_evidence(evidence_id: int):
    evidence = _own(evidence_id)
    try:
        services.delete_evidence(evidence, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("evidence.show_evidence", evidence_id=evidence_id))
    db.session.commit()
    flash("Evidence deleted.", "info")
    return redirect(url_for("evidence.list_evidence"))


@bp.post("/<int:evidence_id>/files")
@login_required
def upload_file(evidence_id: int):
    evidence = _own(evidence_id)
    form = UploadForm()
    if form.validate_on_submit():
        filename, data = _read_upload(request.files.get("file"))
        try:
            services.add_attachment(evidence, current_user, filename=filename, data=data)
        except DomainError as error:
            db.session.rollback()
            form.file.errors = [error.message]
        else:
            db.session.commit()
            flash(f"{filename} added.", "info")
            return redirect(url_for("evidence.show_evidence", evidence_id=evidence.id))
    evidence = _visible(evidence_id)
    capabilities = capabilities_by_uuid(evidence.capability_uuids, current_framework_version())
    return render_template("evidence/show.html", evidence=evidence, capabilities=capabilities,
                           requests=requests_citing(evidence.id),
                           upload_form=form, can_edit=can_edit_evidence(current_user, evidence)), 400


def _attachment(evidence: Evidence, attachment_id: int) -> Attachment:
    attachment = next((a for a in evidence.attachments if a.id == attachment_id), None)
    if attachment is None:
        abort(404)
    return attachment


@bp.get("/<int:evidence_id>/files/<int:attachment_id>")
@login_required
def download_file(evidence_id: int, attachment_id: int):
    attachment = _attachment(_visible(evidence_id), attachment_id)
    try:
        handle = get_storage().open(attachment.storage_key)
    except FileNotFoundError:
        abort(404)
    response = send_file(handle, mimetype=attachment.media_type, as_attachment=True,
                         download_name=attachment.filename, max_age=0, etag=attachment.sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/<int:evidence_id>/files/<int:attachment_id>/delete")
@login_required
def delete_file(evidence_id: int, attachment_id: int):
    evidence = _own(evidence_id)
    attachment = _attachment(evidence, attachment_id)
    name = attachment.filename
    try:
        services.remove_attachment(attachment, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"{name} removed.", "info")
    return redirect(url_for("evidence.show_evidence", evidence_id=evidence_id))


# Media types a browser shows itself without running anything of ours: images (never SVG, which is
# refused at upload), PDFs in the browser's own viewer, and plain text.
PREVIEWABLE = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"}


@bp.get("/<int:evidence_id>/files/<int:attachment_id>/preview")
@login_required
def preview_file(evidence_id: int, attachment_id: int):
    """A file shown inline for reviewers and the owner, with the same visibility check as the download.

    Only content-checked media types are served inline (others are downloaded); the response cannot
    run script (sandbox CSP, nosniff) and is never cached.
    """
    attachment = _attachment(_visible(evidence_id), attachment_id)
    base_type = attachment.media_type.split(";")[0].strip().lower()
    if base_type not in PREVIEWABLE:
        return redirect(url_for("evidence.download_file", evidence_id=evidence_id, attachment_id=attachment_id))
    try:
        handle = get_storage().open(attachment.storage_key)
    except FileNotFoundError:
        abort(404)
    media_type = "text/plain; charset=utf-8" if base_type == "text/plain" else base_type
    response = send_file(handle, mimetype=media_type, as_attachment=False, download_name=attachment.filename,
                         max_age=0, etag=attachment.sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if base_type == "application/pdf":
        # The browser's PDF viewer refuses sandboxed documents; scripts stay off and nothing loads from elsewhere.
        response.headers["Content-Security-Policy"] = "default-src 'none'; object-src 'self'; frame-ancestors 'none'"
    else:
        response.headers["Content-Security-Policy"] = ("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
                                                       "frame-ancestors 'none'; sandbox")
    return response
