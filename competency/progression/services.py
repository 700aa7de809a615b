"""Putting people on pathways, employer confirmations, panels and moving to the next stage.

Every function takes the acting user, checks the rule, flushes and writes the audit
entry; the caller commits. Apprenticeship records are in
:mod:`competency.progression.apprenticeships`.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from competency.accounts.models import Membership, Organisation, Role, User
from competency.accounts.policies import can_lead
from competency.audit.services import record_event
from competency.db import utcnow
from competency.errors import Conflict, DomainError, PermissionDenied
from competency.extensions import db
from competency.progression import queries
from competency.progression.catalogue import catalogue
from competency.progression.models import (
    ChecklistConfirmation,
    Panel,
    PanelOutcome,
    ProgressionRecord,
    RecordStatus,
)
from competency.progression.policies import can_manage_record
from competency.progression.specs import CriterionKind, PathwaySpec, StageKind, StepSpec
from competency.reminders.outbox import notify

MAX_PANEL_MEMBERS = 12


def _require_manager(record: ProgressionRecord, by: User) -> None:
    if not can_manage_record(by, record):
        raise PermissionDenied("Only a lead at the person's organisation can do this, and not for themselves.")


def _require_active(record: ProgressionRecord) -> None:
    if record.status is not RecordStatus.active:
        raise Conflict("This pathway record is no longer active.")


def default_target(pathway: PathwaySpec, stage_code: str) -> str | None:
    """The first step out of a stage that leads to a required stage, else the first step at all."""
    steps = pathway.steps_from(stage_code)
    for step in steps:
        if not pathway.stage(step.to_stage).is_optional:
            return step.to_stage
    return steps[0].to_stage if steps else None


def leads_of(organisation_id: int) -> list[User]:
    lead_ids = sa.select(Membership.user_id).where(
        Membership.organisation_id == organisation_id, Membership.role == Role.lead, Membership.is_active.is_(True))
    return list(db.session.scalars(
        sa.select(User).where(User.id.in_(lead_ids), User.is_active_account.is_(True)).order_by(User.id)))


def _link(record: ProgressionRecord) -> str:
    return f"/progression/records/{record.id}"


def enrol(person: User, organisation: Organisation, *, pathway_slug: str, stage_code: str,
          target_stage_code: str | None, by: User, today: date) -> ProgressionRecord:
    """Put ``person`` on the latest version of a pathway at ``organisation``.

    :raises DomainError: the person is not a member there, or the stages do not fit the pathway.
    :raises Conflict: the person is already on this pathway here.
    """
    pathway = catalogue().get(pathway_slug)
    if person.id == by.id or not can_lead(by, organisation):
        raise PermissionDenied("Only a lead at the organisation can put someone on a pathway, and not themselves.")
    if not any(m.organisation_id == organisation.id and m.is_active for m in person.memberships):
        raise DomainError(f"{person.display_name} is not a member of {organisation.name}.", field="person")
    record = ProgressionRecord(user=person, organisation=organisation, pathway_slug=pathway.slug,
                               pathway_version=pathway.version, stage_code=stage_code,
                               started_on=today, stage_since_on=today, created_by_id=by.id)
    stage = pathway.stage(stage_code)
    if stage is None or stage.kind is not StageKind.role:
        raise DomainError("Choose the stage the person is at now.", field="stage_code")
    target_stage_code = target_stage_code or default_target(pathway, stage_code)
    if target_stage_code is None or pathway.step_between(stage_code, target_stage_code) is None:
        options = ", ".join(pathway.stage(s.to_stage).name for s in pathway.steps_from(stage_code))
        raise DomainError(f"From {stage.name} this pathway leads to: {options or 'nowhere further'}.",
                          field="target_stage_code")
    exists = db.session.scalar(sa.select(ProgressionRecord.id).filter_by(
        user_id=person.id, organisation_id=organisation.id, pathway_slug=pathway.slug))
    if exists:
        raise Conflict(f"{person.display_name} is already on this pathway at {organisation.name}.")
    record.target_stage_code = target_stage_code
    db.session.add(record)
    db.session.flush()
    record_event("progression.enrolled", actor=by, organisation=organisation, subject=record,
                 data={"user_id": person.id, "pathway": f"{pathway.slug}@{pathway.version}",
                       "stage": stage_code, "target": target_stage_code})
    notify(person, kind="progression.enrolled", title=f"You are on the pathway: {pathway.title}",
           body=f"{by.display_name} added you. See what you need for the next step.", link="/progression/",
           dedupe_key=f"progression.enrolled:{record.id}")
    return record


def change_target(record: ProgressionRecord, target_stage_code: str, *, by: User) -> None:
    """Aim for another stage reachable from the current one (e.g. assistant practitioner first)."""
    _require_manager(record, by)
    _require_active(record)
    pathway = catalogue().get(record.pathway_slug, record.pathway_version)
    if pathway.step_between(record.stage_code, target_stage_code) is None:
        raise DomainError("That stage cannot be reached from the person's current stage.", field="target_stage_code")
    record.target_stage_code = target_stage_code
    db.session.flush()
    record_event("progression.target_changed", actor=by, organisation=record.organisation_id, subject=record,
                 data={"target": target_stage_code})


def _current_step(record: ProgressionRecord) -> StepSpec:
    pathway = catalogue().get(record.pathway_slug, record.pathway_version)
    step = queries.current_step(record, pathway)
    if step is None:
        raise Conflict("This person has no next step on the pathway.")
    return step


def confirm_item(record: ProgressionRecord, criterion_code: str, *, note: str = "", by: User) -> ChecklistConfirmation:
    """The employer confirms a checklist item of the current step.

    :raises Conflict: it is already confirmed.
    """
    _require_manager(record, by)
    _require_active(record)
    step = _current_step(record)
    criterion = step.criterion(criterion_code)
    if criterion is None or criterion.kind not in (CriterionKind.confirmation, CriterionKind.hours_worked):
        raise DomainError("That is not a checklist item of the person's next step.")
    exists = db.session.scalar(sa.select(ChecklistConfirmation.id).filter_by(
        record_id=record.id, step_code=step.code, criterion_code=criterion_code))
    if exists:
        raise Conflict(f"'{criterion.title}' is already confirmed.")
    confirmation = ChecklistConfirmation(record=record, step_code=step.code, criterion_code=criterion_code,
                                         note=(note or "").strip(), confirmed_by_id=by.id, confirmed_at=utcnow())
    db.session.add(confirmation)
    db.session.flush()
    record_event("progression.item_confirmed", actor=by, organisation=record.organisation_id, subject=confirmation,
                 data={"record_id": record.id, "step": step.code, "item": criterion_code})
    notify(record.user, kind="progression.item_confirmed", title=f"Confirmed: {criterion.title}",
           body=f"{by.display_name} confirmed this checklist item.", link="/progression/",
           dedupe_key=f"progression.confirmed:{confirmation.id}")
    return confirmation


def schedule_panel(record: ProgressionRecord, *, scheduled_on: date, members: list[str], by: User,
                   today: date) -> Panel:
    """Schedule a panel for the current step.

    :raises Conflict: an earlier panel for this step still awaits its outcome.
    """
    _require_manager(record, by)
    _require_active(record)
    step = _current_step(record)
    if not step.has_panel:
        raise DomainError("This step does not need a panel.")
    members = [m.strip() for m in members if m and m.strip()]
    if not members:
        raise DomainError("Name at least one panel member.", field="members")
    if len(members) > MAX_PANEL_MEMBERS:
        raise DomainError(f"A panel has at most {MAX_PANEL_MEMBERS} members.", field="members")
    if scheduled_on < today:
        raise DomainError("A panel is scheduled for today or a later date.", field="scheduled_on")
    pending = db.session.scalar(sa.select(Panel).filter_by(record_id=record.id, step_code=step.code, outcome=None))
    if pending is not None:
        raise Conflict(f"A panel on {pending.scheduled_on:%-d %B %Y} has no outcome yet; record it first.")
    panel = Panel(record=record, step_code=step.code, scheduled_on=scheduled_on, members=members,
                  scheduled_by_id=by.id)
    db.session.add(panel)
    db.session.flush()
    record_event("progression.panel_scheduled", actor=by, organisation=record.organisation_id, subject=panel,
                 data={"record_id": record.id, "step": step.code, "on": scheduled_on.isoformat(),
                       "members": members})
    notify(record.user, kind="progression.panel_scheduled", title=f"Your panel is on {scheduled_on:%-d %B %Y}",
           body="Panel members: " + "; ".join(members), link="/progression/",
           dedupe_key=f"progression.panel:{panel.id}")
    return panel


def record_panel_outcome(panel: Panel, *, outcome: PanelOutcome, actions: str = "", notes: str = "",
                         by: User, today: date) -> Panel:
    """Record the panel's decision. "Not yet" needs the actions agreed with the person.

    :raises Conflict: the outcome is already recorded (decisions are not rewritten).
    """
    record = panel.record
    _require_manager(record, by)
    _require_active(record)
    if panel.outcome is not None:
        raise Conflict("This panel's outcome is already recorded. Schedule a new panel to decide again.")
    if panel.scheduled_on > today:
        raise DomainError(f"The panel meets on {panel.scheduled_on:%-d %B %Y}; record its outcome after it meets.")
    actions, notes = (actions or "").strip(), (notes or "").strip()
    if outcome is PanelOutcome.not_yet and not actions:
        raise DomainError("Write the actions the person needs to take before a further panel.", field="actions")
    panel.outcome, panel.actions, panel.notes = outcome, actions, notes
    panel.decided_at, panel.decided_by_id = utcnow(), by.id
    db.session.flush()
    record_event("progression.panel_decided", actor=by, organisation=record.organisation_id, subject=panel,
                 data={"record_id": record.id, "step": panel.step_code, "outcome": outcome.value})
    titles = {PanelOutcome.ready: "The panel found you ready for the next step",
              PanelOutcome.not_yet: "The panel agreed actions before you are ready",
              PanelOutcome.deferred: "Your panel was deferred"}
    notify(record.user, kind="progression.panel_decided", title=titles[outcome], body=actions or None,
           link="/progression/", dedupe_key=f"progression.panel_decided:{panel.id}")
    return panel


def advance_stage(record: ProgressionRecord, *, by: User, today: date) -> ProgressionRecord:
    """Move the person to the stage they were working towards, once every criterion is met.

    A step into an apprenticeship starts with :func:`apprenticeships.start_apprenticeship` instead.
    """
    _require_manager(record, by)
    _require_active(record)
    progress = queries.progress_of(record, today)
    if progress.step is None or progress.readiness is None:
        raise Conflict("This person has no next step on the pathway.")
    if progress.starts_apprenticeship:
        raise DomainError("Start the apprenticeship with its provider, dates and planned hours.")
    if not progress.readiness.is_ready:
        raise DomainError("Every criterion must be met before the next step starts.")
    move_to_stage(record, progress.step.to_stage, by=by, today=today)
    return record


def move_to_stage(record: ProgressionRecord, stage_code: str, *, by: User, today: date) -> None:
    pathway = catalogue().get(record.pathway_slug, record.pathway_version)
    previous = record.stage_code
    record.stage_code, record.stage_since_on = stage_code, today
    record.target_stage_code = default_target(pathway, stage_code)
    if record.target_stage_code is None:
        record.status, record.completed_on = RecordStatus.completed, today
    db.session.flush()
    record_event("progression.stage_changed", actor=by, organisation=record.organisation_id, subject=record,
                 data={"from": previous, "to": stage_code})
    notify(record.user, kind="progression.stage_changed", title=f"You are now at: {pathway.stage(stage_code).name}",
           link="/progression/", dedupe_key=f"progression.stage:{record.id}:{stage_code}")
