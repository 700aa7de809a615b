"""The one-time token every create form carries (see :mod:`competency.submissions.services`).

A form class adds :class:`OnceFormMixin`; its template renders ``form.submission_token``
next to the CSRF token; the view claims the token before creating and completes it after.
"""
from __future__ import annotations

import base64
import hmac
import secrets

from flask import current_app
from wtforms import HiddenField
from wtforms.validators import Length, Optional, Regexp


def new_token() -> str:
    return secrets.token_urlsafe(24)


DAMAGED = "The form was damaged: reload the page."


class OnceFormMixin:
    submission_token = HiddenField(default=new_token, validators=[
        Optional(), Length(max=64, message=DAMAGED), Regexp(r"^[A-Za-z0-9_-]+$", message=DAMAGED)])


def token_of(form) -> str | None:
    return (form.submission_token.data or "").strip() or None


def derived_secret(purpose: str, user_id: int, token: str) -> str:
    """A secret that the first and the repeated submission both arrive at, never shown to anyone else.

    Used where a create action shows a secret only once (a share link's token): the repeat
    recomputes it from the form token and the app's key instead of making a second one.
    """
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{purpose}:{user_id}:{token}".encode()
    digest = hmac.new(key, message, "sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
