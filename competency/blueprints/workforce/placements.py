"""Placements: the host's list, setting one up, its page and ending it early."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competency.accounts.models import Organisation, OrgKind, Role
from competency.accounts.services import find_user_by_email
from competency.blueprints.guards import require_allowed
from competency.blueprints.workforce.forms import PlacementForm, ReasonForm
from competency.errors import DomainError
from competency.extensions import db
from competency.grants.queries import managed_organisations
from competency.grants.standing import uk_today
from competency.placements import queries, services
from competency.placements.models import LearnerKind
from competency.placements.policies import can_end_placement, can_manage_placement
from competency.preceptorship.queries import members_with_roles
from competency.reminders.dispatch import dispatch_outbox

bp = Blueprint("placements", __name__, url_prefix="/placements")


@bp.get("/")
@login_required
def index():
    page = db.paginate(queries.visible_placements_query(current_user), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    return render_template("workforce/placements.html", page=page, on=uk_today(),
                           hosts=managed_organisations(current_user))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_placement():
    hosts = managed_organisations(current_user)
    host_id = request.args.get("organisation_id", type=int)
    host = next((o for o in hosts if o.id == host_id), None) if host_id else (hosts[0] if len(hosts) == 1 else None)
    if host_id and host is None:
        abort(404)  # another organisation's: not revealed
    require_allowed(bool(hosts))
    if host is None:
        return render_template("workforce/choose_organisation.html", organisations=hosts,
                               endpoint="placements.new_placement", title="Set up a placement")
    form = PlacementForm()
    form.home_organisation_id.choices = [(0, "Choose an organisation")] + [
        (o.id, o.name) for o in db.session.scalars(
            sa.select(Organisation).where(Organisation.id != host.id, Organisation.kind != OrgKind.regional_body)
            .order_by(Organisation.name))]
    supervisors = {u.id: u for u in members_with_roles(host.id, Role.preceptor, Role.lead) if u.is_registered}
    form.supervisor_id.choices = [(0, "Choose the supervisor")] + [(u.id, u.display_name) for u in supervisors.values()]
    today = uk_today()
    if request.method == "GET":
        form.starts_on.data = today
    if form.validate_on_submit():
        learner = find_user_by_email(form.email.data)
        home = db.session.get(Organisation, form.home_organisation_id.data)
        try:
            if learner is None or home is None:
                raise services.PlacementError(
                    f"No active account with that e-mail address belongs to {home.name if home else 'that organisation'}.",
                    field="email")
            placement = services.create_placement(
                learner=learner, learner_kind=LearnerKind(form.learner_kind.data), host=host, home=home,
                supervisor=supervisors[form.supervisor_id.data], starts_on=form.starts_on.data,
                ends_on=form.ends_on.data, note=form.note.data or "", by=current_user, on=today)
        except DomainError as error:
            db.session.rollback()
            target = getattr(form, error.field or "", None) or form.email
            target.errors = [*target.errors, error.message]
        else:
            db.session.commit()
            dispatch_outbox()
            flash(f"{learner.display_name}'s placement is recorded. {host.name}'s assessors can sign off their "
                  "capabilities for its dates.", "info")
            return redirect(url_for("placements.show_placement", placement_id=placement.id))
    return render_template("workforce/new_placement.html", form=form, organisation=host,
                           many_organisations=len(hosts) > 1), 400 if form.errors else 200


def _visible(placement_id: int):
    placement = queries.placement_for(current_user, placement_id)
    if placement is None:
        abort(404)
    return placement


def _render(placement, form: ReasonForm | None = None, status: int = 200):
    if form is None and can_end_placement(current_user, placement):
        form = ReasonForm()
    return render_template("workforce/placement.html", placement=placement, form=form, on=uk_today()), status


@bp.get("/<int:placement_id>")
@login_required
def show_placement(placement_id: int):
    return _render(_visible(placement_id))


@bp.post("/<int:placement_id>/end")
@login_required
def end_placement(placement_id: int):
    placement = _visible(placement_id)
    require_allowed(can_manage_placement(current_user, placement))
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.end_placement(placement, reason=form.reason.data, by=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            dispatch_outbox()
            flash("The placement has ended.", "info")
        return redirect(url_for("placements.show_placement", placement_id=placement_id))
    return _render(placement, form, 400)
