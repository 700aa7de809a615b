"""Organisation administration: invitations, roles, employment, deactivation."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from competency.accounts import organisation_settings, queries, services
from competency.accounts.models import Organisation, Role
from competency.accounts.policies import can_admin, has_any_role
from competency.blueprints.admin.forms import EmploymentForm, InviteForm, RolesForm
from competency.blueprints.admin.settings_forms import OrganisationSettingsForm
from competency.blueprints.guards import get_or_404, require_visible
from competency.blueprints.navigation import add_nav_item
from competency.errors import DomainError
from competency.extensions import db
from competency.frameworks.models import CrosswalkScheme
from competency.reminders.dispatch import dispatch_outbox

bp = Blueprint("admin", __name__, url_prefix="/admin")
add_nav_item("admin.index", "Admin", lambda user: has_any_role(user, Role.admin), order=90)


def _administered(org_id: int) -> Organisation:
    organisation = get_or_404(Organisation, org_id)
    require_visible(can_admin(current_user, organisation))
    return organisation


def _member(organisation: Organisation, user_id: int):
    person = queries.member_of(organisation, user_id)
    if person is None:
        abort(404)
    return person


@bp.get("/")
@login_required
def index():
    organisations = queries.organisations_administered(current_user)
    if not organisations:
        abort(403)
    if len(organisations) == 1:
        return redirect(url_for("admin.organisation", org_id=organisations[0].id))
    return render_template("admin/index.html", organisations=organisations)


@bp.get("/organisations/<int:org_id>")
@login_required
def organisation(org_id: int):
    organisation = _administered(org_id)
    page = db.paginate(queries.members_query(organisation), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("admin/organisation.html", organisation=organisation, page=page, form=InviteForm())


@bp.post("/organisations/<int:org_id>/invitations")
@login_required
def invite(org_id: int):
    organisation = _administered(org_id)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            services.invite(organisation, form.email.data, {Role(r) for r in form.roles.data}, by=current_user)
        except DomainError as error:
            db.session.rollback()
            form.roles.errors.append(error.message)
        else:
            db.session.commit()
            dispatch_outbox()
            flash(f"Invitation sent to {form.email.data}.", "info")
            return redirect(url_for("admin.organisation", org_id=org_id))
    page = db.paginate(queries.members_query(organisation), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("admin/organisation.html", organisation=organisation, page=page, form=form), 400


@bp.route("/organisations/<int:org_id>/settings", methods=["GET", "POST"])
@login_required
def edit_settings(org_id: int):
    """The organisation's words: the people served, role titles and grades (with what the crosswalk makes of them)."""
    organisation = _administered(org_id)
    saved = organisation_settings.current_words(organisation)
    form = OrganisationSettingsForm()
    if request.method == "GET":
        form.show(saved)
        form.based_on.data = organisation_settings.fingerprint(saved)
    elif form.validate_on_submit():
        try:
            result = organisation_settings.save_local_words(
                organisation, people_served=form.word, people_served_plural=form.people_served_plural.data,
                role_titles=form.role_titles.data or "", grades=form.grades.data or "",
                based_on=form.based_on.data, by=current_user)
        except organisation_settings.StaleSettings as stale:
            db.session.rollback()
            # What the person typed stays in the form; it now answers to the settings saved meanwhile.
            form.based_on.data = organisation_settings.fingerprint(stale.current)
            return _settings_page(organisation, form, stale.current, conflict=stale), 409
        except organisation_settings.SettingsInvalid as invalid:
            db.session.rollback()
            form.add_problems(invalid.problems)
        else:
            db.session.commit()
            flash("Organisation settings saved." if result.changed else "Organisation settings saved: nothing changed.",
                  "info")
            for note in result.notes:
                flash(note, "warning")
            return redirect(url_for("admin.edit_settings", org_id=org_id))
    status = 400 if form.errors else 200
    return _settings_page(organisation, form, saved), status


def _settings_page(organisation: Organisation, form: OrganisationSettingsForm, saved, conflict=None):
    from competency.accounts.language import DEFAULT_SINGULAR, plural_of
    from competency.frameworks.vocabulary import organisation_vocabulary

    return render_template("admin/settings.html", organisation=organisation, form=form, saved=saved,
                           conflict=conflict, vocabulary=organisation_vocabulary(organisation, _crosswalks()),
                           usual_plural=plural_of(form.word.strip() or saved.people_served or DEFAULT_SINGULAR))


