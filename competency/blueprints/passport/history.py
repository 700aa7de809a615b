"""Employment history beyond this organisation ("say it once"): previous posts and recognised programmes.

The person declares a previous post here; it counts (months in post) once a passport
credential from that employer is recognised, or once a lead where they work now has
checked a reference and verifies it. Posts at an organisation on this service are
recorded by that organisation's administrator, never by anyone else.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from competency.accounts.models import Employment, Role
from competency.accounts.policies import has_any_role, org_ids_with_role
from competency.blueprints.passport.history_forms import PreviousPostForm, VerifyPostForm
from competency.blueprints.passport.routes import bp
from competency.errors import DomainError
from competency.extensions import db
from competency.passport.record_issuing import state_current_post
from competency.recognition import queries, services
from competency.recognition.models import PriorEmployment


def _history_page(form: PreviousPostForm, status: int = 200):
    today = date.today()
    posts = db.session.scalars(sa.select(Employment).where(Employment.user_id == current_user.id)
                               .options(sa.orm.selectinload(Employment.organisation))
                               .order_by(Employment.start_on.desc())).all()
    return render_template("passport/history.html", form=form, posts=posts, today=today,
                           previous=queries.prior_employments(current_user.id),
                           programmes=queries.recognised_programmes(current_user.id)), status


@bp.get("/history")
@login_required
def history():
    return _history_page(PreviousPostForm())


@bp.post("/history/previous")
@login_required
def declare_previous_post():
    form = PreviousPostForm()
    if form.validate_on_submit():
        try:
            services.declare_prior_employment(
                current_user, employer_name=form.employer_name.data, role_title=form.role_title.data,
                level_code=form.level_code.data, band_label=form.band_label.data, start_on=form.start_on.data,
                end_on=form.end_on.data, fte=float(form.fte.data), today=date.today())
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "employer_name").errors.append(error.message)
        else:
            db.session.commit()
            flash("Previous post added. It counts once a lead where you work now has verified it, or once you bring "
                  "a passport credential from that employer.", "info")
            return redirect(url_for("passport.history"))
    return _history_page(form, 400)


def _own_post(post_id: int) -> PriorEmployment:
    record = db.session.get(PriorEmployment, post_id)
    if record is None or record.user_id != current_user.id:
        abort(404)
    return record


@bp.post("/history/previous/<int:post_id>/remove")
@login_required
def remove_previous_post(post_id: int):
    record = _own_post(post_id)
    try:
        services.remove_declared(record, by=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash("Previous post removed.", "info")
    return redirect(url_for("passport.history"))


@bp.post("/history/posts/<int:employment_id>/statement")
@login_required
def state_post(employment_id: int):
    employment = db.session.get(Employment, employment_id)
    if employment is None or employment.user_id != current_user.id:
        abort(404)
    try:
        credential = state_current_post(employment, by=current_user, today=date.today())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"{credential.name} is in your passport, signed by {employment.organisation.name}.", "info")
    return redirect(url_for("passport.history"))


def _to_verify_query():
    """Declared previous posts of people currently employed where the caller leads."""
    today = date.today()
    led = org_ids_with_role(current_user, Role.lead)
    employed = sa.select(Employment.user_id).where(
        Employment.organisation_id.in_(led or [-1]), Employment.start_on <= today,
        sa.or_(Employment.end_on.is_(None), Employment.end_on >= today))
    return (sa.select(PriorEmployment).where(PriorEmployment.user_id.in_(employed),
                                             PriorEmployment.user_id != current_user.id,
                                             PriorEmployment.verified_at.is_(None))
            .options(sa.orm.selectinload(PriorEmployment.user))
            .order_by(PriorEmployment.created_at, PriorEmployment.id))


@bp.get("/previous-posts")
@login_required
def previous_posts():
    if not has_any_role(current_user, Role.lead):
        abort(403)
    return render_template("passport/previous_posts.html", posts=db.session.scalars(_to_verify_query()).all(),
                           form=VerifyPostForm())


@bp.post("/previous-posts/<int:post_id>/verify")
@login_required
def verify_previous_post(post_id: int):
    record = db.session.get(PriorEmployment, post_id)
    today = date.today()
    if record is None or not services.can_verify(current_user, record, today):
        abort(404)
    form = VerifyPostForm()
    if form.validate_on_submit():
        try:
            services.verify_prior_employment(record, by=current_user, note=form.note.data, today=today)
        except DomainError as error:
            db.session.rollback()
            form.note.errors.append(error.message)
        else:
            db.session.commit()
            flash(f"{record.employer_name} is verified for {record.user.display_name}; it now counts.", "info")
            return redirect(url_for("passport.previous_posts"))
    return render_template("passport/previous_posts.html", posts=db.session.scalars(_to_verify_query()).all(),
                           form=form, failed=record.id), 400

