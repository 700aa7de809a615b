"""Read-only progression queries: records, and readiness for many records at a fixed query cost.

:func:`progress_for` evaluates any number of records with the same seven
set-based statements (employments, sign-offs, evidence counts, confirmations,
panels, apprenticeships, off-the-job totals), whatever the number of people.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from competency.accounts.models import User
from competency.extensions import db
from competency.progression import sources
from competency.progression.catalogue import catalogue
from competency.progression.models import (
    Apprenticeship,
    ChecklistConfirmation,
    OffTheJobEntry,
    Panel,
    ProgressionRecord,
    ProgressReview,
    RecordStatus,
)
from competency.progression.offthejob import OtjProgress, otj_progress
from competency.progression.readiness import ConfirmationFact, Facts, PanelFact, Readiness, evaluate_step
from competency.progression.specs import PathwaySpec, StageKind, StageSpec, StepSpec


@dataclass
class RecordProgress:
    """A record with its pathway resolved and its readiness for the current step."""

    record: ProgressionRecord
    pathway: PathwaySpec
    stage: StageSpec
    target: StageSpec | None
    step: StepSpec | None
    readiness: Readiness | None
    apprenticeship: Apprenticeship | None = None
    otj: OtjProgress | None = None

    @property
    def is_qualifying_step(self) -> bool:
        """The step out of an apprenticeship: completed by recording qualification."""
        return self.stage.kind is StageKind.apprenticeship

    @property
    def starts_apprenticeship(self) -> bool:
        return self.target is not None and self.target.kind is StageKind.apprenticeship

    @property
    def can_start_next_step(self) -> bool:
        return (self.record.status is RecordStatus.active and self.readiness is not None
                and self.readiness.is_ready and not self.is_qualifying_step)

    @property
    def other_targets(self) -> list[StageSpec]:
        return [self.pathway.stage(s.to_stage) for s in self.pathway.steps_from(self.stage.code)
                if s.to_stage != (self.target.code if self.target else None)]


def record_with_people(record_id: int) -> ProgressionRecord | None:
    return db.session.scalar(
        sa.select(ProgressionRecord).where(ProgressionRecord.id == record_id)
        .options(joinedload(ProgressionRecord.user), joinedload(ProgressionRecord.organisation)))


def records_for_user(user_id: int, org_ids: Collection[int] | None = None) -> list[ProgressionRecord]:
    """A person's records (only at ``org_ids`` when given), active first."""
    query = (sa.select(ProgressionRecord).where(ProgressionRecord.user_id == user_id)
             .options(joinedload(ProgressionRecord.organisation), joinedload(ProgressionRecord.user))
             .order_by(ProgressionRecord.status, ProgressionRecord.started_on.desc(), ProgressionRecord.id))
    if org_ids is not None:
        if not org_ids:
            return []
        query = query.where(ProgressionRecord.organisation_id.in_(org_ids))
    return list(db.session.scalars(query))


def people_on_pathways_query(org_ids: Collection[int]) -> sa.Select:
    """Records at the given organisations, people in name order (for ``db.paginate``)."""
    return (sa.select(ProgressionRecord).join(User, User.id == ProgressionRecord.user_id)
            .where(ProgressionRecord.organisation_id.in_(org_ids or [-1]))
            .options(sa.orm.contains_eager(ProgressionRecord.user), joinedload(ProgressionRecord.organisation))
            .order_by(ProgressionRecord.status, User.display_name, ProgressionRecord.id))


def current_step(record: ProgressionRecord, pathway: PathwaySpec) -> StepSpec | None:
    if record.status is not RecordStatus.active or record.target_stage_code is None:
        return None
    return pathway.step_between(record.stage_code, record.target_stage_code)


def _latest_panels(record_ids: list[int]) -> dict[tuple[int, str], Panel]:
    latest: dict[tuple[int, str], Panel] = {}
    panels = db.session.scalars(sa.select(Panel).where(Panel.record_id.in_(record_ids))
                                .order_by(Panel.scheduled_on, Panel.id))
    for panel in panels:
        latest[(panel.record_id, panel.step_code)] = panel
    return latest


def _confirmations(record_ids: list[int]) -> dict[tuple[int, str], dict[str, ConfirmationFact]]:
    out: dict[tuple[int, str], dict[str, ConfirmationFact]] = defaultdict(dict)
    rows = db.session.execute(
        sa.select(ChecklistConfirmation, User.display_name)
        .outerjoin(User, User.id == ChecklistConfirmation.confirmed_by_id)
        .where(ChecklistConfirmation.record_id.in_(record_ids)))
    for confirmation, name in rows:
        out[(confirmation.record_id, confirmation.step_code)][confirmation.criterion_code] = ConfirmationFact(
            confirmation.criterion_code, name or "a former lead", confirmation.confirmed_at.date(), confirmation.note)
    return out


