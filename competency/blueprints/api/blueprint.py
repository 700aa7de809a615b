"""The ``/api/v1`` blueprint: bearer-token authentication and problem+json errors."""
from __future__ import annotations

from flask import Blueprint, g, request
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from competency.accounts.models import User
from competency.accounts.services import user_for_api_token
from competency.blueprints.errors import allow_header
from competency.errors import DomainError
from competency.extensions import csrf, db

ModelT = TypeVar("ModelT", bound=BaseModel)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


class ProblemError(Exception):
    """Raise from an API view to answer with a problem+json document."""

    def __init__(self, status: int, title: str, detail: str | None = None, **extra):
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def problem(status: int, title: str, detail: str | None = None, **extra):
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return body, status, {"Content-Type": "application/problem+json"}


def api_user() -> User:
    """The user the bearer token belongs to (views registered with auth=True only)."""
    return g.api_user


def parse_body(model: type[ModelT]) -> ModelT:
    data = request.get_json(silent=True)
    if data is None:
        raise ProblemError(400, "Invalid request", "Send a JSON object with Content-Type: application/json.")
    return model.model_validate(data)


@bp.before_request
def authenticate() -> None:
    g.api_user = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.api_user = user_for_api_token(header.removeprefix("Bearer ").strip())
        if g.api_user is not None and db.session.dirty:
            db.session.commit()  # records last_used_at (at most once a minute)


@bp.errorhandler(ProblemError)
def _problem(error: ProblemError):
    db.session.rollback()
    return problem(error.status, error.title, error.detail, **error.extra)


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    db.session.rollback()
    extra = {}
    if error.rule:
        extra["rule"] = error.rule
    if error.field:
        extra["field"] = error.field
    titles = {403: "Forbidden", 404: "Not found", 409: "Conflict", 422: "Rule not met"}
    return problem(error.status, titles.get(error.status, "Request failed"), error.message, **extra)


@bp.errorhandler(ValidationError)
def _validation_error(error: ValidationError):
    db.session.rollback()
    errors = [
        {"field": ".".join(str(p) for p in item["loc"]), "message": item["msg"]}
        for item in error.errors(include_url=False, include_input=False)
    ]
    return problem(422, "Invalid request", "Some fields are missing or not valid.", errors=errors)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    db.session.rollback()
    body, status, headers = problem(error.code or 500, error.name, error.description)
    return body, status, {**headers, **allow_header(error)}
