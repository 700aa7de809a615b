"""My progression, the lead's list of people on pathways, confirmations, panels and the next step."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competency.accounts.models import Membership, Organisation, User
from competency.blueprints.guards import get_or_404, require_allowed
from competency.blueprints.progression import apprenticeship_routes  # noqa: F401  (registers its views)
from competency.blueprints.progression.blueprint import (
    bp,
    capability_links,
    criterion_links,
    load_record,
    managed_record,
    today,
)
from competency.blueprints.progression.forms import ConfirmForm, EnrolForm, OutcomeForm, PanelForm, TargetForm
from competency.errors import DomainError
from competency.extensions import db
from competency.progression import policies, queries, services
from competency.progression.catalogue import catalogue
from competency.progression.models import Panel, PanelOutcome, ProgressionRecord
from competency.progression.specs import StageKind
from competency.reminders.dispatch import dispatch_outbox
from competency.routing import db_int

__all__ = ["bp"]


def _helpers() -> dict:
    return {"criterion_links": criterion_links, "capability_links": capability_links}


@bp.get("/")
@login_required
def my_progression():
    records = queries.records_for_user(current_user.id)
    return render_template("progression/mine.html", progress=queries.progress_for(records, today()),
                           pathways=catalogue().latest(), is_lead=policies.can_see_people_list(current_user),
                           **_helpers())


@bp.get("/people")
@login_required
def list_people():
    org_ids = policies.lead_org_ids(current_user)
    require_allowed(bool(org_ids))
    query = queries.people_on_pathways_query(org_ids)
    person_id = request.args.get("person", type=db_int)
    if person_id:
        query = query.where(ProgressionRecord.user_id == person_id)
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("progression/people.html", page=page, progress=queries.progress_for(page.items, today()),
                           person_id=person_id)


def _candidates(org_ids: set[int]) -> list[tuple[str, str]]:
    rows = db.session.execute(
        db.select(User.id, User.display_name, Organisation.id, Organisation.name)
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.organisation_id.in_(org_ids), Membership.is_active.is_(True),
               User.id != current_user.id)
        .distinct().order_by(User.display_name, Organisation.name))
    multiple = len(org_ids) > 1
    return [(f"{org_id}:{user_id}", f"{name} ({org_name})" if multiple else name)
            for user_id, name, org_id, org_name in rows]


@bp.route("/records/new", methods=["GET", "POST"])
@login_required
def new_record():
    org_ids = policies.lead_org_ids(current_user)
    require_allowed(bool(org_ids))
    slug = request.values.get("pathway")
    if not slug:
        return render_template("progression/choose_pathway.html", pathways=catalogue().latest())
    try:
        pathway = catalogue().get(slug)
    except DomainError:
        abort(404)
    form = EnrolForm()
    form.person.choices = [("", "Choose a person")] + _candidates(org_ids)
    starts = [s for s in pathway.stages if s.kind is StageKind.role and pathway.steps_from(s.code)]
    form.stage_code.choices = [(s.code, s.name) for s in starts]
    targets = [s for s in pathway.stages if s.kind is not StageKind.role or any(
        step.to_stage == s.code for step in pathway.steps)]
    form.target_stage_code.choices = [("", "The next required stage")] + [(s.code, s.name) for s in targets]
    if form.validate_on_submit():
        org_id, _, user_id = form.person.data.partition(":")
        organisation = db.session.get(Organisation, int(org_id)) if org_id.isdigit() else None
        person = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        if organisation is None or person is None or organisation.id not in org_ids:
            form.person.errors.append("Choose a person from your organisation")
        else:
            try:
                record = services.enrol(person, organisation, pathway_slug=pathway.slug,
                                        stage_code=form.stage_code.data,
                                        target_stage_code=form.target_stage_code.data or None,
                                        by=current_user, today=today())
            except DomainError as error:
                db.session.rollback()
                getattr(form, error.field or "person").errors.append(error.message)
            else:
                db.session.commit()
                dispatch_outbox()
                flash(f"{person.display_name} is on the pathway.", "success")
                return redirect(url_for("progression.show_record", record_id=record.id))
    status = 400 if form.errors else 200
    return render_template("progression/new_record.html", form=form, pathway=pathway), status


def _render_record(record, *, status: int = 200, panel_form=None, target_form=None, errors=None):
    progress = queries.progress_of(record, today())
    can_manage = policies.can_manage_record(current_user, record)
    if target_form is None and can_manage and progress.step is not None:
        target_form = TargetForm(target_stage_code=record.target_stage_code)
    if target_form is not None:
        target_form.target_stage_code.choices = [
            (s.to_stage, progress.pathway.stage(s.to_stage).name) for s in progress.pathway.steps_from(record.stage_code)]
    return render_template(
        "progression/record.html", p=progress, record=record, can_manage=can_manage,
        is_own=record.user_id == current_user.id, panel_form=panel_form or PanelForm(),
        confirm_form=ConfirmForm(), target_form=target_form, errors=errors or [], **_helpers()), status


@bp.get("/records/<int:record_id>")
@login_required
def show_record(record_id: int):
    return _render_record(load_record(record_id))


def _act(record, action, done: str):
    """Call one service; commit and redirect, or roll back and show the message on the record page."""
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        return _render_record(record, status=error.status if error.status in (403, 409) else 400,
                              errors=[error.message])
    db.session.commit()
    dispatch_outbox()
    flash(done, "success")
    return redirect(url_for("progression.show_record", record_id=record.id))


@bp.post("/records/<int:record_id>/confirmations/<criterion_code>")
@login_required
def confirm_item(record_id: int, criterion_code: str):
    record = managed_record(record_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _render_record(record, status=400, errors=[m for ms in form.errors.values() for m in ms])
    return _act(record, lambda: services.confirm_item(record, criterion_code, note=form.note.data or "",
                                                      by=current_user), "Checklist item confirmed.")


@bp.post("/records/<int:record_id>/target")
@login_required
def change_target(record_id: int):
    record = managed_record(record_id)
    form = TargetForm()
    form.target_stage_code.choices = [(s.to_stage, s.to_stage) for s in
                                      catalogue().get(record.pathway_slug, record.pathway_version).steps_from(record.stage_code)]
    if not form.validate_on_submit():
        return _render_record(record, status=400, target_form=form)
    return _act(record, lambda: services.change_target(record, form.target_stage_code.data, by=current_user),
                "The next step is changed.")


@bp.post("/records/<int:record_id>/panels")
@login_required
def schedule_panel(record_id: int):
    record = managed_record(record_id)
    form = PanelForm()
    if not form.validate_on_submit():
        return _render_record(record, status=400, panel_form=form)
    try:
        services.schedule_panel(record, scheduled_on=form.scheduled_on.data, members=form.members.data.splitlines(),
                                by=current_user, today=today())
    except DomainError as error:
        db.session.rollback()
        getattr(form, error.field or "scheduled_on").errors.append(error.message)
        return _render_record(record, status=409 if error.status == 409 else 400, panel_form=form)
    db.session.commit()
    dispatch_outbox()
    flash("Panel scheduled.", "success")
    return redirect(url_for("progression.show_record", record_id=record.id))


@bp.route("/panels/<int:panel_id>", methods=["GET", "POST"])
@login_required
def record_outcome(panel_id: int):
    panel = get_or_404(Panel, panel_id)
    record = load_record(panel.record_id)
    require_allowed(policies.can_manage_record(current_user, record))
    form = OutcomeForm()
    if form.validate_on_submit():
        try:
            services.record_panel_outcome(panel, outcome=PanelOutcome(form.outcome.data), actions=form.actions.data,
                                          notes=form.notes.data, by=current_user, today=today())
        except DomainError as error:
            db.session.rollback()
            getattr(form, error.field or "outcome").errors.append(error.message)
        else:
            db.session.commit()
            dispatch_outbox()
            flash("Panel outcome recorded.", "success")
            return redirect(url_for("progression.show_record", record_id=record.id))
    status = 400 if form.errors else 200
    pathway = catalogue().get(record.pathway_slug, record.pathway_version)
    return render_template("progression/panel.html", panel=panel, record=record, form=form,
                           step=pathway.step(panel.step_code)), status


@bp.post("/records/<int:record_id>/advance")
@login_required
def advance_stage(record_id: int):
    record = managed_record(record_id)
    return _act(record, lambda: services.advance_stage(record, by=current_user, today=today()),
                "The next step has started.")
