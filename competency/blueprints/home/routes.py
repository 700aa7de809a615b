"""Home page ("What needs you"), notifications, health check and the design system's static assets."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_from_directory, url_for
from flask_login import current_user, login_required

from competency.accounts.policies import active_memberships
from competency.blueprints.home import waiting
from competency.blueprints.home.forms import NotificationPreferencesForm
from competency.blueprints.navigation import visible_nav_items
from competency.db import utcnow
from competency.errors import DomainError
from competency.extensions import csrf, db
from competency.preceptorship.queries import today
from competency.reminders.models import Notification
from competency.reminders.notices import KIND_TAGS
from competency.reminders.preferences import EmailMode, preferences_of, set_preferences
from competency.reminders.queries import notifications_for

bp = Blueprint("home", __name__)

VENDOR_ASSETS = Path(__file__).resolve().parents[2] / "static" / "vendor" / "nhsuk" / "assets"


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("home/landing.html")
    return render_template(
        "home/index.html",
        memberships=active_memberships(current_user),
        areas=visible_nav_items(current_user),
        sections=waiting.sections_for(current_user),
        checklist=waiting.checklist(current_user, today()),
    )


@bp.get("/notifications")
@login_required
def notifications():
    items = db.paginate(notifications_for(current_user.id), per_page=current_app.config["PAGE_SIZE"],
                        error_out=False)
    tags = {kind.value: label for kind, label in KIND_TAGS.items()}
    return render_template("home/notifications.html", page=items, tags=tags)


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@login_required
def notification_preferences():
    current = preferences_of(current_user)
    form = NotificationPreferencesForm(
        data={"email_mode": current.email_mode.value, "muted": sorted(current.muted)})
    if form.validate_on_submit():
        try:
            set_preferences(current_user, email_mode=EmailMode(form.email_mode.data),
                            muted=set(form.muted.data or []), by=current_user)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
        else:
            db.session.commit()
            flash("Your notification settings are saved.", "success")
            return redirect(url_for("home.notification_preferences"))
    status = 400 if form.errors else 200
    return render_template("home/notification_preferences.html", form=form), status


def _local_path(link: str | None) -> str | None:
    """Notification links are site paths; anything else (a scheme, another host) is not followed."""
    if not link or not link.startswith("/") or link.startswith("//") or "\\" in link:
        return None
    return link


@bp.get("/notifications/<int:notification_id>")
@login_required
def open_notification(notification_id: int):
    """Opening a notification marks it read and goes where it points.

    A GET, because it is a link: it changes only the reader's own read mark, which is
    idempotent and harmless if triggered from elsewhere.
    """
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()
    return redirect(_local_path(note.link) or url_for("home.notifications"))


@bp.post("/notifications/read")
@login_required
def mark_notifications_read():
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return redirect(url_for("home.notifications"))


@bp.get("/healthz")
@csrf.exempt
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return {"status": "degraded", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


@bp.get("/assets/<path:filename>")
def design_system_asset(filename: str):
    """The NHS.UK stylesheet refers to its images at /assets/."""
    return send_from_directory(VENDOR_ASSETS, filename, max_age=86400)
