"""Changing a programme's start date (instead of withdrawing and enrolling again)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competency.blueprints.guards import require_allowed
from competency.blueprints.programmes.blueprint import bp, field_error, load_enrolment
from competency.blueprints.programmes.forms import StartDateForm
from competency.errors import DomainError
from competency.extensions import db
from competency.preceptorship import policies, queries
from competency.preceptorship.start_dates import change_start_date


@bp.route("/enrolments/<int:enrolment_id>/start-date", methods=["GET", "POST"])
@login_required
def change_start(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id, full=True)
    require_allowed(enrolment.is_open and policies.can_manage_enrolment(current_user, enrolment))
    form = StartDateForm(start_on=enrolment.start_on) if request.method == "GET" else StartDateForm()
    if form.validate_on_submit():
        try:
            change = change_start_date(enrolment, form.start_on.data, reason=form.reason.data, by=current_user,
                                       on=queries.today())
        except DomainError as error:
            db.session.rollback()
            field_error(form, error, "start_on")
        else:
            db.session.commit()
            moved = f" {len(change.moved)} due date{'s' if len(change.moved) != 1 else ''} moved." if change.moved else ""
            flash(f"The programme now starts on {change.after.day} {change.after:%B %Y} "
                  f"(was {change.before.day} {change.before:%B %Y}).{moved} "
                  f"{enrolment.practitioner.display_name} and {enrolment.preceptor.display_name} have been told.",
                  "info")
            return redirect(url_for("programmes.timeline", enrolment_id=enrolment_id))
    return render_template("programmes/form_page.html", form=form, enrolment=enrolment,
                           title="Change the start date", fields=["start_on", "reason"], submit="Change start date",
                           hint=f"The programme starts on {enrolment.start_on.day} {enrolment.start_on:%B %Y}. "
                                "Use this to correct a wrong date; nobody needs to be withdrawn."), \
        400 if form.errors else 200
