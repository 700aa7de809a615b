"""Making and revoking grants. Services flush, never commit; every change is audited.

Granting is an organisation's decision about its own people: only its leads and
administrators make or revoke its grants. A regional body's (the ICS's) grant reaches
every organisation in its region.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from competency.accounts.models import Membership, Organisation, OrgKind, Role, User
from competency.audit.services import record_event
from competency.db import utcnow
from competency.errors import Conflict, DomainError, PermissionDenied
from competency.extensions import db
from competency.frameworks.models import Capability, FrameworkVersion, Level, Pillar, VersionStatus
from competency.grants.models import Grant, GrantKind
from competency.grants.policies import can_manage_grants
from competency.grants.scope import TRAINED_ASSESSOR_LEVELS
from competency.reminders.outbox import notify

MAX_DAYS = 3 * 366
MAX_TEXT = 2000


class GrantError(DomainError):
    """A grant cannot be made as asked (422); ``field`` names the form field."""


def _works_at(person: User, organisation: Organisation, on: date) -> bool:
    return (any(m.organisation_id == organisation.id and m.is_active for m in person.memberships)
            or any(job.organisation_id == organisation.id and job.is_current_on(on) for job in person.employments))


def _check_period(starts_on: date, ends_on: date, on: date) -> None:
    if starts_on < on:
        raise GrantError("A grant starts today or later; it cannot be backdated.", field="starts_on",
                         rule="grant_not_backdated")
    if ends_on < starts_on:
        raise GrantError("The grant must end on or after the day it starts.", field="ends_on",
                         rule="grant_dates_ordered")
    if (ends_on - starts_on).days > MAX_DAYS:
        raise GrantError("A grant lasts at most 3 years; make a new one when it ends.", field="ends_on",
                         rule="grant_too_long")


def _scope(kind: GrantKind, granting: Organisation, pillar_codes: Iterable[str], level_codes: Iterable[str],
           capability_codes: Iterable[str], person_ids: Iterable[int]) -> tuple[list, list, list, list]:
    """Check the scope against the published frameworks and the organisation's people; codes become identifiers."""
    pillar_codes = sorted({c.strip() for c in pillar_codes if c and c.strip()})
    level_codes = sorted({c.strip() for c in level_codes if c and c.strip()})
    capability_codes = sorted({c.strip().upper() for c in capability_codes if c and c.strip()})
    person_ids = sorted(set(person_ids))
    if kind == GrantKind.preceptor and (pillar_codes or level_codes or capability_codes):
        raise GrantError("A preceptor grant has no capability scope: preceptorship does not sign off capabilities.",
                         field="pillar_codes", rule="grant_scope")
    uuids: list[str] = []
    if pillar_codes or level_codes or capability_codes:
        published = sa.select(FrameworkVersion.id).where(FrameworkVersion.status == VersionStatus.published)
        known_pillars = set(db.session.scalars(sa.select(Pillar.code).where(Pillar.version_id.in_(published))))
        known_levels = set(db.session.scalars(sa.select(Level.code).where(Level.version_id.in_(published))))
        unknown = [c for c in pillar_codes if c not in known_pillars]
        if unknown:
            raise GrantError(f"There is no pillar {unknown[0]!r} in a published framework.", field="pillar_codes",
                             rule="grant_scope")
        unknown = [c for c in level_codes if c not in known_levels]
        if unknown:
            raise GrantError(f"There is no level of practice {unknown[0]!r} in a published framework.",
                             field="level_codes", rule="grant_scope")
        by_code: dict[str, Capability] = {}
        if capability_codes:
            rows = db.session.scalars(
                sa.select(Capability).where(Capability.version_id.in_(published),
                                            sa.func.upper(Capability.code).in_(capability_codes))
                .options(selectinload(Capability.level)).order_by(Capability.version_id))
            by_code = {c.code.upper(): c for c in rows}  # the newest version's wins
        unknown = [c for c in capability_codes if c not in by_code]
        if unknown:
            raise GrantError(f"There is no capability {unknown[0]} in a published framework. Check the code, for "
                             "example PP-REG-01.", field="capability_codes", rule="grant_scope")
        uuids = sorted(by_code[c].uuid for c in capability_codes)
        if kind == GrantKind.trained_assessor:
            too_high = [c for c in level_codes if c not in TRAINED_ASSESSOR_LEVELS]
            too_high += [c for c in capability_codes if by_code[c].level.code not in TRAINED_ASSESSOR_LEVELS]
            if too_high:
                raise GrantError(f"Trained assessors sign off support-level capabilities only; {too_high[0]} is "
                                 "above that.", field="level_codes", rule="grant_scope")
    if person_ids:
        if granting.kind == OrgKind.regional_body:
            raise GrantError("A regional grant covers everyone in the region; name people in an organisation's own "
                             "grant instead.", field="person_ids", rule="grant_scope")
        members = set(db.session.scalars(sa.select(Membership.user_id).where(
            Membership.organisation_id == granting.id, Membership.role == Role.practitioner,
            Membership.is_active.is_(True), Membership.user_id.in_(person_ids))))
        if set(person_ids) - members:
            raise GrantError(f"Only practitioners at {granting.name} can be named.", field="person_ids",
                             rule="grant_scope")
    return pillar_codes, level_codes, uuids, person_ids


