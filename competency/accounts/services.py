"""State-changing operations on accounts. They flush; the caller commits."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from competency.accounts import sessions, tokens
from competency.accounts.models import (
    ApiToken,
    Employment,
    Invitation,
    Membership,
    Organisation,
    PasswordReset,
    Role,
    User,
)
from competency.accounts.passwords import check_password, check_password_or_dummy, hash_password, password_problem
from competency.accounts.policies import can_admin
from competency.audit.services import record_event
from competency.db import utcnow
from competency.errors import Conflict, DomainError, NotFound, PermissionDenied
from competency.extensions import db
from competency.reminders.outbox import queue_email

RESET_TOKEN_LIFETIME = timedelta(hours=1)
INVITATION_LIFETIME = timedelta(days=14)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def create_user(
    email: str,
    display_name: str,
    *,
    password: str | None = None,
    profession: str | None = None,
    registration_body: str | None = None,
    registration_number: str | None = None,
    registered_on: date | None = None,
) -> User:
    email = normalise_email(email)
    if find_user_by_email(email):
        raise Conflict("An account with this email address already exists", field="email")
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password) if password else None,
        profession=profession,
        registration_body=registration_body,
        registration_number=registration_number,
        registered_on=registered_on,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Failures are audited."""
    user = find_user_by_email(email)
    # Always one password check, whether or not the account exists, is closed or has no
    # password, so the answer's timing does not say which.
    matches = check_password_or_dummy(user.password_hash if user is not None else None, password)
    if user is not None and user.is_active_account and matches:
        user.last_login_at = utcnow()
        return user
    record_event(
        "auth.login_failed",
        actor=None,
        subject=user,
        subject_type="user_account",
        data={"email": normalise_email(email)[:254]},
    )
    return None


def ensure_membership(user: User, organisation: Organisation, role: Role) -> Membership:
    membership = db.session.scalar(
        sa.select(Membership).filter_by(user_id=user.id, organisation_id=organisation.id, role=role)
    )
    if membership is None:
        membership = Membership(user=user, organisation=organisation, role=role)
        db.session.add(membership)
    membership.is_active = True
    db.session.flush()
    return membership


def set_roles(user: User, organisation: Organisation, roles: set[Role], *, by: User) -> None:
    """Make the user's active roles at ``organisation`` exactly ``roles``."""
    if not can_admin(by, organisation):
        raise PermissionDenied("Only an administrator of this organisation can change roles")
    if by.id == user.id and Role.admin not in roles and Role.admin in _roles_at(user, organisation):
        raise DomainError("You cannot remove your own administrator role", field="roles")
    before = _roles_at(user, organisation)
    for membership in user.memberships:
        if membership.organisation_id == organisation.id and membership.role not in roles:
            membership.is_active = False
    for role in roles:
        ensure_membership(user, organisation, role)
    after = _roles_at(user, organisation)
    if before != after:
        record_event(
            "membership.roles_changed",
            actor=by,
            organisation=organisation,
            subject=user,
            data={"before": sorted(r.value for r in before), "after": sorted(r.value for r in after)},
        )


def _roles_at(user: User, organisation: Organisation) -> set[Role]:
    return {m.role for m in user.memberships if m.organisation_id == organisation.id and m.is_active}


def add_employment(
    user: User,
    organisation: Organisation,
    *,
    role_title: str,
    level_code: str,
    start_on: date,
    by: User | None,
    band_label: str | None = None,
    end_on: date | None = None,
    fte: float = 1.0,
    service_name: str | None = None,
    is_ahp_service: bool | None = None,
) -> Employment:
    if end_on is not None and end_on < start_on:
        raise DomainError("The end date must be on or after the start date", field="end_on")
    if not 0 < fte <= 1:
        raise DomainError("FTE must be more than 0 and at most 1.0", field="fte")
    employment = Employment(
        user=user,
        organisation=organisation,
        role_title=role_title,
        level_code=level_code,
        band_label=band_label,
        start_on=start_on,
        end_on=end_on,
        fte=fte,
        service_name=(service_name or "").strip()[:120] or None,
        is_ahp_service=is_ahp_service,
    )
    db.session.add(employment)
    db.session.flush()
    record_event(
        "employment.added", actor=by, organisation=organisation, subject=employment,
        data={"user_id": user.id, "role_title": role_title, "level_code": level_code},
    )
    return employment


