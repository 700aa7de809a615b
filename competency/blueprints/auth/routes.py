"""Signing in and out, password reset, invitations and the profile page."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_limiter import RateLimitExceeded
from flask_login import current_user, login_required, login_user, logout_user

from competency.accounts import services, sessions
from competency.accounts.models import ApiToken
from competency.blueprints.auth.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    NewTokenForm,
    ProfileForm,
)
from competency.blueprints.auth.redirects import safe_next_path
from competency.blueprints.guards import get_or_404
from competency.errors import DomainError
from competency.extensions import db, limiter
from competency.reminders.dispatch import dispatch_outbox

bp = Blueprint("auth", __name__)

LOCKED_MESSAGE = ("Too many failed attempts to sign in to this account. "
                  "Wait 15 minutes and try again, or reset your password.")


def _account_key() -> str:
    return "login-account:" + request.form.get("email", "").strip().lower()


def _failed_login(response) -> bool:
    return response.status_code != 302


def _safe_next(target: str | None) -> str:
    """Only a path on this site (see :mod:`competency.blueprints.auth.redirects`), else home."""
    return safe_next_path(target) or url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_ATTEMPTS_PER_IP"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_FAILURES_PER_ACCOUNT"], key_func=_account_key,
               methods=["POST"], deduct_when=_failed_login)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        db.session.commit()
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        error = "The email address or password is not correct"
    status = 200 if request.method == "GET" else 400
    return render_template("auth/login.html", form=form, error=error), status


@bp.errorhandler(RateLimitExceeded)
def _too_many_attempts(error):
    form = LoginForm()
    return render_template("auth/login.html", form=form, error=LOCKED_MESSAGE), 429


@bp.post("/logout")
def logout():
    """Signing out ends every session of the account, so a copied cookie stops working too."""
    if current_user.is_authenticated:
        sessions.end_sessions(current_user, by=current_user, reason=sessions.SIGNED_OUT)
        db.session.commit()
    logout_user()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        dispatch_outbox()
        return render_template("auth/forgot_password_sent.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.valid_reset(token)
    except DomainError as error:
        return render_template("auth/link_invalid.html", message=error.message), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except DomainError as error:
            db.session.rollback()
            form.password.errors.append(error.message)
        else:
            db.session.commit()
            flash("Your password has been changed. Sign in with your new password.", "info")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    try:
        invitation = services.pending_invitation(token)
    except DomainError as error:
        return render_template("auth/link_invalid.html", message=error.message), 404
    existing = services.find_user_by_email(invitation.email)
    signed_in_as_invitee = existing is not None and current_user.is_authenticated and current_user.id == existing.id
    form = AcceptInvitationForm()
    if existing is not None:
        # The account keeps its name; its owner proves who they are unless already signed in as them.
        del form.display_name
        form.password.label.text = "Your password"
        form.password.description = f"The password you use to sign in as {existing.email}."
        if signed_in_as_invitee:
            del form.password
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(
                token,
                display_name=form.display_name.data if existing is None else existing.display_name,
                password=form.password.data if "password" in form else None,
                by=current_user if current_user.is_authenticated else None,
            )
        except DomainError as error:
            db.session.rollback()
            field = form[error.field] if error.field in form else None
            (field.errors if field is not None else form.form_errors).append(error.message)
        else:
            db.session.commit()
            login_user(user)
            flash(f"Welcome to {invitation.organisation.name}.", "info")
            return redirect(url_for("home.index"))
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation, existing=existing,
                           signed_in_as_invitee=signed_in_as_invitee)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        current_user.display_name = form.display_name.data.strip()
        current_user.profession = form.profession.data.strip() or None
        current_user.registration_body = form.registration_body.data.strip() or None
        current_user.registration_number = form.registration_number.data.strip() or None
        db.session.commit()
        flash("Your details have been saved.", "info")
        return redirect(url_for("auth.profile"))
    tokens = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template("auth/profile.html", form=form, token_form=NewTokenForm(), tokens=tokens)


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as error:
            db.session.rollback()
            form[error.field or "password"].errors.append(error.message)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # this session carries on in the new generation
            flash("Your password has been changed. You have been signed out everywhere else.", "info")
            return redirect(url_for("auth.profile"))
    return render_template("auth/change_password.html", form=form), 400 if form.errors else 200


@bp.post("/profile/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    sessions.end_sessions(current_user, by=current_user, reason=sessions.SIGNED_OUT_EVERYWHERE)
    db.session.commit()
    logout_user()
    flash("You have been signed out on every device. Sign in again to carry on.", "info")
    return redirect(url_for("auth.login"))


@bp.post("/profile/tokens")
@login_required
def create_token():
    form = NewTokenForm()
    if not form.validate_on_submit():
        flash(form.name.errors[0] if form.name.errors else "Give the token a name", "error")
        return redirect(url_for("auth.profile"))
    token, secret = services.create_api_token(current_user, form.name.data)
    db.session.commit()
    return render_template("auth/token_created.html", token=token, secret=secret)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = get_or_404(ApiToken, token_id)
    try:
        services.revoke_api_token(token, by=current_user)
    except DomainError:
        db.session.rollback()
        return render_template("errors/error.html", code=404, title="Page not found", body=""), 404
    db.session.commit()
    flash(f"The token '{token.name}' has been revoked.", "info")
    return redirect(url_for("auth.profile"))
