"""Queueing e-mails in the caller's transaction; delivery happens after commit."""
from __future__ import annotations

import uuid
from contextlib import nullcontext

import sqlalchemy as sa
from flask import current_app, has_request_context, render_template
from jinja2 import TemplateNotFound

from competency.accounts.models import User
from competency.extensions import db
from competency.reminders.models import Notification, OutboxEmail


def _url_building():
    """Templates may call ``url_for``: outside a request (worker, CLI) build URLs against BASE_URL."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context("/", base_url=current_app.config["BASE_URL"])


def queue_email(
    *,
    to: str,
    template: str,
    subject: str,
    context: dict,
    dedupe_key: str,
    user: User | None = None,
) -> OutboxEmail | None:
    """Add an e-mail to the outbox unless one with ``dedupe_key`` exists.

    ``template`` names ``templates/email/<template>.txt`` and, if present, ``.html``.
    Returns the new row, or None when it was already queued.
    """
    exists = db.session.scalar(sa.select(OutboxEmail.id).where(OutboxEmail.dedupe_key == dedupe_key))
    if exists:
        return None
    context = {"base_url": current_app.config["BASE_URL"].rstrip("/"), "user": user, **context}
    with _url_building():
        text = render_template(f"email/{template}.txt", **context)
        try:
            html = render_template(f"email/{template}.html", **context)
        except TemplateNotFound:  # no HTML part for this template
            html = None
    domain = current_app.config["BASE_URL"].split("//", 1)[-1].split("/", 1)[0].split(":")[0] or "localhost"
    email = OutboxEmail(
        dedupe_key=dedupe_key,
        user_id=user.id if user else None,
        to_address=to,
        subject=subject,
        body_text=text,
        body_html=html,
        message_id=f"<{uuid.uuid4()}@{domain}>",
    )
    db.session.add(email)
    db.session.flush()
    return email


def notify(
    user: User, *, kind: str, title: str, body: str | None = None, link: str | None = None,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Add an in-app notification (idempotent when ``dedupe_key`` is given)."""
    if dedupe_key and db.session.scalar(
        sa.select(Notification.id).where(Notification.dedupe_key == dedupe_key)
    ):
        return None
    note = Notification(user_id=user.id, kind=kind, title=title, body=body, link=link, dedupe_key=dedupe_key)
    db.session.add(note)
    db.session.flush()
    return note
