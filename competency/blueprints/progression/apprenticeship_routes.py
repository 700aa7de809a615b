"""Apprenticeship pages: start one after a "ready" panel, the off-the-job log, reviews, gateway, qualifying."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from competency.blueprints.guards import get_or_404, require_allowed
from competency.blueprints.progression.blueprint import (
    bp,
    load_apprenticeship,
    managed_apprenticeship,
    managed_record,
    today,
)
from competency.blueprints.progression.forms import (
    ApprenticeshipForm,
    GatewayForm,
    OtjForm,
    PlanBlockForm,
    QualificationForm,
    ReviewForm,
)
from competency.errors import DomainError
from competency.extensions import db
from competency.progression import apprenticeships, policies, queries
from competency.progression.models import OtjPlanBlock, ProgressReview
from competency.reminders.dispatch import dispatch_outbox


# The plan form shares the page with the log form, so its field ids carry a prefix ("plan-hours").
PLAN_PREFIX = "plan"


@bp.route("/records/<int:record_id>/apprenticeship", methods=["GET", "POST"])
@login_required
def start_apprenticeship(record_id: int):
    record = managed_record(record_id)
    progress = queries.progress_of(record, today())
    if record.apprenticeship is not None:
        return redirect(url_for("progression.show_apprenticeship", apprenticeship_id=record.apprenticeship.id))
    if not progress.starts_apprenticeship:
        flash("This person's next step is not an apprenticeship.", "error")
        return redirect(url_for("progression.show_record", record_id=record.id))
    spec = progress.target.apprenticeship
    form = ApprenticeshipForm(standard=spec.standard if spec else None)
    if form.validate_on_submit():
        try:
            apprenticeship = apprenticeships.start_apprenticeship(
                record, provider=form.provider.data, standard=form.standard.data, start_on=form.start_on.data,
                planned_end_on=form.planned_end_on.data, planned_otj_hours=form.planned_otj_hours.data,
                epa_gateway_on=form.epa_gateway_on.data, by=current_user, today=today())
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "provider").errors.append(error.message)
        else:
            db.session.commit()
            dispatch_outbox()
            flash("The apprenticeship has started and its progress reviews are scheduled.", "success")
            return redirect(url_for("progression.show_apprenticeship", apprenticeship_id=apprenticeship.id))
    status = 400 if form.errors else 200
    return render_template("progression/start_apprenticeship.html", form=form, p=progress, record=record,
                           spec=spec), status


def _render_apprenticeship(apprenticeship, *, status: int = 200, otj_form=None, gateway_form=None, plan_form=None):
    return render_template(
        "progression/apprenticeship.html", a=apprenticeship, record=apprenticeship.record,
        otj=queries.apprenticeship_otj(apprenticeship, today()), today=today(),
        can_log=policies.can_log_otj(current_user, apprenticeship),
        can_manage=policies.can_manage_apprenticeship(current_user, apprenticeship),
        otj_form=otj_form or OtjForm(occurred_on=today()),
        plan_form=plan_form or PlanBlockForm(formdata=None, prefix=PLAN_PREFIX),
        gateway_form=gateway_form or GatewayForm(epa_gateway_on=apprenticeship.epa_gateway_on)), status


@bp.post("/apprenticeships/<int:apprenticeship_id>/plan")
@login_required
def add_plan_block(apprenticeship_id: int):
    apprenticeship = managed_apprenticeship(apprenticeship_id)
    form = PlanBlockForm(prefix=PLAN_PREFIX)
    if form.validate_on_submit():
        try:
            apprenticeships.add_plan_block(apprenticeship, label=form.label.data, starts_on=form.starts_on.data,
                                           ends_on=form.ends_on.data, hours=form.hours.data, by=current_user)
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "label").errors.append(error.message)
        else:
            db.session.commit()
            flash("Added to the planned schedule.", "success")
            return redirect(url_for("progression.show_apprenticeship", apprenticeship_id=apprenticeship.id) + "#plan")
    return _render_apprenticeship(apprenticeship, status=400, plan_form=form)


@bp.post("/apprenticeships/<int:apprenticeship_id>/plan/<int:block_id>/remove")
@login_required
def remove_plan_block(apprenticeship_id: int, block_id: int):
    apprenticeship = managed_apprenticeship(apprenticeship_id)
    block = db.session.get(OtjPlanBlock, block_id)
    if block is None or block.apprenticeship_id != apprenticeship.id:
        abort(404)
    try:
        apprenticeships.remove_plan_block(block, by=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("Removed from the planned schedule.", "success")
    return redirect(url_for("progression.show_apprenticeship", apprenticeship_id=apprenticeship.id) + "#plan")


@bp.get("/apprenticeships/<int:apprenticeship_id>")
@login_required
def show_apprenticeship(apprenticeship_id: int):
    return _render_apprenticeship(load_apprenticeship(apprenticeship_id))


@bp.post("/apprenticeships/<int:apprenticeship_id>/otj")
@login_required
def log_otj(apprenticeship_id: int):
    apprenticeship = load_apprenticeship(apprenticeship_id)
    require_allowed(policies.can_log_otj(current_user, apprenticeship))
    form = OtjForm()
    if form.validate_on_submit():
        try:
            apprenticeships.log_otj(apprenticeship, occurred_on=form.occurred_on.data, hours=form.hours.data,
                                    activity=form.activity.data, evidence_id=form.evidence_id.data,
                                    by=current_user, today=today())
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "activity").errors.append(error.message)
        else:
            db.session.commit()
            flash(f"{form.hours.data.normalize():f} hours logged.", "success")
            return redirect(url_for("progression.show_apprenticeship", apprenticeship_id=apprenticeship.id) + "#log")
    return _render_apprenticeship(apprenticeship, status=400, otj_form=form)


@bp.post("/apprenticeships/<int:apprenticeship_id>/gateway")
@login_required
def set_gateway(apprenticeship_id: int):
    apprenticeship = managed_apprenticeship(apprenticeship_id)
    form = GatewayForm()
    if form.validate_on_submit():
        try:
            apprenticeships.set_gateway(apprenticeship, epa_gateway_on=form.epa_gateway_on.data, by=current_user)
        except DomainError as error:
            db.session.rollback()
            form.epa_gateway_on.errors.append(error.message)
        else:
            db.session.commit()
            flash("End-point assessment gateway date saved.", "success")
            return redirect(url_for("progression.show_apprenticeship", apprenticeship_id=apprenticeship.id))
    return _render_apprenticeship(apprenticeship, status=400, gateway_form=form)


@bp.route("/reviews/<int:review_id>", methods=["GET", "POST"])
@login_required
def record_review(review_id: int):
    review = get_or_404(ProgressReview, review_id)
    apprenticeship = load_apprenticeship(review.apprenticeship_id)
    require_allowed(policies.can_manage_apprenticeship(current_user, apprenticeship))
    form = ReviewForm(held_on=review.held_on or today(), notes=review.notes)
    if form.validate_on_submit():
        try:
            apprenticeships.record_review(review, held_on=form.held_on.data, notes=form.notes.data,
                                          by=current_user, today=today())
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "held_on").errors.append(error.message)
        else:
            db.session.commit()
            flash(f"Progress review {review.sequence} recorded.", "success")
            return redirect(url_for("progression.show_apprenticeship", apprenticeship_id=apprenticeship.id))
    status = 400 if form.errors else 200
    return render_template("progression/review.html", review=review, a=apprenticeship, form=form), status


@bp.route("/apprenticeships/<int:apprenticeship_id>/qualify", methods=["GET", "POST"])
@login_required
def record_qualification(apprenticeship_id: int):
    apprenticeship = managed_apprenticeship(apprenticeship_id)
    form = QualificationForm()
    if form.validate_on_submit():
        try:
            apprenticeships.record_qualification(
                apprenticeship, qualified_on=form.qualified_on.data, registration_body=form.registration_body.data,
                registration_number=form.registration_number.data, role_title=form.role_title.data,
                band_label=form.band_label.data, by=current_user, today=today())
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "qualified_on").errors.append(error.message)
        else:
            db.session.commit()
            dispatch_outbox()
            flash(f"{apprenticeship.user.display_name} is registered. A preceptorship is proposed to the leads.",
                  "success")
            return redirect(url_for("progression.show_record", record_id=apprenticeship.record_id))
    status = 400 if form.errors else 200
    return render_template("progression/qualify.html", a=apprenticeship, form=form), status
