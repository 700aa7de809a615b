"""Granting and revoking platform roles. Services flush; the caller commits. Every change is audited.

``by=None`` is the operator at the command line (``flask platform ...``), who needs no role:
that is how the first platform administrator is made, and the way back if none is left.
"""
from __future__ import annotations

import sqlalchemy as sa

from competency.accounts.models import Organisation, User
from competency.audit.services import record_event
from competency.errors import Conflict, DomainError, NotFound, PermissionDenied
from competency.extensions import db
from competency.frameworks.models import Framework
from competency.platform.models import SCOPED_BY_OWNER, SCOPED_BY_REGION, PlatformGrant, PlatformRole, scope_key
from competency.platform.policies import can_change_platform_roles, is_platform_admin


def _check_actor(by: User | None, person: User) -> None:
    if by is None:
        return
    if by.id == person.id:
        raise PermissionDenied("Nobody changes their own platform roles. Ask another platform administrator.",
                               rule="own_platform_roles")
    if not can_change_platform_roles(by, person):
        raise PermissionDenied("Only a platform administrator can change platform roles.",
                               rule="not_platform_admin")


def known_regions() -> list[str]:
    return list(db.session.scalars(sa.select(Organisation.region).distinct().order_by(Organisation.region)))


def _audit_data(grant: PlatformGrant) -> dict:
    return {"role": grant.role.value, "organisation_id": grant.organisation_id, "region": grant.region,
            "scope": grant.scope_label}


def grant_role(person: User, role: PlatformRole, *, by: User | None, owner: Organisation | None = None,
               region: str | None = None) -> PlatformGrant:
    """Give ``person`` a platform role within its scope.

    :raises PermissionDenied: ``by`` is not a platform administrator, or is ``person``.
    :raises DomainError: the scope does not suit the role (a region that no organisation is in ...).
    :raises Conflict: ``person`` already holds exactly this grant.
    """
    _check_actor(by, person)
    if not person.is_active_account:
        raise DomainError(f"{person.display_name}'s account is closed.", field="email")
    if role in SCOPED_BY_REGION:
        region = (region or "").strip()
        if region not in known_regions():
            raise DomainError("Choose a region that at least one organisation is in.", field="region")
    else:
        region = None
    if role not in SCOPED_BY_OWNER:
        owner = None
    organisation_id = owner.id if owner is not None else None
    key = scope_key(role, organisation_id, region)
    if db.session.scalar(sa.select(PlatformGrant.id).filter_by(user_id=person.id, role=role, scope_key=key)):
        raise Conflict(f"{person.display_name} already holds this role.", field="role")
    grant = PlatformGrant(user_id=person.id, role=role, organisation_id=organisation_id, region=region,
                          scope_key=key, granted_by_id=by.id if by is not None else None)
    db.session.add(grant)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        raise Conflict(f"{person.display_name} already holds this role.", field="role") from None
    db.session.refresh(grant)
    db.session.expire(person, ["platform_grants"])
    record_event("platform.role_granted", actor=by, subject=person, data=_audit_data(grant))
    return grant


def revoke_grant(grant: PlatformGrant, *, by: User | None) -> None:
    person = grant.user
    _check_actor(by, person)
    data = _audit_data(grant)
    db.session.delete(grant)
    db.session.flush()
    db.session.expire(person, ["platform_grants"])
    record_event("platform.role_revoked", actor=by, subject=person, data=data)


def find_grant(person: User, role: PlatformRole, *, owner: Organisation | None = None,
               region: str | None = None) -> PlatformGrant:
    key = scope_key(role, owner.id if owner is not None and role in SCOPED_BY_OWNER else None,
                    region if role in SCOPED_BY_REGION else None)
    grant = db.session.scalar(sa.select(PlatformGrant).filter_by(user_id=person.id, role=role, scope_key=key))
    if grant is None:
        raise NotFound(f"{person.email} does not hold that role.")
    return grant


def set_framework_owner(framework: Framework, owner: Organisation | None, *, by: User | None) -> None:
    """Say which organisation's editors look after ``framework`` (None: the platform's own)."""
    if by is not None and not is_platform_admin(by):
        raise PermissionDenied("Only a platform administrator can change who owns a framework.")
    before = framework.owner_id
    framework.owner_id = owner.id if owner is not None else None
    db.session.flush()
    record_event("framework.owner_changed", actor=by, subject_type="framework", subject_id=framework.uuid,
                 data={"slug": framework.slug, "before": before, "after": framework.owner_id})
