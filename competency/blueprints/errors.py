"""Error pages for the web UI (the API answers problem+json from its own handlers).

Two kinds of failure get the service's own answer rather than a bare 500:

* the database unreachable (stopped, restarting, failing over, pool exhausted): 503 with
  ``Retry-After``. The page is rendered as for a signed-out visitor, because loading the
  signed-in user would need the database that just failed;
* a unique-constraint race that no service turned into a domain message: 409, "someone
  else did this at the same moment", never a stack trace (see :mod:`competency.uniqueness`).
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, current_app, g, render_template, request
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy import exc as sa_exc
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from competency.evidence.uploads import size_limit_text
from competency.extensions import db, login_manager
from competency.uniqueness import UniqueViolation, is_unique_violation

log = logging.getLogger(__name__)
# What a client should wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 30

MESSAGES = {
    400: ("Sorry, there is a problem with the request", "Check what you entered and try again."),
    403: ("You do not have permission to do this", "If you think you should, ask your organisation's administrator."),
    404: ("Page not found", "If you typed the web address, check it is correct. If you pasted it, check you copied the whole address."),
    405: ("Sorry, this action is not available here", "Go back and try again."),
    413: ("The file is too large", "Choose a smaller file and try again."),
    409: ("Someone else did this at the same moment",
          "Nothing was saved twice. Go back, reload the page to see what is there now, and try again if you need to."),
    422: ("Sorry, we could not read what was sent", "Check the file or data and try again."),
    429: ("Too many attempts", "Wait a few minutes, then try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. Nothing you entered has been saved twice."),
    503: ("Sorry, the service is unavailable", "Try again later."),
}
UNAVAILABLE_DETAIL = (f"The service cannot reach its database at the moment. Wait {RETRY_AFTER_SECONDS} seconds "
                      "and try again. Anything you had not yet sent has not been saved.")


def _plain_page(code: int, title: str, body: str) -> str:
    """The last resort when even the layout cannot render: the same words, no template."""
    return (f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<link rel="stylesheet" href="/static/vendor/nhsuk/nhsuk-frontend.min.css"></head><body>'
            f'<main class="nhsuk-main-wrapper" id="maincontent"><div class="nhsuk-width-container">'
            f'<h1>{escape(title)}</h1><p>{escape(body)}</p><p><a href="/">Go to the home page</a></p>'
            f'</div></main></body></html>')


def _render(code: int, detail: str | None = None, back: str | None = None):
    title, body = MESSAGES.get(code, MESSAGES[500])
    try:
        return render_template("errors/error.html", code=code, title=title, body=detail or body, back=back), code
    except Exception:  # the page about a failure must not fail itself
        log.exception("Error page %s could not be rendered", code)
        _forget_user()
        return _plain_page(code, title, detail or body), code


def _page_to_go_back_to() -> str | None:
    """The same-site page the person came from, else this address when it can be opened."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    try:
        current_app.url_map.bind(request.host).match(request.path, method="GET")
    except HTTPException:
        return None
    return request.path


def _too_large():
    """Only for bodies beyond what the app reads at all (see competency/blueprints/uploads.py):
    smaller over-size uploads are refused on the form itself."""
    limit = size_limit_text(current_app.config["MAX_UPLOAD_BYTES"])
    return _render(413, f"Each file can be up to {limit}, and a form can send at most "
                        f"{current_app.config['MAX_UPLOAD_FILES']} files at a time. Go back, choose smaller or "
                        "fewer files, and send the form again.", back=_page_to_go_back_to())


def _safe_rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # a dead connection: the pool discards it; nothing else to undo
        log.warning("Rollback failed on a broken database connection", exc_info=True)


def _forget_user() -> None:
    """Render as for a signed-out visitor: Flask-Login keeps the loaded user in ``g._login_user``."""
    g._login_user = login_manager.anonymous_user()