def set_active(user: User, organisation: Organisation, *, is_active: bool, by: User) -> None:
    """Deactivate (or reactivate) a person's memberships at ``organisation``.

    The account itself stays: the person owns their record and may belong elsewhere.
    """
    if not can_admin(by, organisation):
        raise PermissionDenied("Only an administrator of this organisation can do this")
    if by.id == user.id and not is_active:
        raise DomainError("You cannot deactivate yourself")
    for membership in user.memberships:
        if membership.organisation_id == organisation.id:
            membership.is_active = is_active
    record_event(
        "membership.reactivated" if is_active else "membership.deactivated",
        actor=by, organisation=organisation, subject=user,
    )
    if not is_active:
        # Whoever holds the person's open sessions or tokens loses them with the job.
        sessions.end_sessions(user, by=by, reason=sessions.DEACTIVATED)
        sessions.revoke_tokens(user, by=by, reason=sessions.DEACTIVATED)


def sign_out_everywhere(user: User, organisation: Organisation, *, by: User) -> None:
    """An administrator ends every session of a member (for example a lost phone); tokens stay."""
    if not can_admin(by, organisation):
        raise PermissionDenied("Only an administrator of this organisation can do this")
    sessions.end_sessions(user, by=by, reason=sessions.SIGNED_OUT_EVERYWHERE)


def invite(organisation: Organisation, email: str, roles: set[Role], *, by: User) -> tuple[Invitation, str]:
    """Create an invitation and queue its e-mail. Returns the invitation and its secret token."""
    if not can_admin(by, organisation):
        raise PermissionDenied("Only an administrator of this organisation can invite people")
    if not roles:
        raise DomainError("Choose at least one role", field="roles")
    secret = tokens.new_secret()
    invitation = Invitation(
        organisation=organisation,
        email=normalise_email(email),
        roles=sorted(r.value for r in roles),
        token_hash=tokens.digest(secret),
        expires_at=utcnow() + INVITATION_LIFETIME,
        invited_by_id=by.id,
    )
    db.session.add(invitation)
    db.session.flush()
    queue_email(
        to=invitation.email,
        template="invitation",
        subject=f"You have been invited to join {organisation.name} on competency",
        context={"organisation": organisation, "token": secret, "inviter": by, "invitation": invitation},
        dedupe_key=f"invitation:{invitation.id}",
    )
    record_event("invitation.sent", actor=by, organisation=organisation, subject=invitation,
                 data={"email": invitation.email, "roles": invitation.roles})
    return invitation, secret


def pending_invitation(secret: str, now: datetime | None = None) -> Invitation:
    now = now or utcnow()
    invitation = db.session.scalar(sa.select(Invitation).filter_by(token_hash=tokens.digest(secret)))
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at < now:
        raise NotFound("This invitation link is not valid. It may have expired or been used already.")
    return invitation


def accept_invitation(secret: str, *, display_name: str, password: str | None, by: User | None = None) -> User:
    """Join the organisation; creates the account when the e-mail has none yet.

    An existing account joins only when ``by`` is that account (already signed in) or
    ``password`` is its password: holding the link alone must not sign anyone in as it.
    """
    invitation = pending_invitation(secret)
    user = find_user_by_email(invitation.email)
    if user is not None:
        is_owner = by is not None and by.id == user.id
        if not user.is_active_account:
            raise DomainError("This account has been closed. Ask your administrator for help.", field="password")
        if not is_owner and not check_password(user.password_hash, password or ""):
            raise DomainError("Enter the password of your existing account", field="password")
    else:
        problem = password_problem(password or "")
        if problem:
            raise DomainError(problem, field="password")
        user = create_user(invitation.email, display_name, password=password)
    for value in invitation.roles:
        ensure_membership(user, invitation.organisation, Role(value))
    invitation.accepted_at = utcnow()
    record_event("invitation.accepted", actor=user, organisation=invitation.organisation, subject=invitation)
    return user


