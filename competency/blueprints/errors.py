"""Error pages for the web UI (the API answers problem+json from its own handlers)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from competency.evidence.uploads import size_limit_text

from competency.extensions import db

MESSAGES = {
    400: ("Sorry, there is a problem with the request", "Check what you entered and try again."),
    403: ("You do not have permission to do this", "If you think you should, ask your organisation's administrator."),
    404: ("Page not found", "If you typed the web address, check it is correct. If you pasted it, check you copied the whole address."),
    405: ("Sorry, this action is not available here", "Go back and try again."),
    413: ("The file is too large", "Choose a smaller file and try again."),
    422: ("Sorry, we could not read what was sent", "Check the file or data and try again."),
    429: ("Too many attempts", "Wait a few minutes, then try again."),
    500: ("Sorry, there is a problem with the service", "Try again later. Nothing you entered has been saved twice."),
    503: ("Sorry, the service is unavailable", "Try again later."),
}


def _render(code: int, detail: str | None = None, back: str | None = None):
    title, body = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, body=detail or body, back=back), code


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


def register_error_handlers(app: Flask) -> None:
    def handler(error):
        db.session.rollback()
        code = getattr(error, "code", 500) or 500
        if request.path.startswith("/api/"):
            body = {"type": "about:blank", "title": MESSAGES.get(code, MESSAGES[500])[0], "status": code}
            if code in (413, 422) and getattr(error, "description", None):
                body["detail"] = error.description
            return body, code, {"Content-Type": "application/problem+json"}
        if code == 413:
            return _too_large()
        return _render(code)

    for code in MESSAGES:
        app.register_error_handler(code, handler)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        db.session.rollback()
        return _render(400, "The form had expired or was missing its security token. Go back, reload the page and try again.")