def _problem(code: int, title: str, detail: str | None = None, headers: dict | None = None):
    body = {"type": "about:blank", "title": title, "status": code}
    if detail:
        body["detail"] = detail
    return body, code, {"Content-Type": "application/problem+json", **(headers or {})}


# SQLSTATE classes that mean "the server is not there for you right now": connection exceptions
# (08...) and operator intervention (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot
# connect now). Other server errors, a deadlock (40P01) above all, are bugs to see, not outages.
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def is_database_unavailable(error: Exception) -> bool:
    """Connection refused or lost, server shutting down, pool exhausted: worth trying again later."""
    if isinstance(error, sa_exc.TimeoutError):
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate.startswith(_UNAVAILABLE_SQLSTATES)
    return (isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError))
            or bool(error.connection_invalidated))


def allow_header(error) -> dict[str, str]:
    """A 405 names the methods the URL does take (RFC 9110 requires ``Allow`` on every 405)."""
    methods = getattr(error, "valid_methods", None)
    return {"Allow": ", ".join(sorted(methods))} if methods else {}


def allow_header(error) -> dict[str, str]:
    """A 405 names the methods the URL does take (RFC 9110 requires ``Allow`` on every 405)."""
    methods = getattr(error, "valid_methods", None)
    return {"Allow": ", ".join(sorted(methods))} if methods else {}


def register_error_handlers(app: Flask) -> None:
    def handler(error):
        _safe_rollback()
        code = getattr(error, "code", 500)
        code = code if isinstance(code, int) and code in MESSAGES else 500
        if request.path.startswith("/api/"):
            detail = getattr(error, "description", None) if code in (413, 422) else None
            body, status, headers = _problem(code, MESSAGES.get(code, MESSAGES[500])[0], detail)
            return body, status, {**headers, **allow_header(error)}
        if code == 413:
            return _too_large()
        page, status = _render(code)
        return page, status, allow_header(error)

    for code in MESSAGES:
        app.register_error_handler(code, handler)

    def database_unavailable():
        _safe_rollback()
        _forget_user()
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.path.startswith("/api/"):
            return _problem(503, MESSAGES[503][0], UNAVAILABLE_DETAIL, headers)
        page, code = _render(503, UNAVAILABLE_DETAIL)
        return page, code, headers

    def conflict():
        _safe_rollback()
        if request.path.startswith("/api/"):
            return _problem(409, "Conflict", MESSAGES[409][1])
        return _render(409)

    @app.errorhandler(sa_exc.DBAPIError)
    def _database_error(error: sa_exc.DBAPIError):
        if isinstance(error, sa_exc.IntegrityError) and is_unique_violation(error):
            log.info("Unique constraint race answered 409: %s", error.orig)
            return conflict()
        if is_database_unavailable(error):
            log.error("Database unavailable, answering 503: %s", error.orig)
            return database_unavailable()
        log.exception("Database error")
        return handler(error)

    @app.errorhandler(sa_exc.TimeoutError)
    def _pool_timeout(error):
        log.error("Database connection pool exhausted, answering 503")
        return database_unavailable()

    @app.errorhandler(UniqueViolation)
    def _unique_violation(error: UniqueViolation):
        log.info("Unique constraint race answered 409: %s", error)
        return conflict()

    def out_of_range(error):
        """The safety net behind the validation: a number, date or text too large to store or compute
        is the caller's mistake (4xx), never a 500. Logged, because it means a check is missing."""
        _safe_rollback()
        app.logger.warning("out-of-range input on %s %s: %r", request.method, request.path, error)
        detail = "A number, date or piece of text in the request is larger than this service can handle."
        if request.path.startswith("/api/"):
            return _problem(422, "Value out of range", detail)
        return _render(400, detail)

    app.register_error_handler(OverflowError, out_of_range)
    app.register_error_handler(DataError, out_of_range)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        db.session.rollback()
        return _render(400, "The form had expired or was missing its security token. Go back, reload the page and try again.")
