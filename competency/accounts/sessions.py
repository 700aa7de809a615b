"""Ending every session of an account at once, and revoking its API tokens.

Sessions live in signed cookies, so the server cannot delete one. Instead each session
names the account's *session generation* (Flask-Login's id is ``"<user id>:<generation>"``)
and every request compares it with the database. Raising the generation therefore ends
every session made before, on every device, including a copied cookie replayed later.

What ends sessions, and what else it does:

- signing out, changing the password, an administrator's "sign out everywhere": sessions only;
- a password reset (the way back into an account that may be in the wrong hands) and
  deactivation: sessions and every personal access token.
"""
from __future__ import annotations

import sqlalchemy as sa

from competency.accounts.models import ApiToken, User
from competency.audit.services import record_event
from competency.db import utcnow
from competency.extensions import db

# Why sessions ended, as recorded in the audit log.
SIGNED_OUT = "signed_out"
PASSWORD_CHANGED = "password_changed"
PASSWORD_RESET = "password_reset"
DEACTIVATED = "deactivated"
SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"


def parse_session_id(value: str | None) -> tuple[int, int] | None:
    """(user id, generation) from a session's id; None for anything else (older cookies included)."""
    user_part, sep, generation_part = (value or "").partition(":")
    if not sep or not user_part.isdecimal() or not generation_part.isdecimal():
        return None
    if len(user_part) > 12 or len(generation_part) > 12:
        return None
    return int(user_part), int(generation_part)


def user_for_session(value: str | None) -> User | None:
    """The active account a session belongs to, if that session has not been ended since."""
    parsed = parse_session_id(value)
    if parsed is None:
        return None
    user_id, generation = parsed
    user = db.session.get(User, user_id)
    if user is None or not user.is_active_account or user.session_generation != generation:
        return None
    return user


def end_sessions(user: User, *, by: User | None, reason: str) -> None:
    """End every session of ``user``; a session the caller keeps must sign in again afterwards.

    The increment happens in SQL, so two at once both count and neither can leave an old
    generation valid.
    """
    user.session_generation = User.session_generation + 1
    db.session.flush()
    db.session.refresh(user, ["session_generation"])
    record_event("auth.sessions_ended", actor=by, subject=user, data={"reason": reason})


def revoke_tokens(user: User, *, by: User | None, reason: str) -> int:
    """Revoke every live personal access token of ``user``; returns how many there were."""
    revoked = db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if revoked:
        record_event("api_token.revoked_all", actor=by, subject=user, data={"reason": reason, "count": revoked})
    return revoked