@bp.route("/organisations/<int:org_id>/people/<int:user_id>", methods=["GET", "POST"])
@login_required
def person(org_id: int, user_id: int):
    organisation = _administered(org_id)
    person = _member(organisation, user_id)
    roles_form = RolesForm(roles=[m.role.value for m in person.memberships
                                  if m.organisation_id == org_id and m.is_active])
    if roles_form.validate_on_submit():
        try:
            services.set_roles(person, organisation, {Role(r) for r in roles_form.roles.data}, by=current_user)
        except DomainError as error:
            db.session.rollback()
            roles_form.roles.errors.append(error.message)
        else:
            db.session.commit()
            flash("Roles updated.", "info")
            return redirect(url_for("admin.person", org_id=org_id, user_id=user_id))
    status = 400 if roles_form.errors else 200
    return render_template("admin/person.html", organisation=organisation, person=person,
                           roles_form=roles_form, employment_form=EmploymentForm(), **_local_words(organisation)), status


@bp.post("/organisations/<int:org_id>/people/<int:user_id>/employments")
@login_required
def add_employment(org_id: int, user_id: int):
    organisation = _administered(org_id)
    person = _member(organisation, user_id)
    form = EmploymentForm()
    if form.validate_on_submit():
        try:
            employment = services.add_employment(
                person, organisation, role_title=form.role_title.data, level_code=form.level_code.data,
                band_label=form.band_label.data or None, start_on=form.start_on.data, end_on=form.end_on.data,
                fte=float(form.fte.data), by=current_user, service_name=form.service_name.data,
                is_ahp_service={"yes": True, "no": False}.get(form.is_ahp_service.data),
            )
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "role_title").errors.append(error.message)
        else:
            db.session.commit()
            flash("Employment added.", "info")
            warning = _crosswalk_warning(organisation, employment)
            if warning:
                flash(warning, "warning")
            return redirect(url_for("admin.person", org_id=org_id, user_id=user_id))
    roles_form = RolesForm(roles=[m.role.value for m in person.memberships
                                  if m.organisation_id == org_id and m.is_active])
    return render_template("admin/person.html", organisation=organisation, person=person,
                           roles_form=roles_form, employment_form=form, **_local_words(organisation)), 400


def _crosswalks():
    from competency.frameworks.models import Crosswalk

    return db.session.scalars(sa.select(Crosswalk).options(
        selectinload(Crosswalk.schemes).selectinload(CrosswalkScheme.entries))).all()


def _local_words(organisation: Organisation) -> dict:
    """The organisation's own titles and grades, each with the level the crosswalk gives it (for hints)."""
    from competency.blueprints.admin.forms import LEVEL_CHOICES
    from competency.frameworks.vocabulary import organisation_vocabulary

    names = dict(LEVEL_CHOICES)
    lines = organisation_vocabulary(organisation, _crosswalks())

    def hint(kind: str) -> str | None:
        words = [f"{line.label} ({' or '.join(names.get(l, l) for l in line.levels) or 'not in the crosswalk'})"
                 for line in lines if line.kind == kind]
        return f"{organisation.name} uses: " + "; ".join(words) + "." if words else None

    return {"title_hint": hint("Role title"), "grade_hint": hint("Grade or band")}


def _crosswalk_warning(organisation: Organisation, employment) -> str | None:
    from competency.blueprints.admin.forms import LEVEL_CHOICES
    from competency.frameworks.vocabulary import level_mismatch

    return level_mismatch(organisation, role_title=employment.role_title, band_label=employment.band_label,
                          level_code=employment.level_code, crosswalks=_crosswalks(), level_names=dict(LEVEL_CHOICES))


@bp.post("/organisations/<int:org_id>/people/<int:user_id>/active")
@login_required
def toggle_active(org_id: int, user_id: int):
    organisation = _administered(org_id)
    person = _member(organisation, user_id)
    is_active = not any(m.is_active for m in person.memberships if m.organisation_id == org_id)
    try:
        services.set_active(person, organisation, is_active=is_active, by=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"{person.display_name} has been {'reactivated' if is_active else 'deactivated'}.", "info")
    return redirect(url_for("admin.person", org_id=org_id, user_id=user_id))


@bp.post("/organisations/<int:org_id>/people/<int:user_id>/sign-out")
@login_required
def sign_out_everywhere(org_id: int, user_id: int):
    organisation = _administered(org_id)
    person = _member(organisation, user_id)
    services.sign_out_everywhere(person, organisation, by=current_user)
    db.session.commit()
    flash(f"{person.display_name} has been signed out everywhere.", "info")
    return redirect(url_for("admin.person", org_id=org_id, user_id=user_id))
