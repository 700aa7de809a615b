"""The practitioner's side of sign-off: my progress grid, a capability's history, asking and withdrawing."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competency.accounts.models import Role, User
from competency.accounts.policies import has_any_role
from competency.blueprints.guards import get_or_404, require_visible
from competency.blueprints.navigation import add_nav_item
from competency.blueprints.progress.forms import RequestForm, SeveralRequestsForm
from competency.db import utcnow
from competency.errors import DomainError
from competency.evidence.queries import evidence_by_ids, evidence_for_capability
from competency.extensions import db
from competency.frameworks.models import VersionStatus
from competency.reminders.dispatch import dispatch_outbox
from competency.preceptorship.queries import named_preceptor_id
from competency.signoff import conversation, queries, services
from competency.signoff.capabilities import capabilities_by_uuid, current_framework_version, find_capability
from competency.signoff.models import SignOffRequest
from competency.signoff.policies import can_view_request
from competency.signoff.progress import NOT_STARTED, PENDING, SIGNED, STATUS_COLOURS, STATUS_LABELS, progress_grid
from competency.signoff.rules import assessor_choice_label, eligible_assessor_standings, eligible_assessors

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
    latest = requests[0] if requests else None
    returned = latest if latest is not None and latest.is_returned and standing is None else None
    return render_template("progress/capability.html", capability=capability, requests=requests, signoffs=signoffs,
                           standing=standing, pending=pending, evidence=evidence, returned=returned,
                           can_request=standing is None and pending is None
                           and capability.version.status == VersionStatus.published)


def _request_form(capability, form: RequestForm):
    evidence = evidence_for_capability(current_user.id, capability.uuid)
    standings = eligible_assessor_standings(current_user, capability, _today())
    assessors = [a for a, _ in standings]
    form.evidence_ids.choices = [(e.id, f"{e.title} ({e.kind_label}, {e.occurred_on:%d %b %Y})") for e in evidence]
    form.assessor_id.choices = [(a.id, assessor_choice_label(a, standing)) for a, standing in standings]
    return evidence, assessors


def _preselect_assessor(field, assessors, *preferred: int | None) -> User | None:
    """Choose the first preferred person who is on the list (named preceptor, or the last reviewer)."""
    offered = {a.id: a for a in assessors}
    for person_id in preferred:
        if person_id in offered:
            if field.data is None:
                field.data = person_id
            return offered[person_id]
    return None


@bp.route("/capabilities/<capability_id>/request", methods=["GET", "POST"])
@login_required
def new_request(capability_id: str):
    capability = _capability(capability_id)
    form = RequestForm()
    evidence, assessors = _request_form(capability, form)
    latest = queries.latest_request(current_user.id, capability.uuid)
    previous = latest if latest is not None and latest.is_returned else None
    named_id = named_preceptor_id(current_user.id)
    if request.method == "GET":
        if not form.evidence_ids.data:
            form.evidence_ids.data = [e.id for e in evidence]
        # Sending again goes back to the reviewer who gave the feedback; otherwise the named preceptor.
        _preselect_assessor(form.assessor_id, assessors, previous.assessor_id if previous else None, named_id)
    named = next((a for a in assessors if a.id == named_id), None)
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
                           assessors=assessors, previous=previous, named=named,
                           named_missing=named_id is not None and named is None), status


def _requestable(user) -> list:
    """Capabilities of the current version with linked evidence, neither signed off nor waiting (fixed queries)."""
    version = current_framework_version()
    if version is None:
        return []
    counts = queries.linked_evidence_counts(user.id)
    open_ids = set(counts) - queries.signed_capability_ids(user.id) - queries.pending_capability_ids(user.id)
    found = capabilities_by_uuid(open_ids, version)
    capabilities = [c for c in found.values() if c.version_id == version.id]
    capabilities.sort(key=lambda c: (c.pillar.position, c.level.position, c.position))
    return [(c, counts[c.uuid]) for c in capabilities]


def _assessors_for(user, capabilities) -> list:
    """Everyone eligible for at least one of them; eligibility depends on the level, so one look-up per level."""
    by_level = {}
    for capability in capabilities:
        by_level.setdefault(capability.level_id, capability)
    people: dict[int, object] = {}
    for capability in by_level.values():
        for person in eligible_assessors(user, capability, _today()):
            people.setdefault(person.id, person)
    return sorted(people.values(), key=lambda p: (p.display_name, p.id))


@bp.route("/requests/new", methods=["GET", "POST"])
@login_required
def new_requests():
    """Ask for several capabilities in one go: one request per capability, all or nothing."""
    form = SeveralRequestsForm()
    requestable = _requestable(current_user)
    capabilities = {c.uuid: c for c, _ in requestable}
    form.capability_ids.choices = [
        (c.uuid, f"{c.code}: {c.statement} ({n} piece{'s' if n != 1 else ''} of evidence)") for c, n in requestable]
    assessors = _assessors_for(current_user, capabilities.values()) if requestable else []
    form.assessor_id.choices = [
        (a.id, f"{a.display_name}{' - ' + a.profession if a.profession else ''}") for a in assessors]
    named_id = named_preceptor_id(current_user.id)
    if request.method == "GET":
        wanted = request.args.getlist("capability")
        form.capability_ids.data = [uuid for uuid in wanted if uuid in capabilities]
        _preselect_assessor(form.assessor_id, assessors, named_id)
    named = next((a for a in assessors if a.id == named_id), None)
    if form.validate_on_submit():
        chosen = [capabilities[uuid] for uuid in form.capability_ids.data]
        assessor = next(a for a in assessors if a.id == form.assessor_id.data)
        try:
            made = conversation.request_several(
                current_user, [conversation.Ask(c) for c in chosen], assessor, message=form.message.data or "",
                linked_evidence=queries.linked_evidence(current_user.id, {c.uuid for c in chosen}), today=_today())
        except DomainError as error:
            db.session.rollback()
            target = {"assessor_id": form.assessor_id, "message": form.message}.get(error.field or "",
                                                                                     form.capability_ids)
            target.errors = [*target.errors, error.message]
        else:
            db.session.commit()
            dispatch_outbox()
            codes = ", ".join(c.code for c in chosen)
            flash(f"{len(made)} request{'s' if len(made) != 1 else ''} sent to {assessor.display_name}: {codes}.",
                  "info")
            return redirect(url_for("progress.my_requests"))
    status = 400 if request.method == "POST" else 200
    return render_template("progress/several_requests_form.html", form=form, requestable=requestable,
                           assessors=assessors, named=named,
                           named_missing=named_id is not None and named is None), status


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
