"""Changing a programme's preceptor, with the reason; the history stays on the programme."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competency.blueprints.guards import require_allowed
from competency.blueprints.programmes.blueprint import bp, field_error, load_enrolment
from competency.blueprints.workforce.forms import ChangePreceptorForm
from competency.errors import DomainError
from competency.extensions import db
from competency.preceptors import queries as preceptor_queries
from competency.preceptors.models import ChangeReason
from competency.preceptorship import policies, queries
from competency.preceptorship.preceptor_change import change_preceptor as change
from competency.reminders.dispatch import dispatch_outbox


@bp.route("/enrolments/<int:enrolment_id>/preceptor", methods=["GET", "POST"])
@login_required
def change_preceptor(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id)
    require_allowed(policies.can_manage_enrolment(current_user, enrolment))
    on = queries.today()
    candidates = {u.id: u for u in preceptor_queries.preceptor_candidates(enrolment.organisation, on)
                  if u.id not in (enrolment.preceptor_id, enrolment.practitioner_id)}
    form = ChangePreceptorForm()
    form.preceptor_id.choices = [(0, "Choose the new preceptor")] + [(u.id, u.display_name) for u in candidates.values()]
    if request.method == "GET":
        form.on.data = on
    if form.validate_on_submit():
        try:
            change(enrolment, candidates[form.preceptor_id.data], reason=ChangeReason(form.reason.data),
                   detail=form.detail.data or "", by=current_user, on=form.on.data,
                   override_reason=form.override_reason.data)
        except DomainError as error:
            db.session.rollback()
            field_error(form, error, "preceptor_id")
        else:
            db.session.commit()
            dispatch_outbox()
            flash(f"{enrolment.preceptor.display_name} is now {enrolment.practitioner.display_name}'s preceptor. "
                  "Both preceptors and the preceptee have been told.", "info")
            return redirect(url_for("programmes.timeline", enrolment_id=enrolment.id))
    return render_template("programmes/change_preceptor.html", form=form, enrolment=enrolment,
                           history=preceptor_queries.history(enrolment.id)), 400 if form.errors else 200