def request_password_reset(email: str) -> None:
    """Queue a single-use reset link when the account exists; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active_account:
        return
    secret = tokens.new_secret()
    reset = PasswordReset(user_id=user.id, token_hash=tokens.digest(secret),
                          expires_at=utcnow() + RESET_TOKEN_LIFETIME)
    db.session.add(reset)
    db.session.flush()
    queue_email(
        to=user.email, user=user, template="password_reset",
        subject="Reset your competency password",
        context={"token": secret, "expires_minutes": int(RESET_TOKEN_LIFETIME.total_seconds() // 60)},
        dedupe_key=f"password-reset:{reset.id}",
    )


def valid_reset(secret: str, now: datetime | None = None) -> PasswordReset:
    now = now or utcnow()
    reset = db.session.scalar(sa.select(PasswordReset).filter_by(token_hash=tokens.digest(secret)))
    if reset is None or reset.used_at is not None or reset.expires_at < now:
        raise NotFound("This reset link is not valid. Links work once and for one hour; ask for a new one.")
    return reset


def reset_password(secret: str, new_password: str) -> User:
    reset = valid_reset(secret)
    problem = password_problem(new_password)
    if problem:
        raise DomainError(problem, field="password")
    user = db.session.get(User, reset.user_id)
    user.password_hash = hash_password(new_password)
    reset.used_at = utcnow()
    # One link, one use: retire any other outstanding links for this account.
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=reset.used_at)
    )
    record_event("auth.password_reset", actor=user, subject=user)
    sessions.end_sessions(user, by=user, reason=sessions.PASSWORD_RESET)
    sessions.revoke_tokens(user, by=user, reason=sessions.PASSWORD_RESET)
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change a signed-in person's password and end their other sessions (the caller signs this one in again).

    Tokens stay: whoever changes the password knew the old one.
    """
    if not check_password(user.password_hash, current_password):
        raise DomainError("Your current password is not correct", field="current_password")
    problem = password_problem(new_password)
    if problem:
        raise DomainError(problem, field="password")
    user.password_hash = hash_password(new_password)
    record_event("auth.password_changed", actor=user, subject=user)
    sessions.end_sessions(user, by=user, reason=sessions.PASSWORD_CHANGED)


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal access token; the secret is returned once and never stored."""
    name = name.strip()
    if not name:
        raise DomainError("Give the token a name so you can recognise it later", field="name")
    secret = tokens.new_secret("cpt_")
    token = ApiToken(user_id=user.id, name=name[:80], token_hash=tokens.digest(secret), prefix=secret[:10])
    db.session.add(token)
    db.session.flush()
    record_event("api_token.created", actor=user, subject=token, data={"name": token.name})
    return token, secret


def revoke_api_token(token: ApiToken, *, by: User) -> None:
    if token.user_id != by.id:
        raise NotFound("Token not found")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_event("api_token.revoked", actor=by, subject=token)


# "Last used" is shown to the minute; writing it on every request would make every API read a write.
TOKEN_USE_PRECISION = timedelta(minutes=1)


def user_for_api_token(secret: str) -> User | None:
    token = db.session.scalar(
        sa.select(ApiToken).filter_by(token_hash=tokens.digest(secret)).where(ApiToken.revoked_at.is_(None))
    )
    if token is None or not token.user.is_active_account:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_PRECISION:
        token.last_used_at = now
    return token.user
