"""A milestone review page: a section per party, signing, and the check before a change voids a signature.

Saving goes through one POST with ``action``: ``save``, ``sign`` (save, then sign), or
``edit`` (back from the check page to the form, with what was typed). When a change would
stop someone else's signature standing, the page asks first and lists who will need to sign
again; the form values travel in hidden fields so nothing typed is lost either way.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competency.blueprints.guards import require_allowed
from competency.blueprints.programmes.blueprint import bp, field_error, load_enrolment, load_milestone
from competency.blueprints.programmes.forms import ReviewForm
from competency.db import utcnow
from competency.errors import DomainError
from competency.extensions import db
from competency.preceptorship import policies, queries, reviews
from competency.preceptorship.errors import ResignConfirmationNeeded
from competency.preceptorship.progress import progress_of
from competency.preceptorship.review_sections import SECTIONS, parties_of, readers_of
from competency.preceptorship.specs import EVIDENCE_KINDS

ACTIONS = ("save", "sign", "edit")


def _own_fields(item, parties: set[str]) -> list[str]:
    return [name for party in parties_of(item) if party in parties for name in SECTIONS[party].fields]


def _page(enrolment, item, form, *, status: int = 200):
    on = queries.today()
    progress = progress_of(enrolment, on, queries.enrolment_evidence_counts(enrolment))
    parties = policies.signing_parties(current_user, item)
    can_write = policies.can_write_review(current_user, item)
    return render_template("programmes/milestone.html", enrolment=enrolment, item=item, view=progress.view(item.code),
                           form=form, can_write=can_write, mine=parties, sections=SECTIONS,
                           section_parties=parties_of(item), evidence_kinds=EVIDENCE_KINDS,
                           readers={party: readers_of(item, party) for party in parties},
                           progress=progress), status


@bp.route("/enrolments/<int:enrolment_id>/milestones/<code>", methods=["GET", "POST"])
@login_required
def milestone(enrolment_id: int, code: str):
    enrolment = load_enrolment(enrolment_id, full=True)
    item = load_milestone(enrolment, code)
    if request.method == "GET":
        return _page(enrolment, item, ReviewForm(obj=item))
    require_allowed(policies.can_write_review(current_user, item))
    form = ReviewForm()
    action = request.form.get("action", "save")
    if action not in ACTIONS:
        action = "save"
    if not form.validate_on_submit():
        return _page(enrolment, item, form, status=400)
    if action == "edit":
        return _page(enrolment, item, form)
    parties = policies.signing_parties(current_user, item)
    values = {name: form[name].data for name in _own_fields(item, parties)}
    confirmed = set(request.form.getlist("confirm")) | (parties if action == "sign" else set())
    at = utcnow()
    try:
        saved = reviews.save_review(item, by=current_user, at=at, confirmed=confirmed, **values)
        signed = reviews.sign_milestone(item, by=current_user, at=at, on=queries.today()) if action == "sign" else []
    except ResignConfirmationNeeded as need:
        db.session.rollback()
        return render_template("programmes/review_confirm.html", enrolment=enrolment, item=item, form=form,
                               action=action, need=need, fields=list(values), mine=parties,
                               others=[name for party, name, _ in need.signatures if party not in parties],
                               label=enrolment.template_version.party_label)
    except DomainError as error:
        db.session.rollback()
        field_error(form, error, "reflection" if "preceptee" in parties else _own_fields(item, parties)[0])
        enrolment = load_enrolment(enrolment_id, full=True)
        return _page(enrolment, load_milestone(enrolment, code), form, status=400)
    message = reviews.describe_outcome(item, by=current_user, saved=saved, signed=signed)
    db.session.commit()
    flash(message, "info")
    return redirect(url_for("programmes.milestone", enrolment_id=enrolment.id, code=code))


@bp.post("/enrolments/<int:enrolment_id>/milestones/<code>/sign")
@login_required
def sign_milestone(enrolment_id: int, code: str):
    enrolment = load_enrolment(enrolment_id, full=True)
    item = load_milestone(enrolment, code)
    require_allowed(bool(policies.signing_parties(current_user, item)))
    try:
        signed = reviews.sign_milestone(item, by=current_user, at=utcnow(), on=queries.today())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        message = reviews.describe_outcome(item, by=current_user, signed=signed)
        db.session.commit()
        flash(message, "info")
    return redirect(url_for("programmes.milestone", enrolment_id=enrolment_id, code=code))
