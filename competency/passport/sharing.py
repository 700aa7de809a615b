"""Share links and the passport bundle.

A share link is ``<BASE_URL>/share/<token>``: 32 random bytes (URL-safe), of
which only the SHA-256 is stored.  Opening it (a person, a program asking for
JSON, or this installation's own verify page) adds a view to its log.  A
revoked or expired link is indistinguishable from one that never existed.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from competency.accounts.models import User
from competency.audit.services import record_event
from competency.db import utcnow
from competency.errors import DomainError
from competency.extensions import db
from competency.passport import credentials as ob
from competency.passport.keys import base_url
from competency.passport.models import PassportCredential, ShareLink, ShareView
from competency.passport.queries import credentials_by_ids, holder_credentials

SHARE_PATH = "/share/"
MAX_DAYS = 366
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def share_url(token: str) -> str:
    return f"{base_url()}{SHARE_PATH}{token}"


def token_from_url(url: str, own_base: str) -> str | None:
    """The token when ``url`` is one of this installation's share links, else None."""
    prefix = f"{own_base}{SHARE_PATH}"
    if not url.startswith(prefix):
        return None
    token = url[len(prefix):].split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return token if _TOKEN.match(token) else None


def default_expiry(today: date) -> date:
    return today + timedelta(days=int(current_app.config.get("SHARE_LINK_DAYS", 30)))


def create_share(holder: User, credential_ids: list[int], *, expires_on: date | None, note: str = "",
                 today: date | None = None, token: str | None = None) -> tuple[ShareLink, str]:
    """A new share link for some of the holder's credentials; returns it and its token (shown once).

    ``token`` is given by a form that must show the same link again on a repeated submission;
    by default it is random.

    :raises DomainError: no credentials chosen, someone else's credential, or a bad expiry date.
    """
    today = today or date.today()
    expires_on = expires_on or default_expiry(today)
    wanted = sorted({int(i) for i in credential_ids})
    if not wanted:
        raise DomainError("Choose at least one credential to share.", field="credential_ids")
    chosen = credentials_by_ids(holder.id, wanted)
    if len(chosen) != len(wanted):
        raise DomainError("Some of the chosen credentials are not in your passport.", field="credential_ids")
    if expires_on <= today:
        raise DomainError("The expiry date must be in the future.", field="expires_on")
    if expires_on > today + timedelta(days=MAX_DAYS):
        raise DomainError("A share link can last at most a year.", field="expires_on")
    note = (note or "").strip()
    if len(note) > 500:
        raise DomainError("The note must be 500 characters or fewer.", field="note")
    token = token or secrets.token_urlsafe(32)
    share = ShareLink(holder_id=holder.id, token_hash=hash_token(token), token_hint=token[:6], note=note,
                      expires_on=expires_on, credentials=chosen)
    db.session.add(share)
    db.session.flush()
    record_event("passport.share_created", actor=holder, subject=share,
                 data={"credentials": [c.credential_uri for c in chosen], "expires_on": expires_on.isoformat()})
    return share, token


def revoke_share(share: ShareLink, *, by: User) -> None:
    """Withdraw a link; from now on it answers 404. Idempotent."""
    if share.revoked_at is not None:
        return
    share.revoked_at = utcnow()
    record_event("passport.share_revoked", actor=by, subject=share, data={"share_id": share.id})


def find_open_share(token: str, today: date | None = None) -> ShareLink | None:
    if not isinstance(token, str) or not _TOKEN.match(token):
        return None
    share = db.session.scalar(sa.select(ShareLink).where(ShareLink.token_hash == hash_token(token)))
    if share is None or not share.is_open_on(today or date.today()):
        return None
    return share


def open_share(token: str, *, channel: str, today: date | None = None) -> ShareLink | None:
    """The open link for ``token``, with this view logged; None when unknown, revoked or expired."""
    share = find_open_share(token, today)
    if share is None:
        return None
    now = utcnow()
    db.session.execute(sa.update(ShareLink).where(ShareLink.id == share.id)
                       .values(view_count=ShareLink.view_count + 1, last_viewed_at=now)
                       .execution_options(synchronize_session=False))
    db.session.add(ShareView(share_id=share.id, viewed_at=now, channel=channel))
    db.session.flush()
    db.session.expire(share, ["view_count", "last_viewed_at"])
    return share


def bundle(credentials: list[PassportCredential], *, presentation_id: str | None = None) -> dict:
    """The JSON bundle: a Verifiable Presentation carrying each stored credential unchanged."""
    return ob.build_presentation([credential.document for credential in credentials],
                                 presentation_id=presentation_id)


def bundle_for(share: ShareLink) -> dict:
    return bundle(list(share.credentials))


def holder_bundle(holder: User) -> dict:
    return bundle(holder_credentials(holder.id))
