"""Platform administrators grant and revoke platform roles; every change is audited.

Only platform administrators see these pages (403 for everyone else, organisation
administrators included); nobody changes their own platform roles here.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from competency.accounts.models import Organisation, User
from competency.accounts.services import find_user_by_email
from competency.blueprints.guards import get_or_404, require_allowed
from competency.blueprints.navigation import add_nav_item
from competency.blueprints.platform.forms import PLATFORM_OWNER, GrantForm
from competency.errors import DomainError
from competency.extensions import db
from competency.platform import services
from competency.platform.models import PLATFORM_ROLE_LABELS, SCOPED_BY_OWNER, PlatformGrant, PlatformRole
from competency.platform.policies import can_change_platform_roles, is_platform_admin

bp = Blueprint("platform", __name__, url_prefix="/platform")
add_nav_item("platform.index", "Platform", is_platform_admin, order=95)


def _form(formdata=None) -> GrantForm:
    form = GrantForm(formdata) if formdata is not None else GrantForm()
    organisations = db.session.scalars(sa.select(Organisation).order_by(Organisation.name)).all()
    form.owner.choices = [(PLATFORM_OWNER, "The platform's own frameworks"),
                          *[(str(o.id), o.name) for o in organisations]]
    form.region.choices = [(region, region) for region in services.known_regions()]
    return form


def _page(form: GrantForm, status: int = 200):
    grants = db.session.scalars(
        sa.select(PlatformGrant).join(PlatformGrant.user).order_by(PlatformGrant.role, User.display_name)).all()
    return render_template("platform/index.html", form=form, grants=grants, roles=list(PLATFORM_ROLE_LABELS.items())), status


@bp.get("/")
@login_required
def index():
    require_allowed(is_platform_admin(current_user))
    return _page(_form())


@bp.post("/grants")
@login_required
def grant_role():
    require_allowed(is_platform_admin(current_user))
    form = _form()
    status = 400
    if form.validate_on_submit():
        person = find_user_by_email(form.email.data)
        role = PlatformRole(form.role.data)
        owners = {value for value, _ in form.owner.choices}
        if person is None:
            form.email.errors.append("There is no account with this email address. Invite them to an organisation "
                                     "first.")
        elif role in SCOPED_BY_OWNER and form.owner.data not in owners:
            form.owner.errors.append("Choose whose frameworks they edit")
        else:
            owner = None
            if role in SCOPED_BY_OWNER and form.owner.data != PLATFORM_OWNER:
                owner = db.session.get(Organisation, int(form.owner.data))
            try:
                grant = services.grant_role(person, role, by=current_user, owner=owner, region=form.region.data)
            except DomainError as error:
                db.session.rollback()
                form[error.field if error.field in form else "email"].errors.append(error.message)
                status = error.status if error.status == 403 else 400
            else:
                db.session.commit()
                flash(f"{person.display_name} is now {grant.label.lower()} ({grant.scope_label}).", "info")
                return redirect(url_for("platform.index"))
    return _page(form, status)


@bp.post("/grants/<int:grant_id>/revoke")
@login_required
def revoke_grant(grant_id: int):
    require_allowed(is_platform_admin(current_user))
    grant = get_or_404(PlatformGrant, grant_id)
    person, label, scope = grant.user, grant.label, grant.scope_label
    require_allowed(can_change_platform_roles(current_user, person))  # never one's own
    services.revoke_grant(grant, by=current_user)
    db.session.commit()
    flash(f"{person.display_name} is no longer {label.lower()} ({scope}).", "info")
    return redirect(url_for("platform.index"))
