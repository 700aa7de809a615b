"""The programmes blueprint and the helpers its views share."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from competency.accounts.models import Role
from competency.accounts.policies import has_any_role
from competency.blueprints.navigation import add_nav_item
from competency.preceptorship import queries
from competency.preceptorship.models import Enrolment, EnrolmentMilestone

bp = Blueprint("programmes", __name__, url_prefix="/programmes")
add_nav_item("programmes.index", "Programmes",
             lambda user: has_any_role(user, Role.practitioner, Role.preceptor, Role.lead), order=30)


def load_enrolment(enrolment_id: int, *, full: bool = False) -> Enrolment:
    """The enrolment if the signed-in user may see it; 404 otherwise (rule 5: foreign ids answer 404)."""
    enrolment = queries.enrolment_for(current_user, enrolment_id, full=full)
    if enrolment is None:
        abort(404)
    return enrolment


def load_milestone(enrolment: Enrolment, code: str) -> EnrolmentMilestone:
    milestone = enrolment.milestone(code)
    if milestone is None:
        abort(404)
    return milestone


def field_error(form, error, default: str) -> None:
    """Show a domain error against the field it names (or ``default``)."""
    target = getattr(form, error.field, None) if error.field else None
    if target is None or not hasattr(target, "errors"):
        target = getattr(form, default)
    if isinstance(target.errors, tuple):
        target.errors = list(target.errors)
    target.errors.append(error.message)
