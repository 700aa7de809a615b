"""A preceptor's page: caseload, training and time given to the role against the yearly expectations."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competency.accounts.models import User
from competency.blueprints.guards import get_or_404, require_allowed, require_visible
from competency.blueprints.workforce.forms import TimeForm, TrainingForm
from competency.errors import DomainError
from competency.extensions import db
from competency.grants.standing import uk_today
from competency.preceptors import queries, services
from competency.preceptors.policies import can_log_preceptor_time, can_record_training, can_view_preceptor
from competency.preceptorship.policies import is_preceptor_anywhere

bp = Blueprint("preceptors", __name__, url_prefix="/preceptors")


@bp.get("/")
@login_required
def mine():
    require_allowed(is_preceptor_anywhere(current_user))
    return redirect(url_for("preceptors.show_preceptor", user_id=current_user.id))


def _visible(user_id: int) -> User:
    preceptor = get_or_404(User, user_id)
    require_visible(can_view_preceptor(current_user, preceptor))
    return preceptor


@bp.get("/<int:user_id>")
@login_required
def show_preceptor(user_id: int):
    preceptor = _visible(user_id)
    on = uk_today()
    return render_template("workforce/preceptor.html", summary=queries.summary(preceptor, on), on=on,
                           is_self=preceptor.id == current_user.id,
                           can_record_training=can_record_training(current_user, preceptor),
                           can_log_time=can_log_preceptor_time(current_user, preceptor))


def _field_error(form, error: DomainError, default: str) -> None:
    target = getattr(form, error.field or "", None) or getattr(form, default)
    target.errors = [*target.errors, error.message]


@bp.route("/<int:user_id>/training/new", methods=["GET", "POST"])
@login_required
def new_training(user_id: int):
    preceptor = _visible(user_id)
    require_allowed(can_record_training(current_user, preceptor))
    form = TrainingForm()
    if form.validate_on_submit():
        try:
            services.record_training(preceptor, course=form.course.data, provider=form.provider.data or "",
                                     completed_on=form.completed_on.data, expires_on=form.expires_on.data,
                                     by=current_user, on=uk_today())
        except DomainError as error:
            db.session.rollback()
            _field_error(form, error, "course")
        else:
            db.session.commit()
            flash(f"The course is recorded on {preceptor.display_name}'s preceptor record.", "info")
            return redirect(url_for("preceptors.show_preceptor", user_id=preceptor.id))
    return render_template("workforce/preceptor_form.html", form=form, preceptor=preceptor,
                           title="Record preceptor training", fields=["course", "provider", "completed_on",
                                                                      "expires_on"],
                           submit="Save the training"), 400 if request.method == "POST" else 200


@bp.route("/<int:user_id>/time/new", methods=["GET", "POST"])
@login_required
def new_time(user_id: int):
    preceptor = _visible(user_id)
    require_allowed(can_log_preceptor_time(current_user, preceptor))
    form = TimeForm()
    if request.method == "GET":
        form.spent_on.data = uk_today()
    if form.validate_on_submit():
        try:
            services.log_time(preceptor, spent_on=form.spent_on.data, minutes=form.minutes.data,
                              activity=form.activity.data or "", by=current_user, on=uk_today())
        except DomainError as error:
            db.session.rollback()
            _field_error(form, error, "minutes")
        else:
            db.session.commit()
            flash("Your preceptor time is logged.", "info")
            return redirect(url_for("preceptors.show_preceptor", user_id=preceptor.id))
    return render_template("workforce/preceptor_form.html", form=form, preceptor=preceptor,
                           title="Log preceptor time", fields=["spent_on", "minutes", "activity"],
                           submit="Log the time"), 400 if request.method == "POST" else 200
