"""Lists of programmes: mine, my preceptees, the lead's cohort (with CSV), and enrolling someone."""
from __future__ import annotations

import csv
import io

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competency.accounts.models import Organisation, Role, User
from competency.accounts.policies import org_ids_with_role
from competency.blueprints.guards import require_allowed
from competency.blueprints.programmes.blueprint import bp, field_error
from competency.blueprints.programmes.forms import CohortFilterForm, EnrolForm
from competency.errors import DomainError
from competency.extensions import db
from competency.preceptors.queries import preceptor_candidates
from competency.preceptorship import catalogue, policies, queries, services
from competency.preceptorship.enrolment_preview import preview_enrolment
from competency.preceptorship.models import ProgrammeTemplate
from competency.preceptorship.progress import needs_from, next_open_milestone, progress_of
from competency.routing import db_int

import sqlalchemy as sa


@bp.get("/")
@login_required
def index():
    enrolments = queries.my_enrolments(current_user)
    on = queries.today()
    return render_template("programmes/index.html", on=on,
                           rows=[(e, progress_of(e, on)) for e in enrolments],
                           completions=queries.completions_for(current_user.id),
                           is_preceptor=policies.is_preceptor_anywhere(current_user),
                           is_lead=policies.can_view_cohort(current_user))


@bp.get("/preceptees")
@login_required
def preceptees():
    require_allowed(policies.is_preceptor_anywhere(current_user))
    on = queries.today()
    rows = []
    for enrolment in queries.preceptee_enrolments(current_user):
        progress = progress_of(enrolment, on)
        rows.append((enrolment, progress, needs_from(progress, current_user.id)))
    return render_template("programmes/preceptees.html", rows=rows, on=on)


def _cohort_filters(form: CohortFilterForm) -> queries.CohortFilters:
    lead_orgs = org_ids_with_role(current_user, Role.lead)
    organisations = db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(lead_orgs))
                                       .order_by(Organisation.name)).all()
    form.organisation_id.choices = [("", "All my organisations")] + [(o.id, o.name) for o in organisations]
    form.template_id.choices = [("", "All programmes")] + [
        (t.id, t.title) for t in db.session.scalars(sa.select(ProgrammeTemplate).order_by(ProgrammeTemplate.title))]
    unique = dict(queries.member_names_with_roles(lead_orgs, Role.preceptor, Role.lead))
    form.preceptor_id.choices = [("", "Any preceptor")] + list(unique.items())
    form.validate()
    valid = lambda field, options: field.data if field.data in options else None  # noqa: E731
    return queries.CohortFilters(
        state=form.state.data if form.state.data in {"", "all", *queries.COHORT_STATES} else "",
        organisation_id=valid(form.organisation_id, lead_orgs),
        template_id=form.template_id.data if isinstance(form.template_id.data, int) else None,
        preceptor_id=valid(form.preceptor_id, unique),
    )


@bp.get("/cohort")
@login_required
def cohort():
    require_allowed(policies.can_view_cohort(current_user))
    form = CohortFilterForm(request.args)
    filters = _cohort_filters(form)
    on = queries.today()
    page = db.paginate(queries.cohort_query(current_user, on, filters), per_page=current_app.config["PAGE_SIZE"],
                       error_out=False, count=True)
    # db.paginate returns scalars; the state comes from the same SQL via a second, id-keyed lookup.
    states = _states_for([e.id for e in page.items], on)
    rows = [(e, states.get(e.id, "on_track"), next_open_milestone(e, on)) for e in page.items]
    return render_template("programmes/cohort.html", form=form, page=page, rows=rows, on=on,
                           counts=queries.cohort_counts(current_user, on, filters), labels=queries.COHORT_STATES,
                           filters={k: v for k, v in request.args.items() if k != "page" and v})


def _states_for(ids: list[int], on) -> dict[int, str]:
    if not ids:
        return {}
    from competency.preceptorship.models import Enrolment

    return dict(db.session.execute(sa.select(Enrolment.id, queries.cohort_state(on)).where(Enrolment.id.in_(ids))).tuples().all())


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


CSV_HEADER = ["practitioner", "email", "organisation", "programme", "template", "version", "preceptor", "lead",
              "start_on", "fte", "state", "next_milestone", "next_due_on", "next_supervision_due_on", "start_warning"]


