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
from competency.frameworks.errors import FrameworkFileInvalid, VersionImmutable
from competency.frameworks.models import Framework, FrameworkVersion, VersionStatus
from competency.frameworks.policies import can_edit_frameworks, can_view_version
from competency.frameworks.uploads import import_upload, owner_choices
from competency.signoff.version_changes import publish_and_tell, publish_impact, retire_and_tell, retire_impact

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
    from competency.frameworks.vocabulary import local_vocabularies

    framework = _framework(slug)
    version = _version(framework, None)
    crosswalks = queries.crosswalks_for(framework)
    if not crosswalks:
        abort(404)
    # {crosswalk id: {level code: {scheme code: [entries]}}}; an entry spanning levels is in each.
    by_level: dict[int, dict[str, dict[str, list]]] = {}
    for crosswalk in crosswalks:
        for scheme in crosswalk.schemes:
            for entry in scheme.entries:
                for level in entry.levels:
                    by_level.setdefault(crosswalk.id, {}).setdefault(level, {}).setdefault(scheme.code, []).append(entry)
    return render_template("frameworks/crosswalk.html", framework=framework, version=version, crosswalks=crosswalks,
                           crosswalk=crosswalks[0], by_level=by_level, level_names={lv.code: lv.name for lv in version.levels},
                           vocabularies=local_vocabularies(current_user, crosswalks))


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
            if getattr(outcome, "reference", None) is not None:
                flash(f"{outcome.reference.title} is not in this platform's shape, so it is kept as a reference framework. "
                      "Choose how it maps onto pillars, levels and capabilities.")
                return redirect(url_for("frameworks.map_reference", identifier=outcome.reference.key))
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


def _confirm_page(version: FrameworkVersion, impact, *, changed: bool = False, status: int = 200):
    return render_template("frameworks/confirm_change.html", framework=version.framework, version=version,
                           impact=impact, changed=changed), status


def _guarded(slug: str, number: str, *, action: str, expected: VersionStatus, impact_of, change, done):
    """Show the impact (GET), or make the change once it was confirmed on these same figures (POST).

    A POST without the confirmation goes to the confirmation page, so no button anywhere can
    publish or retire in one click.
    """
    version = _editable(slug, number)
    if version.status != expected:
        return _refused(slug, VersionImmutable(
            f"{version.title} version {version.version} is already {version.status.value}; nothing was changed."
            if action == "published" else
            f"Only a published version can be retired; {version.version} is {version.status.value}."))
    impact = impact_of(version)
    if request.method == "GET":
        return _confirm_page(version, impact)
    if request.form.get("confirm") != "yes":
        return redirect(url_for(request.endpoint, slug=slug, number=number))
    if request.form.get("impact") != impact.fingerprint:
        return _confirm_page(version, impact, changed=True, status=409)
    try:
        impact = change(version, by=current_user)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return _refused(slug, exc)
    flash(done(version, impact))
    return redirect(url_for("frameworks.list_versions", slug=slug))


def _refused(slug: str, exc: DomainError):
    framework = _framework(slug)
    return render_template("frameworks/versions.html", framework=framework, versions=_visible_versions(framework),
                           current=queries.current_version(framework), formats=exports.FORMATS,
                           problems=[exc.message]), exc.status


def _told(impact) -> str:
    people = impact.people_to_tell
    if not people:
        return "Nobody needed to be told."
    return f"{people} {'person has' if people == 1 else 'people have'} been told what it means for them."


@bp.route("/<slug>/versions/<number>/publish", methods=["GET", "POST"])
@login_required
def publish_version(slug: str, number: str):
    return _guarded(slug, number, action="published", expected=VersionStatus.draft, impact_of=publish_impact,
                    change=publish_and_tell,
                    done=lambda v, impact: f"Published {v.title} {v.version}. It can no longer be changed. "
                                           f"{impact.headline()} {_told(impact)}")


@bp.route("/<slug>/versions/<number>/retire", methods=["GET", "POST"])
@login_required
def retire_version(slug: str, number: str):
    return _guarded(slug, number, action="retired", expected=VersionStatus.published, impact_of=retire_impact,
                    change=retire_and_tell,
                    done=lambda v, impact: f"Retired {v.title} {v.version}. Everything recorded against it stays "
                                           f"valid. {impact.headline()} {_told(impact)}")


@bp.post("/<slug>/versions/<number>/discard")
@login_required
def discard_version(slug: str, number: str):
    return _act(slug, number, services.discard_draft, "Discarded the draft {title} {version}.")



# Pages for frameworks from other tools (CASE packages, Moodle CSV) share this blueprint.
from competency.blueprints.frameworks import case_routes  # noqa: E402,F401
