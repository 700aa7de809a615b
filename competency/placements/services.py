"""Setting up and ending placements. Services flush, never commit; every change is audited."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from competency.accounts.models import Organisation, Role, User
from competency.accounts.policies import has_role
from competency.audit.services import record_event
from competency.db import utcnow
from competency.errors import Conflict, DomainError, PermissionDenied
from competency.extensions import db
from competency.placements.models import LearnerKind, Placement
from competency.placements.policies import can_host_placements, can_manage_placement
from competency.reminders.outbox import notify

MAX_DAYS = 2 * 366
MAX_TEXT = 2000


class PlacementError(DomainError):
    """A placement cannot be set up as asked (422); ``field`` names the form field."""


def _belongs_to(person: User, organisation: Organisation, on: date) -> bool:
    return (any(m.organisation_id == organisation.id and m.is_active for m in person.memberships)
            or any(job.organisation_id == organisation.id and job.is_current_on(on) for job in person.employments))


def create_placement(*, learner: User, learner_kind: LearnerKind, host: Organisation, home: Organisation,
                     supervisor: User, starts_on: date, ends_on: date, by: User, on: date,
                     note: str = "") -> Placement:
    """A placement at ``host``: for its dates the host's assessors stand as they would for an employee.

    :raises PermissionDenied: ``by`` is not a lead or administrator of the host.
    :raises PlacementError: a rule is not met; :raises Conflict: it overlaps another placement there.
    """
    if not can_host_placements(by, host):
        raise PermissionDenied(f"Only a lead or administrator of {host.name} can set up placements there.")
    note = (note or "").strip()
    if home.id == host.id:
        raise PlacementError("The education provider or home employer must be another organisation than the host.",
                             field="home_organisation_id", rule="placement_home")
    if not _belongs_to(learner, home, on):
        raise PlacementError(f"No active account with that e-mail address belongs to {home.name}.", field="email",
                             rule="placement_learner")
    if any(job.organisation_id == host.id and job.is_current_on(starts_on) for job in learner.employments):
        raise PlacementError(f"{learner.display_name} is employed at {host.name}, so their colleagues there can "
                             "already sign off; no placement is needed.", field="email", rule="placement_employed")
    if supervisor.id == learner.id:
        raise PlacementError("A learner cannot supervise themselves.", field="supervisor_id",
                             rule="placement_supervisor")
    if not has_role(supervisor, host, Role.preceptor, Role.lead) or not supervisor.is_registered:
        raise PlacementError(f"The supervisor must be a registered preceptor or lead at {host.name}.",
                             field="supervisor_id", rule="placement_supervisor")
    if ends_on < starts_on:
        raise PlacementError("The placement must end on or after the day it starts.", field="ends_on",
                             rule="placement_dates_ordered")
    if (ends_on - starts_on).days > MAX_DAYS:
        raise PlacementError("A placement lasts at most 2 years.", field="ends_on", rule="placement_too_long")
    if ends_on < on:
        raise PlacementError("The placement has already ended; record placements that are running or to come.",
                             field="ends_on", rule="placement_in_past")
    if len(note) > MAX_TEXT:
        raise PlacementError(f"Keep the note to {MAX_TEXT:,} characters.", field="note", rule="text_too_long")
    overlap = db.session.scalar(sa.select(Placement).where(
        Placement.learner_id == learner.id, Placement.host_organisation_id == host.id, Placement.ended_at.is_(None),
        Placement.starts_on <= ends_on, Placement.ends_on >= starts_on))
    if overlap is not None:
        raise Conflict(f"{learner.display_name} already has a placement at {host.name} from "
                       f"{overlap.starts_on:%d %B %Y} to {overlap.ends_on:%d %B %Y}.", field="starts_on",
                       rule="placement_overlap")
    placement = Placement(learner=learner, learner_kind=learner_kind, host_organisation=host, home_organisation=home,
                          supervisor=supervisor, starts_on=starts_on, ends_on=ends_on, note=note, created_by_id=by.id)
    db.session.add(placement)
    db.session.flush()
    record_event("placement.created", actor=by, organisation=host, subject=placement, data={
        "learner_id": learner.id, "kind": learner_kind.value, "home_organisation_id": home.id,
        "supervisor_id": supervisor.id, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()})
    period = f"{starts_on:%d %B %Y} to {ends_on:%d %B %Y}"
    notify(learner, kind="placement.created", title=f"Your placement at {host.name}",
           body=f"{period}. {supervisor.display_name} is your supervisor there.", link=f"/placements/{placement.id}",
           dedupe_key=f"placement.created:{placement.id}:learner")
    notify(supervisor, kind="placement.created", title=f"You supervise {learner.display_name} on placement",
           body=f"{period}, from {home.name}.", link=f"/placements/{placement.id}",
           dedupe_key=f"placement.created:{placement.id}:supervisor")
    return placement


def end_placement(placement: Placement, *, reason: str, by: User, at: datetime | None = None) -> Placement:
    """End a placement early; from now the host's assessors no longer stand for the learner.

    One conditional UPDATE, so it serialises with a sign-off relying on the placement.
    """
    if not can_manage_placement(by, placement):
        raise PermissionDenied("Only a lead or administrator of the host or home organisation can end a placement.")
    reason = (reason or "").strip()
    if not reason:
        raise PlacementError("Say why the placement is ending early.", field="reason", rule="placement_end_reason")
    if len(reason) > MAX_TEXT:
        raise PlacementError(f"Keep the reason to {MAX_TEXT:,} characters.", field="reason", rule="text_too_long")
    at = at or utcnow()
    result = db.session.execute(
        sa.update(Placement).where(Placement.id == placement.id, Placement.ended_at.is_(None))
        .values(ended_at=at, ended_by_id=by.id, end_reason=reason, updated_at=at)
        .execution_options(synchronize_session=False))
    db.session.refresh(placement)
    if result.rowcount != 1:
        raise Conflict("This placement has already been ended.", rule="placement_ended")
    record_event("placement.ended", actor=by, organisation=placement.host_organisation_id, subject=placement,
                 data={"learner_id": placement.learner_id, "reason": reason})
    for person, who in ((placement.learner, "learner"), (placement.supervisor, "supervisor")):
        notify(person, kind="placement.ended", title=f"The placement at {placement.host_organisation.name} has ended",
               body=reason, link=f"/placements/{placement.id}", dedupe_key=f"placement.ended:{placement.id}:{who}")
    return placement