def _apprenticeships(record_ids: list[int], today: date) -> tuple[dict[int, Apprenticeship], dict[int, OtjProgress]]:
    apprenticeships = {a.record_id: a for a in db.session.scalars(
        sa.select(Apprenticeship).where(Apprenticeship.record_id.in_(record_ids))
        .options(selectinload(Apprenticeship.plan_blocks)))}
    progress: dict[int, OtjProgress] = {}
    if apprenticeships:
        ids = [a.id for a in apprenticeships.values()]
        totals = dict(db.session.execute(
            sa.select(OffTheJobEntry.apprenticeship_id, sa.func.sum(OffTheJobEntry.hours))
            .where(OffTheJobEntry.apprenticeship_id.in_(ids), OffTheJobEntry.occurred_on <= today)
            .group_by(OffTheJobEntry.apprenticeship_id)).all())
        for record_id, a in apprenticeships.items():
            logged = Decimal(str(totals.get(a.id) or 0))
            progress[record_id] = otj_progress(a.planned_otj_hours, a.start_on, a.planned_end_on,
                                               [(a.start_on, logged)] if logged else [], today,
                                               blocks=plan_of(a))
    return apprenticeships, progress


def plan_of(apprenticeship: Apprenticeship) -> list[tuple[date, date, Decimal]]:
    return [(b.starts_on, b.ends_on, Decimal(str(b.hours))) for b in apprenticeship.plan_blocks]


def progress_for(records: Sequence[ProgressionRecord], today: date) -> list[RecordProgress]:
    """Readiness and apprenticeship progress for every record, in a fixed number of queries."""
    if not records:
        return []
    record_ids = [r.id for r in records]
    user_ids = {r.user_id for r in records}
    employments = sources.employment_facts(user_ids, today)
    signed = sources.signed_capability_ids(user_ids)
    counts = sources.evidence_counts(user_ids)
    confirmations = _confirmations(record_ids)
    panels = _latest_panels(record_ids)
    apprenticeships, otj = _apprenticeships(record_ids, today)
    out = []
    books = catalogue()
    for record in records:
        pathway = books.get(record.pathway_slug, record.pathway_version)
        step = current_step(record, pathway)
        stage = pathway.stage(record.stage_code)
        readiness = None
        # The step out of an apprenticeship has no criteria: qualifying completes it.
        if step is not None and stage.kind is not StageKind.apprenticeship:
            panel = panels.get((record.id, step.code))
            facts = Facts(
                organisation_id=record.organisation_id,
                full_time_hours=float((record.organisation.settings or {}).get("full_time_hours", 37.5)),
                signed_capability_ids=frozenset(signed.get(record.user_id, ())),
                employments=tuple(employments.get(record.user_id, ())),
                evidence_counts=counts.get(record.user_id, {}),
                confirmations=confirmations.get((record.id, step.code), {}),
                panel=PanelFact(panel.id, panel.scheduled_on, panel.outcome.value if panel.outcome else None,
                                panel.actions) if panel else None,
            )
            readiness = evaluate_step(step, facts, today)
        target = pathway.stage(record.target_stage_code) if record.target_stage_code else None
        out.append(RecordProgress(record=record, pathway=pathway, stage=stage,
                                  target=target, step=step, readiness=readiness,
                                  apprenticeship=apprenticeships.get(record.id), otj=otj.get(record.id)))
    return out


def progress_of(record: ProgressionRecord, today: date) -> RecordProgress:
    return progress_for([record], today)[0]


def apprenticeship_detail(apprenticeship_id: int) -> Apprenticeship | None:
    return db.session.scalar(
        sa.select(Apprenticeship).where(Apprenticeship.id == apprenticeship_id)
        .options(joinedload(Apprenticeship.record).joinedload(ProgressionRecord.user),
                 selectinload(Apprenticeship.entries), selectinload(Apprenticeship.reviews),
                 selectinload(Apprenticeship.plan_blocks)))


def apprenticeship_otj(apprenticeship: Apprenticeship, today: date) -> OtjProgress:
    return otj_progress(apprenticeship.planned_otj_hours, apprenticeship.start_on, apprenticeship.planned_end_on,
                        [(e.occurred_on, Decimal(str(e.hours))) for e in apprenticeship.entries], today,
                        blocks=plan_of(apprenticeship))


def open_progress_reviews(due_by: date) -> sa.Select:
    """Progress reviews not yet held and due on or before ``due_by``, for reminders.

    Rows are (ProgressReview, Apprenticeship) for active apprenticeships, earliest first.
    """
    from competency.progression.models import ApprenticeshipStatus

    return (sa.select(ProgressReview, Apprenticeship)
            .join(Apprenticeship, Apprenticeship.id == ProgressReview.apprenticeship_id)
            .where(ProgressReview.held_on.is_(None), ProgressReview.due_on <= due_by,
                   Apprenticeship.status == ApprenticeshipStatus.active)
            .order_by(ProgressReview.due_on, ProgressReview.id))


def active_apprenticeships(user_id: int) -> list[Apprenticeship]:
    """The person's running apprenticeships with their off-the-job entries and reviews (three statements)."""
    from competency.progression.models import ApprenticeshipStatus

    return list(db.session.scalars(
        sa.select(Apprenticeship)
        .where(Apprenticeship.user_id == user_id, Apprenticeship.status == ApprenticeshipStatus.active)
        .options(selectinload(Apprenticeship.entries), selectinload(Apprenticeship.reviews))
        .order_by(Apprenticeship.start_on, Apprenticeship.id)))
