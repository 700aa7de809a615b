"""Framework browser (matrix, capability detail, crosswalk) and the editor's upload-review-publish pages."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from competency.blueprints.frameworks.forms import MatrixFilterForm, UploadFrameworkForm
from competency.blueprints.guards import require_allowed, require_visible
from competency.blueprints.navigation import add_nav_item
from competency.errors import DomainError
from competency.extensions import db
from competency.frameworks import exports, queries, services
from competency.frameworks.diff import diff_frameworks
from competency.frameworks.errors import FrameworkFileInvalid
from competency.frameworks.models import Framework, FrameworkVersion
from competency.frameworks.policies import can_edit_frameworks, can_view_version
from competency.frameworks.uploads import import_upload, owner_choices

bp = Blueprint("frameworks", __name__, url_prefix="/frameworks")
add_nav_item("frameworks.list_frameworks", "Frameworks", lambda user: True, order=60)


@bp.app_context_processor
def _framework_policies():
    return {"can_edit_frameworks": can_edit_frameworks}


def _framework(slug: str) -> Framework:
    framework = queries.framework_by_slug(slug)
    if framework is None:
        abort(404)
    return framework


def _version(framework: Framework, number: str | None) -> FrameworkVersion:
    """The requested version, or the current published one (editors fall back to the latest draft)."""
    if number:
        version = queries.version_by_number(framework, number)
    else:
        version = queries.current_version(framework)
        if version is None and can_edit_frameworks(current_user, framework) and framework.versions:
            version = framework.versions[-1]
    if version is None:
        abort(404)
    require_visible(can_view_version(current_user, version))
    return version


def _visible_versions(framework: Framework) -> list[FrameworkVersion]:
    return [v for v in framework.versions if can_view_version(current_user, v)]


@bp.get("/")
@login_required
def list_frameworks():
    frameworks = queries.list_frameworks()
    current = {f.id: queries.current_version(f) for f in frameworks}
    return render_template("frameworks/list.html", frameworks=frameworks, current=current,
                           drafts={f.id: queries.drafts(f) for f in frameworks})


@bp.get("/<slug>")
@login_required
def show_matrix(slug: str):
    framework = _framework(slug)
    version = _version(framework, request.args.get("version"))
    form = MatrixFilterForm(request.args)
    form.version.choices = [SelectChoice(v.version, f"{v.version} ({v.status_label.lower()})") for v in _visible_versions(framework)]
    form.version.data = version.version
    form.profession.choices = [SelectChoice("", "All professions"), *[SelectChoice(code, name) for code, name in version.professions]]
    sector = form.sector.data if form.sector.data in {c.value for c in form.sector.choices} else ""
    profession = form.profession.data if form.profession.data in {c.value for c in form.profession.choices} else ""
    grid = queries.matrix(version, sector=sector or None, profession=profession or None)
    return render_template("frameworks/matrix.html", framework=framework, version=version, grid=grid, form=form,
                           is_current=version == queries.current_version(framework), sector=sector, profession=profession)


@bp.get("/<slug>/capabilities/<identifier>")
@login_required
def show_capability(slug: str, identifier: str):
    framework = _framework(slug)
    version = _version(framework, request.args.get("version"))
    detail = queries.capability_detail(version, identifier)
    if detail is None:
        abort(404)
    appearances = [(v, c) for v, c in detail.appearances if can_view_version(current_user, v)]
    others = [(v, c) for v, c in detail.other_revisions if can_view_version(current_user, v)]
    groups: dict[str, list] = {}
    for mapping in detail.capability.mappings:
        groups.setdefault(mapping.external_item.framework.title, []).append(mapping.external_item)
    return render_template("frameworks/capability.html", framework=framework, version=version, detail=detail,
                           capability=detail.capability, appearances=appearances, others=others, mapping_groups=groups)


@bp.get("/<slug>/crosswalk")
@login_required
def show_crosswalk(slug: str):
    framework = _framework(slug)
    version = _version(framework, None)
    crosswalk = queries.crosswalk_for(framework)
    if crosswalk is None:
        abort(404)
    by_level: dict[str, dict[str, list]] = {}
    for scheme in crosswalk.schemes:
        for entry in scheme.entries:
            by_level.setdefault(entry.level_code, {}).setdefault(scheme.code, []).append(entry)
    return render_template("frameworks/crosswalk.html", framework=framework, version=version, crosswalk=crosswalk,
                           by_level=by_level)


@bp.get("/<slug>/versions")
@login_required
def list_versions(slug: str):
    framework = _framework(slug)
    return render_template("frameworks/versions.html", framework=framework, versions=_visible_versions(framework),
                           current=queries.current_version(framework), formats=exports.FORMATS)


@bp.get("/<slug>/versions/<number>/export/<fmt>")
@login_required
def export_version(slug: str, number: str, fmt: str):
    framework = _framework(slug)
    version = _version(framework, number)
    if fmt not in exports.FORMATS:
        abort(404)
    mimetype, _ = exports.FORMATS[fmt]
    body = exports.render(version, fmt, base_url=current_app.config["BASE_URL"])
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{exports.filename(version, fmt)}"'})


@bp.route("/upload", methods=["GET", "POST"])
@login_required
def upload():
    require_allowed(can_edit_frameworks(current_user))
    form = UploadFrameworkForm()
    form.owner.choices = owner_choices(current_user)
    if len(form.owner.choices) < 2:
        del form.owner  # one owner: nothing to choose
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        storage = form.file.data
        try:
            outcome = import_upload(storage.filename or "upload", storage.read(), by=current_user,
                                    owner=form.owner.data if "owner" in form else None)
            db.session.commit()
        except FrameworkFileInvalid as exc:
            db.session.rollback()
            problems, status = [exc.message, *exc.problems], 422
        except DomainError as exc:
            db.session.rollback()
            problems, status = [exc.message], exc.status
        else:
            for name in outcome.unchanged:
                flash(f"{name} is already published with exactly this content, so nothing changed.")
            if outcome.versions:
                version = outcome.versions[0]
                flash(f"{version.title} {version.version} is saved as a draft. Check the changes, then publish it.")
                return redirect(url_for("frameworks.review_version", slug=version.framework.slug, number=version.version))
            return redirect(url_for("frameworks.list_frameworks"))
    elif form.is_submitted():
        status = 422
    return render_template("frameworks/upload.html", form=form, problems=problems), status


def _editable(slug: str, number: str) -> FrameworkVersion:
    framework = _framework(slug)
    version = queries.version_by_number(framework, number)
    if version is None:
        abort(404)
    require_visible(can_view_version(current_user, version))
    require_allowed(can_edit_frameworks(current_user, framework))
    return version


@bp.get("/<slug>/versions/<number>/review")
@login_required
def review_version(slug: str, number: str):
    version = _editable(slug, number)
    current = queries.current_version(version.framework)
    baseline = current if current is not None and current.id != version.id else None
    diff = diff_frameworks(queries.version_spec(baseline) if baseline else None, queries.version_spec(version))
    return render_template("frameworks/review.html", framework=version.framework, version=version, baseline=baseline,
                           diff=diff)


def _act(slug: str, number: str, action, done: str):
    version = _editable(slug, number)
    try:
        action(version, by=current_user)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        framework = _framework(slug)
        return render_template("frameworks/versions.html", framework=framework, versions=_visible_versions(framework),
                               current=queries.current_version(framework), formats=exports.FORMATS,
                               problems=[exc.message]), exc.status
    flash(done.format(title=version.title, version=version.version))
    return redirect(url_for("frameworks.list_versions", slug=slug))


@bp.post("/<slug>/versions/<number>/publish")
@login_required
def publish_version(slug: str, number: str):
    return _act(slug, number, services.publish_version, "Published {title} {version}. It can no longer be changed.")


@bp.post("/<slug>/versions/<number>/retire")
@login_required
def retire_version(slug: str, number: str):
    return _act(slug, number, services.retire_version,
                "Retired {title} {version}. Everything recorded against it stays valid.")


@bp.post("/<slug>/versions/<number>/discard")
@login_required
def discard_version(slug: str, number: str):
    return _act(slug, number, services.discard_draft, "Discarded the draft {title} {version}.")

