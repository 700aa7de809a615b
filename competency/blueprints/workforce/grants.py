"""Grants of assessing and precepting rights: the granting organisation's page, new grants, revoking."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competency.accounts.models import Membership, Organisation, OrgKind, Role, User
from competency.accounts.policies import has_any_role
from competency.accounts.services import find_user_by_email
from competency.blueprints.guards import require_allowed
from competency.blueprints.navigation import add_nav_item
from competency.blueprints.workforce.forms import GrantForm, ReasonForm
from competency.errors import DomainError
from competency.extensions import db
from competency.grants import queries, services
from competency.grants.models import GrantKind
from competency.grants.policies import can_manage_grants, can_revoke_grant
from competency.grants.scope import scope_summary
from competency.grants.standing import uk_today
from competency.reminders.dispatch import dispatch_outbox
from competency.signoff.capabilities import capabilities_by_uuid, current_framework_version, version_contents

bp = Blueprint("grants", __name__, url_prefix="/grants")
add_nav_item("grants.index", "Assessors and placements", lambda user: has_any_role(user, Role.lead, Role.admin),
             order=60)


def _managed(organisation_id: int | None) -> tuple[list[Organisation], Organisation | None]:
    organisations = queries.managed_organisations(current_user)
    if organisation_id is None:
        return organisations, organisations[0] if len(organisations) == 1 else None
    chosen = next((o for o in organisations if o.id == organisation_id), None)
    if chosen is None:
        abort(404)
    return organisations, chosen


def _scope_names(grants) -> dict[str, str]:
    """Words for the codes, identifiers and people the grants name (one statement each)."""
    names: dict[str, str] = {}
    version = current_framework_version()
    if version is not None:
        pillars, levels, _ = version_contents(version)
        names.update({p.code: p.name for p in pillars})
        names.update({lv.code: lv.name for lv in levels})
    uuids = {u for g in grants for u in g.capability_uuids}
    names.update({u: c.code for u, c in capabilities_by_uuid(uuids).items()})
    people = {i for g in grants for i in g.person_ids}
    if people:
        for user_id, name in db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(people))):
            names[f"person:{user_id}"] = name
    return names


@bp.get("/")
@login_required
def index():
    organisations, organisation = _managed(request.args.get("organisation_id", type=int))
    page = regional = None
    if organisation is not None:
        page = db.paginate(queries.grants_made_by_query(organisation.id), per_page=current_app.config["PAGE_SIZE"],
                           error_out=False)
        regional = queries.regional_grants_for(organisation, uk_today())
    held = db.session.scalars(queries.grants_held_query(current_user.id).limit(50)).all()
    shown = [*(page.items if page else []), *(regional or []), *held]
    return render_template("workforce/grants.html", organisations=organisations, organisation=organisation,
                           page=page, regional=regional or [], held=held, names=_scope_names(shown),
                           scope_summary=scope_summary, on=uk_today(),
                           can_manage=organisation is not None and can_manage_grants(current_user, organisation))


def _form_choices(form: GrantForm, organisation: Organisation) -> None:
    form.grantee_organisation_id.choices = [(0, "Choose an organisation")] + [
        (o.id, o.name) for o in db.session.scalars(
            sa.select(Organisation).where(Organisation.kind != OrgKind.regional_body).order_by(Organisation.name))]
    version = current_framework_version()
    pillars, levels, _ = version_contents(version) if version else ([], [], [])
    form.pillar_codes.choices = [(p.code, p.name) for p in pillars]
    form.level_codes.choices = [(lv.code, lv.name) for lv in levels]
    if organisation.kind == OrgKind.regional_body:
        form.person_ids.choices = []
    else:
        practitioners = sa.select(Membership.user_id).where(
            Membership.organisation_id == organisation.id, Membership.role == Role.practitioner,
            Membership.is_active.is_(True))
        form.person_ids.choices = [(u.id, u.display_name) for u in db.session.scalars(
            sa.select(User).where(User.id.in_(practitioners), User.is_active_account.is_(True))
            .order_by(User.display_name, User.id))]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_grant():
    organisations, organisation = _managed(request.args.get("organisation_id", type=int))
    require_allowed(bool(organisations))
    if organisation is None:
        return render_template("workforce/choose_organisation.html", organisations=organisations,
                               endpoint="grants.new_grant", title="Grant assessing or precepting rights")
    form = GrantForm()
    _form_choices(form, organisation)
    today = uk_today()
    if request.method == "GET":
        form.starts_on.data = today
        form.kind.data = GrantKind.assessor.value
    if form.validate_on_submit():
        grantee = find_user_by_email(form.email.data)
        grantee_organisation = db.session.get(Organisation, form.grantee_organisation_id.data)
        try:
            if grantee is None or grantee_organisation is None:
                raise services.GrantError("No active account with that e-mail address belongs to "
                                          f"{grantee_organisation.name if grantee_organisation else 'that organisation'}.",
                                          field="email")
            grant = services.create_grant(
                kind=GrantKind(form.kind.data), granting=organisation, grantee=grantee,
                grantee_organisation=grantee_organisation, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                reason=form.reason.data, by=current_user, on=today, pillar_codes=form.pillar_codes.data or [],
                level_codes=form.level_codes.data or [],
                capability_codes=(form.capability_codes.data or "").replace(";", ",").split(","),
                person_ids=form.person_ids.data or [], training_course=form.training_course.data,
                training_completed_on=form.training_completed_on.data)
        except DomainError as error:
            db.session.rollback()
            target = getattr(form, error.field or "", None) or form.email
            target.errors = [*target.errors, error.message]
        else:
            db.session.commit()
            dispatch_outbox()
            flash(f"{grantee.display_name} can now {'precept' if grant.kind == GrantKind.preceptor else 'assess'} "
                  f"{organisation.name}'s people from {grant.starts_on:%d %B %Y}.", "info")
            return redirect(url_for("grants.show_grant", grant_id=grant.id))
    return render_template("workforce/new_grant.html", form=form, organisation=organisation,
                           is_regional=organisation.kind == OrgKind.regional_body,
                           many_organisations=len(organisations) > 1), 400 if form.errors else 200


def _visible_grant(grant_id: int):
    grant = queries.grant_for(current_user, grant_id)
    if grant is None:
        abort(404)
    return grant


def _render_grant(grant, form: ReasonForm | None = None, status: int = 200):
    if form is None and can_revoke_grant(current_user, grant):
        form = ReasonForm()
    return render_template("workforce/grant.html", grant=grant, form=form, on=uk_today(),
                           lines=scope_summary(grant, _scope_names([grant]))), status


@bp.get("/<int:grant_id>")
@login_required
def show_grant(grant_id: int):
    return _render_grant(_visible_grant(grant_id))


@bp.post("/<int:grant_id>/revoke")
@login_required
def revoke_grant(grant_id: int):
    grant = _visible_grant(grant_id)
    require_allowed(can_manage_grants(current_user, grant.granting_organisation_id))
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.revoke_grant(grant, reason=form.reason.data, by=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            dispatch_outbox()
            flash(f"{grant.grantee.display_name}'s grant has been revoked.", "info")
        return redirect(url_for("grants.show_grant", grant_id=grant_id))
    return _render_grant(grant, form, 400)
