"""Reports: the organisation dashboard for leads and the suppressed system view for analysts."""
from __future__ import annotations

from datetime import timedelta

from flask import (Blueprint, Response, abort, current_app, get_template_attribute, redirect, render_template, request,
                   url_for)
from flask_login import current_user, login_required

from competency.blueprints.navigation import add_nav_item
from competency.db import utcnow
from competency.preceptorship.queries import today
from competency.extensions import db
from competency.reporting import dashboard, policies, snapshots, system
from competency.reporting.dashboard import Scope
from competency.reporting.queries import organisations
from competency.reporting.tables import show, to_csv
from competency.routing import db_int

bp = Blueprint("reports", __name__, url_prefix="/reports")
add_nav_item("reports.index", "Reports", policies.can_view_reports, order=80)


@bp.app_template_filter("report_cell")
def report_cell(value) -> str:
    return show(value)


@bp.get("/")
@login_required
def index():
    lead, analyst = policies.can_view_dashboard(current_user), policies.can_view_system(current_user)
    if lead and not analyst:
        return redirect(url_for("reports.organisation"))
    if analyst and not lead:
        return redirect(url_for("reports.system_view"))
    if not lead:
        abort(403)
    return render_template("reports/index.html")


def _dashboard_scope() -> Scope:
    """The organisations the caller leads, or the one asked for with ``?organisation=``."""
    allowed = policies.dashboard_org_ids(current_user)
    if not allowed:
        abort(403)
    wanted = request.args.get("organisation", type=db_int)
    if wanted is not None:
        if wanted not in allowed:
            abort(404)
        allowed = {wanted}
    return Scope(organisations(allowed), today(), utcnow())


def _system_scope() -> Scope:
    if not policies.can_view_system(current_user):
        abort(403)
    return Scope(organisations(policies.region_org_ids(current_user)), today(), utcnow())


def _max_age() -> timedelta:
    return timedelta(seconds=current_app.config["REPORT_SNAPSHOT_MAX_AGE_SECONDS"])


def _page(view: str, scope: Scope, builders: snapshots.Builders, csv_endpoint: str,
          csv_args: dict) -> snapshots.Page:
    """Every section rendered, from its snapshot (built, rendered and stored here where missing or too old)."""
    macro = get_template_attribute("reports/_sections.html", "report_section")
    variant = ",".join(f"{k}={v}" for k, v in sorted(csv_args.items()))
    result = snapshots.page(view, scope, builders, lambda section: str(macro(section, csv_endpoint, csv_args)),
                            max_age=_max_age(), variant=variant)
    db.session.commit()
    return result


def _report(view: str, scope: Scope, builders: snapshots.Builders, keys=None) -> snapshots.Report:
    """The sections from their snapshots (built and stored here where missing or too old)."""
    result = snapshots.report(view, scope, builders, max_age=_max_age(), keys=keys)
    db.session.commit()
    return result


def _table(view: str, scope: Scope, builders: snapshots.Builders, sections: dict[str, str], table_key: str):
    """One table for its CSV download: the same figures as the page shows."""
    section_key = sections.get(table_key.split("-")[0])
    if section_key not in builders:
        return None
    return _report(view, scope, builders, [section_key]).sections[0].table(table_key)


def _csv(table, filename: str) -> Response:
    if table is None:
        abort(404)
    response = Response(to_csv(table), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


@bp.get("/organisation")
@login_required
def organisation():
    scope = _dashboard_scope()
    led = organisations(policies.dashboard_org_ids(current_user))
    selected = request.args.get("organisation", type=db_int)
    result = _page("organisation", scope, dashboard.SECTIONS, "reports.organisation_csv",
                   {"organisation": selected} if selected else {})
    return render_template("reports/organisation.html", scope=scope, sections=result.sections, led=led,
                           computed_at=result.computed_at, selected=selected)


@bp.get("/organisation/<table_key>.csv")
@login_required
def organisation_csv(table_key: str):
    scope = _dashboard_scope()
    table = _table("organisation", scope, dashboard.SECTIONS, dashboard.TABLE_SECTIONS, table_key)
    return _csv(table, f"{table_key}-{scope.on.isoformat()}")


@bp.get("/system")
@login_required
def system_view():
    scope = _system_scope()
    result = _page("system", scope, system.SECTIONS, "reports.system_csv", {})
    return render_template("reports/system.html", scope=scope, sections=result.sections,
                           computed_at=result.computed_at)


@bp.get("/system/<table_key>.csv")
@login_required
def system_csv(table_key: str):
    scope = _system_scope()
    table = _table("system", scope, system.SECTIONS, dashboard.TABLE_SECTIONS, table_key)
    return _csv(table, f"region-{table_key}-{scope.on.isoformat()}")
