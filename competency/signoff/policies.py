"""Who may see and act on sign-off requests and sign-offs (pure predicates, no queries)."""
from __future__ import annotations

from competency.accounts.models import Role, User
from competency.accounts.policies import has_role
from competency.signoff.models import SignOff, SignOffRequest

REVIEWER_ROLES = (Role.preceptor, Role.lead)


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def assessor_stands(user: User, request: SignOffRequest) -> bool:
    """The named assessor still stands where the request was made: a preceptor or lead there, or
    holding a grant in force that covers this practitioner and capability (DESIGN.md rule 5: a
    granted assessor sees only what the grant covers, and nothing once it has ended)."""
    if user.id != request.assessor_id:
        return False
    if has_role(user, request.organisation_id, *REVIEWER_ROLES):
        return True
    from competency.grants.standing import request_reached_by_grant

    return request_reached_by_grant(user, request)


def can_view_request(user: User | None, request: SignOffRequest) -> bool:
    if not _signed_in(user):
        return False
    return (user.id == request.practitioner_id or has_role(user, request.organisation_id, *REVIEWER_ROLES)
            or assessor_stands(user, request))


def may_decide(user: User | None, request: SignOffRequest) -> bool:
    """The named assessor, or a lead where the request was made (covering absence), never the practitioner."""
    if not _signed_in(user) or user.id == request.practitioner_id:
        return False
    return has_role(user, request.organisation_id, Role.lead) or assessor_stands(user, request)


def can_decide(user: User | None, request: SignOffRequest) -> bool:
    return request.is_pending and may_decide(user, request)


def can_withdraw(user: User | None, request: SignOffRequest) -> bool:
    return _signed_in(user) and request.is_pending and user.id == request.practitioner_id


def can_view_signoff(user: User | None, signoff: SignOff) -> bool:
    if not _signed_in(user):
        return False
    if user.id in (signoff.practitioner_id, signoff.assessor_id):
        return True
    return signoff.organisation_id is not None and has_role(user, signoff.organisation_id, *REVIEWER_ROLES)


def may_revoke(user: User | None, signoff: SignOff) -> bool:
    """The signing assessor, or a lead of the organisation where it was signed (or recognised)."""
    if not _signed_in(user):
        return False
    if signoff.assessor_id is not None and user.id == signoff.assessor_id:
        return True
    return signoff.organisation_id is not None and has_role(user, signoff.organisation_id, Role.lead)


def can_revoke(user: User | None, signoff: SignOff) -> bool:
    return not signoff.is_revoked and may_revoke(user, signoff)


def may_write(user: User | None, request: SignOffRequest) -> bool:
    """The two sides of the conversation: the practitioner, and whoever may decide the request."""
    if not _signed_in(user):
        return False
    return user.id == request.practitioner_id or may_decide(user, request)


def can_write(user: User | None, request: SignOffRequest) -> bool:
    """Messages go on an open conversation: waiting, or returned and not yet sent again."""
    if request.is_pending or (request.is_returned and not request.is_superseded):
        return may_write(user, request)
    return False


def can_send_again(user: User | None, request: SignOffRequest) -> bool:
    return (_signed_in(user) and user.id == request.practitioner_id and request.is_returned
            and not request.is_superseded)