@bp.get("/cohort.csv")
@login_required
def cohort_csv():
    require_allowed(policies.can_view_cohort(current_user))
    form = CohortFilterForm(request.args)
    filters = _cohort_filters(form)
    on = queries.today()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for enrolment, state in db.session.execute(queries.cohort_query(current_user, on, filters)):
        upcoming = next_open_milestone(enrolment, on)
        version = enrolment.template_version
        writer.writerow([_cell(v) for v in (
            enrolment.practitioner.display_name, enrolment.practitioner.email, enrolment.organisation.name,
            version.title, version.template.slug, version.version, enrolment.preceptor.display_name,
            enrolment.lead.display_name, enrolment.start_on.isoformat(), enrolment.fte, state,
            upcoming.code if upcoming else "", upcoming.milestone.due_on.isoformat() if upcoming else "",
            enrolment.next_supervision_due_on.isoformat() if enrolment.next_supervision_due_on else "",
            enrolment.start_warning or "")])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=cohort-{on.isoformat()}.csv"})


ENROL_FIELDS = ("practitioner_id", "template", "preceptor_id", "lead_id", "start_on", "fte", "override_reason")


def _enrol_arguments(form: EnrolForm, organisation: Organisation, preceptors: dict[int, User]) -> dict:
    """``preceptors`` adds people from elsewhere who hold a preceptor grant reaching this organisation."""
    users = {p.id: p for p in queries.members_with_roles(organisation.id, Role.practitioner, Role.preceptor,
                                                          Role.lead)}
    users.update(preceptors)
    return dict(practitioner=users[form.practitioner_id.data], template=catalogue.find_published(form.template.data),
                organisation=organisation, preceptor=users[form.preceptor_id.data], lead=users[form.lead_id.data],
                start_on=form.start_on.data, fte=float(form.fte.data) if form.fte.data is not None else None,
                override_reason=form.override_reason.data, by=current_user, on=queries.today())


def _change_link(organisation: Organisation, form: EnrolForm, anchor: str) -> str:
    """Back to the form with every answer filled in, at the answer to change (GOV.UK check answers)."""
    values = {name: form[name].data for name in ENROL_FIELDS if form[name].data not in (None, "", 0)}
    if "start_on" in values:
        values["start_on"] = values["start_on"].isoformat()
    return url_for("programmes.enrol", organisation_id=organisation.id, **values, _anchor=anchor)


@bp.route("/enrol", methods=["GET", "POST"])
@login_required
def enrol():
    """Enrol someone: the form, then check your answers (with the warnings and due dates), then enrol."""
    lead_orgs = sorted(org_ids_with_role(current_user, Role.lead))
    require_allowed(bool(lead_orgs))
    organisation_id = request.args.get("organisation_id", type=db_int) or (lead_orgs[0] if len(lead_orgs) == 1 else None)
    if organisation_id is None:
        organisations = db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(lead_orgs))
                                           .order_by(Organisation.name)).all()
        return render_template("programmes/choose_organisation.html", organisations=organisations)
    if organisation_id not in lead_orgs:
        abort(404)
    organisation = db.session.get(Organisation, organisation_id)
    answers = request.method == "GET" and "template" in request.args
    form = EnrolForm(formdata=request.args) if answers else EnrolForm()
    people = lambda *roles: [(p.id, p.display_name) for p in queries.members_with_roles(organisation.id, *roles)]  # noqa: E731
    form.practitioner_id.choices = [(0, "Choose a person")] + people(Role.practitioner)
    # Preceptors and leads here, and people holding a preceptor grant that reaches here.
    preceptors = {p.id: p for p in preceptor_candidates(organisation, queries.today())}
    form.preceptor_id.choices = [(0, "Choose a preceptor")] + [(p.id, p.display_name) for p in preceptors.values()]
    form.lead_id.choices = people(Role.lead)
    form.template.choices = [(v.template.slug, f"{v.title} (version {v.version})")
                             for v in catalogue.published_versions()]
    if request.method == "GET" and not answers:
        form.lead_id.data = current_user.id
        form.practitioner_id.data = request.args.get("practitioner_id", type=db_int) or 0
    if form.validate_on_submit():
        confirmed = request.form.get("confirm") == "yes"
        try:
            arguments = _enrol_arguments(form, organisation, preceptors)
            if not confirmed:
                preview = preview_enrolment(**arguments)
            else:
                result = services.enrol(**arguments)
        except DomainError as error:
            db.session.rollback()
            field_error(form, error, "practitioner_id")
        else:
            if not confirmed:
                return render_template("programmes/enrol_check.html", form=form, organisation=organisation,
                                       preview=preview, arguments=arguments, fields=ENROL_FIELDS,
                                       change=lambda anchor: _change_link(organisation, form, anchor))
            db.session.commit()
            enrolment = result.enrolment
            flash(f"{enrolment.practitioner.display_name} is enrolled on {enrolment.template_version.title}. "
                  f"{enrolment.practitioner.display_name} and {enrolment.preceptor.display_name} have been told.",
                  "info")
            return redirect(url_for("programmes.timeline", enrolment_id=enrolment.id))
    return render_template("programmes/enrol.html", form=form, organisation=organisation,
                           many_organisations=len(lead_orgs) > 1), 400 if form.errors else 200
