"""Reports: the organisation dashboard for leads and the suppressed system view for analysts."""
from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competency.blueprints.navigation import add_nav_item
from competency.db import utcnow
from competency.preceptorship.queries import today
from competency.reporting import dashboard, policies, system
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
    return render_template("reports/organisation.html", scope=scope, sections=dashboard.build(scope), led=led,
                           selected=request.args.get("organisation", type=db_int))


@bp.get("/organisation/<table_key>.csv")
@login_required
def organisation_csv(table_key: str):
    scope = _dashboard_scope()
    return _csv(dashboard.find_table(scope, table_key), f"{table_key}-{scope.on.isoformat()}")


@bp.get("/system")
@login_required
def system_view():
    scope = _system_scope()
    return render_template("reports/system.html", scope=scope, sections=system.build(scope))


@bp.get("/system/<table_key>.csv")
@login_required
def system_csv(table_key: str):
    scope = _system_scope()
    return _csv(system.find_table(scope, table_key), f"region-{table_key}-{scope.on.isoformat()}")
