"""The reviewer's side: the queue, a request beside its evidence, deciding, and sign-offs with revocation."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from competency.accounts.models import Role
from competency.accounts.policies import has_any_role
from competency.blueprints.guards import get_or_404, require_allowed, require_visible
from competency.blueprints.navigation import add_nav_item
from competency.blueprints.review.forms import DecisionForm, MessageForm, RevokeForm
from competency.db import utcnow
from competency.errors import DomainError
from competency.extensions import db
from competency.grants.queries import held_grants
from competency.grants.standing import uk_today
from competency.reminders.dispatch import dispatch_outbox
from competency.signoff import conversation, queries, services
from competency.signoff.capabilities import capabilities_by_uuid, find_capability
from competency.signoff.models import Outcome, SignOff, SignOffRequest
from competency.signoff.policies import (
    can_decide,
    can_revoke,
    can_send_again,
    can_view_request,
    can_view_signoff,
    can_withdraw,
    can_write,
    may_decide,
    may_write,
)

bp = Blueprint("review", __name__, url_prefix="/review")


def _reviews(user) -> bool:
    """Preceptors and leads, and anyone holding an assessing grant in force (a trained assessor
    is often a practitioner with no staff role)."""
    return has_any_role(user, Role.preceptor, Role.lead) or bool(held_grants(user.id, uk_today()))


add_nav_item("review.queue", "Review", _reviews, order=25)


@bp.get("/")
@login_required
def queue():
    if not _reviews(current_user):
        abort(403)
    page = db.paginate(queries.queue_query(current_user), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    decided = db.session.scalars(queries.recently_decided_query(current_user)).all()
    capabilities = capabilities_by_uuid({r.capability_uuid for r in [*page.items, *decided]})
    return render_template("review/queue.html", page=page, decided=decided, capabilities=capabilities,
                           now=utcnow(), waiting_time=queries.waiting_time)


def _visible_request(request_id: int) -> SignOffRequest:
    sign_off_request = queries.load_request(request_id)
    if sign_off_request is None:
        abort(404)
    require_visible(can_view_request(current_user, sign_off_request))
    return sign_off_request


@bp.app_template_filter("paragraphs")
def paragraphs(value: str | None) -> Markup:
    """Plain text typed by a person, escaped, with its blank lines as paragraphs and line breaks kept."""
    parts = [p.strip() for p in (value or "").replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Markup("".join(f"<p>{escape(p)}</p>".replace("\n", "<br>") for p in parts))


def _render_request(sign_off_request: SignOffRequest, form: DecisionForm | None = None, status: int = 200,
                    message_form: MessageForm | None = None):
    capability = find_capability(sign_off_request.capability_uuid, sign_off_request.framework_version) \
        or find_capability(sign_off_request.capability_uuid)
    decidable = can_decide(current_user, sign_off_request)
    if form is None and decidable:
        form = DecisionForm(seen_digest=services.evidence_digest(sign_off_request.evidence))
    writable = can_write(current_user, sign_off_request)
    if message_form is None and writable:
        message_form = MessageForm(formdata=None)
    # Earlier requests for the same capability join the thread, where this viewer may see them.
    parts = conversation.thread([r for r in queries.conversation(sign_off_request.practitioner_id,
                                                                 sign_off_request.capability_uuid)
                                 if r.id == sign_off_request.id or can_view_request(current_user, r)])
    return render_template("review/request.html", r=sign_off_request, capability=capability, form=form,
                           can_decide=decidable, can_withdraw=can_withdraw(current_user, sign_off_request),
                           waiting=queries.waiting_time(sign_off_request.created_at, utcnow()), thread=parts,
                           message_form=message_form if writable else None,
                           can_send_again=can_send_again(current_user, sign_off_request)), status


@bp.get("/requests/<int:request_id>")
@login_required
def show_request(request_id: int):
    return _render_request(_visible_request(request_id))


@bp.post("/requests/<int:request_id>/decision")
@login_required
def decide_request(request_id: int):
    sign_off_request = _visible_request(request_id)
    # A reviewer whose colleague decided first still gets here, and is told who decided.
    require_allowed(may_decide(current_user, sign_off_request))
    form = DecisionForm()
    if form.validate_on_submit():
        outcome = Outcome.sign if form.decision.data == "sign" else Outcome.return_
        try:
            services.decide(sign_off_request, current_user, outcome, form.comment.data or "",
                            seen_digest=form.seen_digest.data or None)
        except DomainError as error:
            db.session.rollback()
            if error.field == "comment":
                form.comment.errors = [*form.comment.errors, error.message]
            else:
                flash(error.message, "error")
                return redirect(url_for("review.show_request", request_id=request_id))
        else:
            db.session.commit()
            dispatch_outbox()
            verb = "signed off" if outcome == Outcome.sign else "returned with your feedback"
            flash(f"{sign_off_request.practitioner.display_name}'s request has been {verb}.", "info")
            return redirect(url_for("review.queue"))
        sign_off_request = _visible_request(request_id)
    return _render_request(sign_off_request, form, 400)


@bp.post("/requests/<int:request_id>/messages")
@login_required
def post_message(request_id: int):
    """A message in the request's conversation, from the practitioner or a reviewer who may decide it."""
    sign_off_request = _visible_request(request_id)
    require_allowed(may_write(current_user, sign_off_request))
    form = MessageForm()
    if form.validate_on_submit():
        try:
            conversation.post_message(sign_off_request, current_user, form.body.data)
        except DomainError as error:
            db.session.rollback()
            if error.field == "body":
                form.body.errors = [*form.body.errors, error.message]
            else:
                flash(error.message, "error")
                return redirect(url_for("review.show_request", request_id=request_id))
        else:
            db.session.commit()
            dispatch_outbox()
            flash("Your message has been sent.", "info")
            return redirect(url_for("review.show_request", request_id=request_id, _anchor="conversation"))
        sign_off_request = _visible_request(request_id)
    return _render_request(sign_off_request, status=400, message_form=form)


def _visible_signoff(signoff_id: int) -> SignOff:
    signoff = get_or_404(SignOff, signoff_id)
    require_visible(can_view_signoff(current_user, signoff))
    return signoff


@bp.get("/signoffs/<int:signoff_id>")
@login_required
def show_signoff(signoff_id: int):
    signoff = _visible_signoff(signoff_id)
    form = RevokeForm() if can_revoke(current_user, signoff) else None
    return render_template("review/signoff.html", signoff=signoff, form=form,
                           capability=find_capability(signoff.capability_uuid))


@bp.post("/signoffs/<int:signoff_id>/revoke")
@login_required
def revoke_signoff(signoff_id: int):
    signoff = _visible_signoff(signoff_id)
    require_allowed(can_revoke(current_user, signoff) or signoff.is_revoked)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke(signoff, current_user, form.reason.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            dispatch_outbox()
            flash(f"The sign-off of {signoff.capability_code} has been revoked.", "info")
        return redirect(url_for("review.show_signoff", signoff_id=signoff_id))
    return render_template("review/signoff.html", signoff=signoff, form=form,
                           capability=find_capability(signoff.capability_uuid)), 400