def create_grant(*, kind: GrantKind, granting: Organisation, grantee: User, grantee_organisation: Organisation,
                 starts_on: date, ends_on: date, reason: str, by: User, on: date,
                 pillar_codes: Iterable[str] = (), level_codes: Iterable[str] = (),
                 capability_codes: Iterable[str] = (), person_ids: Iterable[int] = (),
                 training_course: str | None = None, training_completed_on: date | None = None) -> Grant:
    """Grant ``grantee`` (of ``grantee_organisation``) the right to assess or precept ``granting``'s people.

    :raises PermissionDenied: ``by`` is not a lead or administrator of ``granting``.
    :raises GrantError: a rule is not met (the message says which, ``field`` names the input).
    """
    if not can_manage_grants(by, granting):
        raise PermissionDenied(f"Only a lead or administrator of {granting.name} can grant rights over its people.")
    reason = (reason or "").strip()
    if grantee.id == by.id:
        raise GrantError("Nobody can grant rights to themselves; ask another lead or administrator.",
                         field="email", rule="grant_not_self")
    if not grantee.is_active_account:
        raise GrantError(f"{grantee.display_name}'s account is not active.", field="email", rule="grantee_active")
    if not _works_at(grantee, grantee_organisation, on):
        raise GrantError(f"No active account with that e-mail address belongs to {grantee_organisation.name}.",
                         field="email", rule="grantee_organisation")
    if kind != GrantKind.trained_assessor:
        if grantee_organisation.id == granting.id:
            raise GrantError(f"{grantee.display_name} works at {granting.name}: give them the preceptor role there "
                             "instead of a grant.", field="grantee_organisation_id", rule="grant_other_organisation")
        if not grantee.is_registered:
            raise GrantError(f"{grantee.display_name} holds no professional registration. Assessors and preceptors "
                             "from other organisations must be registered; name a trained assessor for "
                             "support-level work instead.", field="email", rule="grantee_registered")
    else:
        training_course = (training_course or "").strip()
        if not training_course or training_completed_on is None:
            raise GrantError("Name the assessor training and the date it was completed: trained assessors are named "
                             "for their training.", field="training_course", rule="trained_assessor_training")
        if training_completed_on > on:
            raise GrantError("The training must already be completed.", field="training_completed_on",
                             rule="trained_assessor_training")
    if not reason:
        raise GrantError("Say why the grant is needed (for example: single-handed team, no consultant here).",
                         field="reason", rule="grant_reason")
    if len(reason) > MAX_TEXT or len(training_course or "") > 200:
        raise GrantError(f"Keep the reason to {MAX_TEXT:,} characters and the course name to 200.", field="reason",
                         rule="text_too_long")
    _check_period(starts_on, ends_on, on)
    pillars, levels, uuids, people = _scope(kind, granting, pillar_codes, level_codes, capability_codes, person_ids)
    grant = Grant(kind=kind, granting_organisation=granting, grantee=grantee,
                  grantee_organisation=grantee_organisation, starts_on=starts_on, ends_on=ends_on,
                  pillar_codes=pillars, level_codes=levels, capability_uuids=uuids, person_ids=people, reason=reason,
                  training_course=training_course or None,
                  training_completed_on=training_completed_on if kind == GrantKind.trained_assessor else None,
                  granted_by_id=by.id)
    db.session.add(grant)
    db.session.flush()
    record_event("grant.created", actor=by, organisation=granting, subject=grant, data={
        "kind": kind.value, "grantee_id": grantee.id, "grantee_organisation_id": grantee_organisation.id,
        "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "pillar_codes": pillars,
        "level_codes": levels, "capability_uuids": uuids, "person_ids": people, "reason": reason,
        "training_course": grant.training_course})
    notify(grantee, kind="grant.created", title=f"{granting.name} named you: {grant.kind_label.lower()}",
           body=f"From {starts_on:%d %B %Y} to {ends_on:%d %B %Y}. {reason}", link=f"/grants/{grant.id}",
           dedupe_key=f"grant.created:{grant.id}")
    return grant


