"""Administrators: the installation's trust list and each organisation's signing keys."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from competency.accounts.models import Organisation, Sector
from competency.blueprints.guards import get_or_404, require_visible
from competency.blueprints.passport.forms import TrustedIssuerForm
from competency.blueprints.passport.routes import bp
from competency.errors import DomainError
from competency.extensions import db
from competency.passport import keys, queries, verifying
from competency.passport.models import TrustedIssuer
from competency.passport.policies import can_manage_keys, can_manage_trust_list


def _require_trust_admin() -> None:
    if not can_manage_trust_list(current_user):
        abort(403)


def _trust_page(form: TrustedIssuerForm, status: int = 200):
    return render_template("passport/trust_list.html", form=form, entries=queries.trusted_issuers(),
                           own=verifying.own_issuers()), status


@bp.get("/trust-list")
@login_required
def trust_list():
    _require_trust_admin()
    return _trust_page(TrustedIssuerForm())


@bp.post("/trust-list")
@login_required
def add_trusted_issuer():
    _require_trust_admin()
    form = TrustedIssuerForm()
    if form.validate_on_submit():
        try:
            verifying.add_trusted_issuer(did=form.did.data, name=form.name.data, sector=Sector(form.sector.data),
                                         by=current_user)
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "did").errors.append(error.message)
        else:
            db.session.commit()
            flash(f"{form.name.data} was added to the trust list.", "info")
            return redirect(url_for("passport.trust_list"))
    return _trust_page(form, 400)


@bp.post("/trust-list/<int:entry_id>/remove")
@login_required
def remove_trusted_issuer(entry_id: int):
    _require_trust_admin()
    entry = get_or_404(TrustedIssuer, entry_id)
    name = entry.name
    verifying.remove_trusted_issuer(entry, by=current_user)
    db.session.commit()
    flash(f"{name} was removed from the trust list.", "info")
    return redirect(url_for("passport.trust_list"))


def _keyed_organisation(org_id: int) -> Organisation:
    organisation = get_or_404(Organisation, org_id)
    require_visible(can_manage_keys(current_user, organisation.id))
    return organisation


@bp.get("/organisations/<int:org_id>/keys")
@login_required
def organisation_keys(org_id: int):
    organisation = _keyed_organisation(org_id)
    page = db.paginate(queries.issued_credentials_query(organisation.id), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False)
    return render_template("passport/keys.html", organisation=organisation, keys=keys.all_keys(organisation.id),
                           did=keys.did_for(organisation), page=page)


@bp.post("/organisations/<int:org_id>/keys/rotate")
@login_required
def rotate_key(org_id: int):
    organisation = _keyed_organisation(org_id)
    keys.rotate_key(organisation, by=current_user)
    db.session.commit()
    flash("A new signing key is in use. The previous key stays published, so credentials it signed keep "
          "verifying.", "info")
    return redirect(url_for("passport.organisation_keys", org_id=organisation.id))
