"""Values and helpers every template can use."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, g, has_app_context, has_request_context, request
from flask_login import current_user

from competency.accounts import policies
from competency.accounts.models import Role
from competency.blueprints.navigation import visible_nav_items

LONDON = ZoneInfo("Europe/London")


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON)
    return f"{value.day} {value:%B %Y}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%B %Y at %H:%M}"


def level_name(code: str | None) -> str:
    """A level of practice by name ("Registered practitioner"), never its code; the names come from
    the published frameworks, read once per request."""
    if not code:
        return ""
    names = g.get("_level_names") if has_app_context() else None
    if names is None:
        import sqlalchemy as sa

        from competency.extensions import db
        from competency.frameworks.models import FrameworkVersion, Level, VersionStatus

        rows = db.session.execute(
            sa.select(Level.code, Level.name).join(FrameworkVersion, Level.version_id == FrameworkVersion.id)
            .where(FrameworkVersion.status.in_((VersionStatus.published, VersionStatus.retired)))
            .order_by(FrameworkVersion.id))
        names = {level_code: name for level_code, name in rows}  # the newest version's name wins
        if has_app_context():
            g._level_names = names
    return names.get(code) or code.replace("_", " ").capitalize()


def unread_notifications(user) -> int:
    from competency.reminders.queries import unread_count

    return unread_count(user.id)


def register_template_helpers(app: Flask) -> None:
    from competency.accounts.language import register_language

    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["level_name"] = level_name
    from competency.blueprints.form_fields import field_kind

    app.jinja_env.globals["field_kind"] = field_kind
    register_language(app)  # the "served" filter: each organisation's word for the people it serves

    @app.context_processor
    def _globals():
        nav = []
        unread = 0
        # E-mails are rendered outside any request too (services called by workers and the CLI).
        if has_request_context() and current_user and current_user.is_authenticated:
            nav = [
                {"href": _url(item.endpoint), "label": item.label,
                 "current": request.endpoint == item.endpoint}
                for item in visible_nav_items(current_user)
            ]
            unread = unread_notifications(current_user)
        endpoints = set(app.view_functions)
        return {"nav_items": nav, "unread_count": unread, "policies": policies, "Role": Role,
                "url_map_endpoints": endpoints}


def _url(endpoint: str) -> str:
    from flask import url_for

    return url_for(endpoint)
