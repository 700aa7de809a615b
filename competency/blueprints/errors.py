"""Error pages for the web UI (the API answers problem+json from its own handlers)."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError

from competency.extensions import db

MESSAGES = {
    400: ("Sorry, there is a problem with the request", "Check what you entered and try again."),
    403: ("You do not have permission to do this", "If you think you should, ask your organisation's administrator."),
    404: ("Page not found", "If you typed the web address, check it is correct. If you pasted it, check you copied the whole address."),
    405: ("Sorry, this action is not available here", "Go back and try again."),
    413: ("The file is too large", "Choose a smaller file and try again."),
    429: ("Too many attempts", "Wait a few minutes, then try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. Nothing you entered has been saved twice."),
    503: ("Sorry, the service is unavailable", "Try again later."),
}


def _render(code: int, detail: str | None = None):
    title, body = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, body=detail or body), code


def allow_header(error) -> dict[str, str]:
    """A 405 names the methods the URL does take (RFC 9110 requires ``Allow`` on every 405)."""
    methods = getattr(error, "valid_methods", None)
    return {"Allow": ", ".join(sorted(methods))} if methods else {}


def register_error_handlers(app: Flask) -> None:
    def handler(error):
        db.session.rollback()
        code = getattr(error, "code", 500) or 500
        if request.path.startswith("/api/"):
            return {"type": "about:blank", "title": MESSAGES.get(code, MESSAGES[500])[0], "status": code}, code, {
                "Content-Type": "application/problem+json", **allow_header(error)}
        page, status = _render(code)
        return page, status, allow_header(error)

    for code in MESSAGES:
        app.register_error_handler(code, handler)

    def out_of_range(error):
        """The safety net behind the validation: a number, date or text too large to store or compute
        is the caller's mistake (4xx), never a 500. Logged, because it means a check is missing."""
        db.session.rollback()
        app.logger.warning("out-of-range input on %s %s: %r", request.method, request.path, error)
        detail = "A number, date or piece of text in the request is larger than this service can handle."
        if request.path.startswith("/api/"):
            return {"type": "about:blank", "title": "Value out of range", "status": 422, "detail": detail}, 422, {
                "Content-Type": "application/problem+json"}
        return _render(400, detail)

    app.register_error_handler(OverflowError, out_of_range)
    app.register_error_handler(DataError, out_of_range)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        db.session.rollback()
        return _render(400, "The form had expired or was missing its security token. Go back, reload the page and try again.")
