"""The practitioner's side of sign-off: my progress grid, a capability's history, asking and withdrawing."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competency.accounts.models import Role
from competency.accounts.policies import has_any_role
from competency.blueprints.guards import get_or_404, require_visible
from competency.blueprints.navigation import add_nav_item
from competency.blueprints.progress.forms import RequestForm
from competency.db import utcnow
from competency.errors import DomainError
from competency.evidence.queries import evidence_by_ids, evidence_for_capability
from competency.extensions import db
from competency.frameworks.models import VersionStatus
from competency.reminders.dispatch import dispatch_outbox
from competency.signoff import queries, services
from competency.signoff.capabilities import capabilities_by_uuid, current_framework_version, find_capability
from competency.signoff.models import SignOffRequest
from competency.signoff.policies import can_view_request
from competency.signoff.progress import NOT_STARTED, PENDING, SIGNED, STATUS_COLOURS, STATUS_LABELS, progress_grid
from competency.signoff.rules import assessor_choice_label, eligible_assessor_standings

bp = Blueprint("progress", __name__, url_prefix="/progress")


def _has_progress(user) -> bool:
    return has_any_role(user, Role.practitioner, Role.preceptor, Role.lead)


add_nav_item("progress.my_progress", "My progress", _has_progress, order=15)


def _today() -> date:
    return utcnow().date()


@bp.get("/")
@login_required
def my_progress():
    version = current_framework_version()
    if version is None:
        return render_template("progress/index.html", grid=None)
    grid = progress_grid(current_user.id, version)
    selected = None
    pillar_code, level_code = request.args.get("pillar"), request.args.get("level")
    if pillar_code and level_code:
        pillar = next((p for p in grid.pillars if p.code == pillar_code), None)
        level = next((lv for lv in grid.levels if lv.code == level_code), None)
        if pillar is None or level is None:
            abort(404)
        selected = grid.cell(pillar, level)
    return render_template("progress/index.html", grid=grid, selected=selected, totals=grid.totals(),
                           SIGNED=SIGNED, PENDING=PENDING, NOT_STARTED=NOT_STARTED, STATUS_LABELS=STATUS_LABELS,
                           STATUS_COLOURS=STATUS_COLOURS)


def _capability(capability_id: str):
    capability = find_capability(capability_id, current_framework_version()) or find_capability(capability_id)
    if capability is None:
        abort(404)
    return capability


@bp.get("/capabilities/<capability_id>")
@login_required
def show_capability(capability_id: str):
    capability = _capability(capability_id)
    requests, signoffs = queries.capability_history(current_user.id, capability.uuid)
    standing = next((s for s in signoffs if not s.is_revoked), None)
    pending = next((r for r in requests if r.is_pending), None)
    evidence = evidence_for_capability(current_user.id, capability.uuid)
    return render_template("progress/capability.html", capability=capability, requests=requests, signoffs=signoffs,
                           standing=standing, pending=pending, evidence=evidence,
                           can_request=standing is None and pending is None
                           and capability.version.status == VersionStatus.published)


def _request_form(capability, form: RequestForm):
    evidence = evidence_for_capability(current_user.id, capability.uuid)
    standings = eligible_assessor_standings(current_user, capability, _today())
    assessors = [a for a, _ in standings]
    form.evidence_ids.choices = [(e.id, f"{e.title} ({e.kind_label}, {e.occurred_on:%d %b %Y})") for e in evidence]
    form.assessor_id.choices = [(a.id, assessor_choice_label(a, standing)) for a, standing in standings]
    return evidence, assessors


@bp.route("/capabilities/<capability_id>/request", methods=["GET", "POST"])
@login_required
def new_request(capability_id: str):
    capability = _capability(capability_id)
    form = RequestForm()
    evidence, assessors = _request_form(capability, form)
    if request.method == "GET" and not form.evidence_ids.data:
        form.evidence_ids.data = [e.id for e in evidence]
    if form.validate_on_submit():
        try:
            assessor = next(a for a in assessors if a.id == form.assessor_id.data)
            sign_off_request = services.request_signoff(
                current_user, capability, evidence_by_ids(form.evidence_ids.data), assessor,
                message=form.message.data or "", today=_today())
        except DomainError as error:
            db.session.rollback()
            target = {"assessor_id": form.assessor_id, "message": form.message}.get(error.field or "",
                                                                                     form.evidence_ids)
            target.errors = [*target.errors, error.message]
        else:
            db.session.commit()
            dispatch_outbox()
            flash(f"Your request for {capability.code} has been sent to {assessor.display_name}.", "info")
            return redirect(url_for("review.show_request", request_id=sign_off_request.id))
    status = 400 if request.method == "POST" else 200
    return render_template("progress/request_form.html", capability=capability, form=form, evidence=evidence,
                           assessors=assessors), status


@bp.get("/requests")
@login_required
def my_requests():
    page = db.paginate(queries.my_requests_query(current_user.id), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    capabilities = capabilities_by_uuid({r.capability_uuid for r in page.items}, current_framework_version())
    return render_template("progress/requests.html", page=page, capabilities=capabilities)


@bp.post("/requests/<int:request_id>/withdraw")
@login_required
def withdraw_request(request_id: int):
    sign_off_request = get_or_404(SignOffRequest, request_id)
    require_visible(can_view_request(current_user, sign_off_request))
    if sign_off_request.practitioner_id != current_user.id:
        abort(403)
    try:
        services.withdraw(sign_off_request, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("Your request has been withdrawn.", "info")
    return redirect(url_for("review.show_request", request_id=request_id))