def revoke_grant(grant: Grant, *, reason: str, by: User, at: datetime | None = None) -> Grant:
    """End a grant now. One conditional UPDATE, so it serialises with a sign-off relying on the grant
    (which share-locks the row): whichever commits first wins, and the other sees it.

    :raises PermissionDenied: ``by`` may not revoke grants of the granting organisation.
    :raises Conflict: it was already revoked.
    """
    if not can_manage_grants(by, grant.granting_organisation_id):
        raise PermissionDenied("Only a lead or administrator of the organisation that made the grant can revoke it.")
    reason = (reason or "").strip()
    if not reason:
        raise GrantError("Say why the grant is revoked.", field="reason", rule="grant_revoke_reason")
    if len(reason) > MAX_TEXT:
        raise GrantError(f"Keep the reason to {MAX_TEXT:,} characters.", field="reason", rule="text_too_long")
    at = at or utcnow()
    result = db.session.execute(
        sa.update(Grant).where(Grant.id == grant.id, Grant.revoked_at.is_(None))
        .values(revoked_at=at, revoked_by_id=by.id, revocation_reason=reason, updated_at=at)
        .execution_options(synchronize_session=False))
    db.session.refresh(grant)
    if result.rowcount != 1:
        raise Conflict(f"This grant was already revoked on {grant.revoked_at:%d %B %Y}.", rule="grant_revoked")
    record_event("grant.revoked", actor=by, organisation=grant.granting_organisation_id, subject=grant,
                 data={"kind": grant.kind.value, "grantee_id": grant.grantee_id, "reason": reason})
    notify(grant.grantee, kind="grant.revoked",
           title=f"{grant.granting_organisation.name} ended your grant: {grant.kind_label.lower()}",
           body=reason, link=f"/grants/{grant.id}", dedupe_key=f"grant.revoked:{grant.id}")
    _tell_leads_of_preceptees(grant)
    return grant


def _tell_leads_of_preceptees(grant: Grant) -> None:
    """A revoked preceptor grant leaves preceptees needing a new preceptor: their leads are told."""
    if grant.kind != GrantKind.preceptor:
        return
    from competency.preceptors.queries import open_assignments_under_grant

    for assignment in open_assignments_under_grant(grant.id):
        enrolment = assignment.enrolment
        notify(enrolment.lead, kind="grant.revoked",
               title=f"Choose a new preceptor for {enrolment.practitioner.display_name}",
               body=f"{grant.grantee.display_name}'s preceptor grant was revoked.",
               link=f"/programmes/enrolments/{enrolment.id}/preceptor",
               dedupe_key=f"grant.revoked:{grant.id}:enrolment:{enrolment.id}")
