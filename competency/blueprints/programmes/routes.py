"""One programme: the timeline, reviews and signatures, supervision, protected time, check-ins, pauses."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competency.blueprints.guards import require_allowed
from competency.blueprints.programmes import lists  # noqa: F401  (registers the list and enrol pages)
from competency.blueprints.programmes import preceptor_routes  # noqa: F401  (registers the change of preceptor)
from competency.blueprints.programmes import review_pages  # noqa: F401  (registers the milestone review pages)
from competency.blueprints.programmes import start_date  # noqa: F401  (registers the start date page)
from competency.blueprints.programmes.blueprint import bp, field_error, load_enrolment
from competency.blueprints.programmes.charts import confidence_chart
from competency.blueprints.programmes.forms import (
    FteForm,
    ModerationForm,
    PauseForm,
    ProtectedTimeForm,
    SupervisionForm,
    WithdrawForm,
    checkin_form,
)
from competency.db import utcnow
from competency.errors import DomainError
from competency.extensions import db
from competency.preceptorship import logs, policies, queries, services
from competency.preceptorship.models import PauseReason
from competency.preceptorship.progress import progress_of
from competency.preceptorship.specs import EVIDENCE_KINDS
from competency.preceptorship.withdrawal import withdrawal_impact

__all__ = ["bp"]


def _pillars(enrolment):
    version = enrolment.template_version
    return queries.pillar_names(version.framework_slug, list(version.checkin_pillars))


@bp.get("/enrolments/<int:enrolment_id>")
@login_required
def timeline(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id, full=True)
    on = queries.today()
    progress = progress_of(enrolment, on, queries.enrolment_evidence_counts(enrolment))
    pillars = _pillars(enrolment)
    return render_template("programmes/timeline.html", enrolment=enrolment, progress=progress, pillars=pillars,
                           chart=confidence_chart(progress.checkins, pillars, f"confidence-{enrolment.id}"),
                           policies=policies, evidence_kinds=EVIDENCE_KINDS)


def _form_page(form, enrolment, *, title: str, fields: list[str], submit: str, hint: str = "", status: int = 200,
               **extra):
    return render_template("programmes/form_page.html", form=form, enrolment=enrolment, title=title,
                           fields=fields, submit=submit, hint=hint, **extra), status


@bp.route("/enrolments/<int:enrolment_id>/supervisions/new", methods=["GET", "POST"])
@login_required
def new_supervision(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id, full=True)
    require_allowed(policies.can_log_supervision(current_user, enrolment))
    form = SupervisionForm()
    minimum = enrolment.template_version.supervision_minimum_minutes
    if form.validate_on_submit():
        try:
            logs.record_supervision(enrolment, held_on=form.held_on.data, minutes=form.minutes.data,
                                    topics=form.topics.data, notes=form.notes.data, by=current_user,
                                    on=queries.today())
        except DomainError as error:
            db.session.rollback()
            field_error(form, error, "held_on")
        else:
            db.session.commit()
            flash("Supervision recorded. The other person in the session will be asked to confirm it.", "info")
            return redirect(url_for("programmes.timeline", enrolment_id=enrolment_id, _anchor="supervision"))
    return _form_page(form, enrolment, title="Record a supervision session", submit="Record session",
                      fields=["held_on", "minutes", "topics", "notes"],
                      hint=f"This programme asks for sessions of at least {minimum} minutes." if minimum else "",
                      status=400 if form.errors else 200)


@bp.post("/enrolments/<int:enrolment_id>/supervisions/<int:session_id>/confirm")
@login_required
def confirm_supervision(enrolment_id: int, session_id: int):
    enrolment = load_enrolment(enrolment_id, full=True)
    session = next((s for s in enrolment.supervisions if s.id == session_id), None)
    require_allowed(session is not None and policies.can_confirm_supervision(current_user, session))
    try:
        logs.confirm_supervision(session, by=current_user, at=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(f"Supervision on {session.held_on.day} {session.held_on:%B %Y} confirmed.", "info")
    return redirect(url_for("programmes.timeline", enrolment_id=enrolment_id, _anchor="supervision"))


@bp.route("/enrolments/<int:enrolment_id>/protected-time/new", methods=["GET", "POST"])
@login_required
def new_protected_time(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id, full=True)
    require_allowed(policies.can_log_protected_time(current_user, enrolment))
    form = ProtectedTimeForm()
    if form.validate_on_submit():
        try:
            logs.record_protected_time(enrolment, taken_on=form.taken_on.data, minutes=form.minutes.data,
                                       activity=form.activity.data, by=current_user, on=queries.today())
        except DomainError as error:
            db.session.rollback()
            field_error(form, error, "taken_on")
        else:
            db.session.commit()
            flash("Protected time logged.", "info")
            return redirect(url_for("programmes.timeline", enrolment_id=enrolment_id, _anchor="protected-time"))
    share = enrolment.template_version.protected_time_percent
    return _form_page(form, enrolment, title="Log protected time", submit="Log time",
                      fields=["taken_on", "minutes", "activity"],
                      hint=f"This programme protects {share}% of contracted hours for development." if share else "",
                      status=400 if form.errors else 200)


@bp.route("/enrolments/<int:enrolment_id>/checkins/new", methods=["GET", "POST"])
@login_required
def new_checkin(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id, full=True)
    require_allowed(policies.can_check_in(current_user, enrolment))
    pillars = _pillars(enrolment)
    form = checkin_form(pillars)
    if request.method == "GET":
        form.checked_on.data = queries.today()
    if form.validate_on_submit():
        try:
            ratings = {code: int(getattr(form, f"pillar_{code}").data) for code, _ in pillars}
            logs.record_checkin(enrolment, checked_on=form.checked_on.data, wellbeing=int(form.wellbeing.data),
                                ratings=ratings, note=form.note.data, milestone_code=request.args.get("milestone"),
                                by=current_user, on=queries.today())
        except DomainError as error:
            db.session.rollback()
            field_error(form, error, "checked_on")
        else:
            db.session.commit()
            flash("Check-in recorded.", "info")
            return redirect(url_for("programmes.timeline", enrolment_id=enrolment_id, _anchor="confidence"))
    return _form_page(form, enrolment, title="Confidence check-in", submit="Save check-in",
                      fields=["checked_on", *[f"pillar_{code}" for code, _ in pillars], "wellbeing", "note"],
                      hint="Rate yourself from 1 (not at all confident) to 5 (very confident). Only you, your "
                           "preceptor and your leads see this.", status=400 if form.errors else 200)


@bp.route("/enrolments/<int:enrolment_id>/pauses/new", methods=["GET", "POST"])
@login_required
def new_pause(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id, full=True)
    require_allowed(enrolment.is_open and policies.can_record_pause(current_user, enrolment))
    form = PauseForm()
    if form.validate_on_submit():
        try:
            services.record_pause(enrolment, start_on=form.start_on.data, end_on=form.end_on.data,
                                  reason=PauseReason(form.reason.data), note=form.note.data, by=current_user,
                                  on=queries.today())
        except DomainError as error:
            db.session.rollback()
            field_error(form, error, "start_on")
        else:
            db.session.commit()
            flash("Pause recorded; later due dates have moved.", "info")
            return redirect(url_for("programmes.timeline", enrolment_id=enrolment_id, _anchor="pauses"))
    return _form_page(form, enrolment, title="Record a pause", submit="Record pause",
                      fields=["start_on", "end_on", "reason", "note"],
                      hint="Every milestone due after the pause begins moves later by the days paused.",
                      status=400 if form.errors else 200)


@bp.route("/enrolments/<int:enrolment_id>/pauses/<int:pause_id>", methods=["GET", "POST"])
@login_required
def edit_pause(enrolment_id: int, pause_id: int):
    enrolment = load_enrolment(enrolment_id, full=True)
    pause = next((p for p in enrolment.pauses if p.id == pause_id), None)
    require_allowed(pause is not None and enrolment.is_open and policies.can_record_pause(current_user, enrolment))
    form = PauseForm(obj=pause) if request.method == "GET" else PauseForm()
    if request.method == "GET":
        form.reason.data = pause.reason.value
    if form.validate_on_submit():
        try:
            services.update_pause(pause, start_on=form.start_on.data, end_on=form.end_on.data,
                                  reason=PauseReason(form.reason.data), note=form.note.data, by=current_user,
                                  on=queries.today())
        except DomainError as error:
            db.session.rollback()
            field_error(form, error, "start_on")
        else:
            db.session.commit()
            flash("Pause changed; due dates have been recomputed.", "info")
            return redirect(url_for("programmes.timeline", enrolment_id=enrolment_id, _anchor="pauses"))
    return _form_page(form, enrolment, title="Change a pause", submit="Save pause",
                      fields=["start_on", "end_on", "reason", "note"], status=400 if form.errors else 200)


@bp.route("/enrolments/<int:enrolment_id>/fte", methods=["GET", "POST"])
@login_required
def change_fte(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id, full=True)
    require_allowed(enrolment.is_open and policies.can_manage_enrolment(current_user, enrolment))
    form = FteForm(fte=enrolment.fte) if request.method == "GET" else FteForm()
    if form.validate_on_submit():
        try:
            services.change_fte(enrolment, float(form.fte.data), by=current_user, on=queries.today())
        except DomainError as error:
            db.session.rollback()
            field_error(form, error, "fte")
        else:
            db.session.commit()
            flash("FTE changed; due dates have been recomputed.", "info")
            return redirect(url_for("programmes.timeline", enrolment_id=enrolment_id))
    return _form_page(form, enrolment, title="Change the programme's FTE", submit="Save FTE", fields=["fte"],
                      hint="Due dates stretch pro rata: at 0.5 FTE every offset doubles.",
                      status=400 if form.errors else 200)


@bp.route("/enrolments/<int:enrolment_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id, full=True)
    require_allowed(enrolment.is_open and policies.can_manage_enrolment(current_user, enrolment))
    form = WithdrawForm()
    impact = withdrawal_impact(enrolment, by=current_user, on=queries.today())
    if form.validate_on_submit():
        try:
            services.withdraw(enrolment, reason=form.reason.data, by=current_user, on=queries.today())
        except DomainError as error:
            db.session.rollback()
            field_error(form, error, "reason")
        else:
            db.session.commit()
            told = " and ".join(person.display_name for person, _ in impact.told)
            verb = "has" if len(impact.told) == 1 else "have"
            flash("The programme has been withdrawn. Its history is kept." + (f" {told} {verb} been told." if told else ""),
                  "info")
            return redirect(url_for("programmes.timeline", enrolment_id=enrolment_id))
    return render_template("programmes/withdraw.html", form=form, enrolment=enrolment, impact=impact), \
        400 if form.errors else 200


@bp.route("/enrolments/<int:enrolment_id>/moderation", methods=["GET", "POST"])
@login_required
def record_moderation(enrolment_id: int):
    enrolment = load_enrolment(enrolment_id, full=True)
    require_allowed(services.awaits_moderation(enrolment) and policies.can_manage_enrolment(current_user, enrolment))
    form = ModerationForm()
    if enrolment.template_version.outcome == "pass_fail":
        form.decision.choices = [("pass", "Pass"), ("fail", "Not passed")]
    else:
        form.decision.choices = [("confirm", "Completion confirmed")]
    if form.validate_on_submit():
        try:
            services.record_moderation(enrolment, decision=form.decision.data, note=form.note.data,
                                       by=current_user, on=queries.today())
        except DomainError as error:
            db.session.rollback()
            field_error(form, error, "decision")
        else:
            db.session.commit()
            flash("The panel's decision is recorded.", "info")
            return redirect(url_for("programmes.timeline", enrolment_id=enrolment_id))
    return _form_page(form, enrolment, title="Record the moderation panel's decision", submit="Record decision",
                      fields=["decision", "note"], status=400 if form.errors else 200)
