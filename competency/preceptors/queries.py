"""Read-only preceptor queries: history, training, caseload, time given; fixed statement counts."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from competency.accounts.models import Membership, Organisation, Role, User
from competency.extensions import db
from competency.grants import queries as grant_queries
from competency.grants.models import Grant, GrantKind
from competency.grants.scope import covered_organisations
from competency.preceptors.expectations import Expectation, expectations
from competency.preceptors.models import PreceptorAssignment, PreceptorTimeEntry, PreceptorTraining
from competency.preceptorship.models import Enrolment, EnrolmentStatus

YEAR_DAYS = 365


def history(enrolment_id: int) -> list[PreceptorAssignment]:
    """The enrolment's preceptors, first to current."""
    return list(db.session.scalars(
        sa.select(PreceptorAssignment).where(PreceptorAssignment.enrolment_id == enrolment_id)
        .options(joinedload(PreceptorAssignment.preceptor), joinedload(PreceptorAssignment.organisation),
                 joinedload(PreceptorAssignment.assigned_by))
        .order_by(PreceptorAssignment.started_on, PreceptorAssignment.id)))


def current_assignment(enrolment_id: int) -> PreceptorAssignment | None:
    return db.session.scalar(sa.select(PreceptorAssignment).where(
        PreceptorAssignment.enrolment_id == enrolment_id, PreceptorAssignment.ended_on.is_(None)))


def open_assignments_under_grant(grant_id: int) -> list[PreceptorAssignment]:
    """Current preceptor assignments that rely on this grant, on programmes still running."""
    return list(db.session.scalars(
        sa.select(PreceptorAssignment).join(Enrolment, Enrolment.id == PreceptorAssignment.enrolment_id)
        .where(PreceptorAssignment.grant_id == grant_id, PreceptorAssignment.ended_on.is_(None),
               Enrolment.status == EnrolmentStatus.active)
        .options(joinedload(PreceptorAssignment.enrolment).joinedload(Enrolment.lead),
                 joinedload(PreceptorAssignment.enrolment).joinedload(Enrolment.practitioner))))


def preceptor_grants_for(organisation: Organisation, practitioner_id: int | None, on: date) -> list[Grant]:
    """Preceptor grants in force reaching ``organisation`` (and naming the practitioner, when given)."""
    grants = db.session.scalars(grant_queries.grants_covering_query([organisation.id], on, [GrantKind.preceptor]))
    return [g for g in grants if covered_organisations(g, {organisation.id: organisation})
            and (practitioner_id is None or not g.person_ids or practitioner_id in g.person_ids)]


def preceptor_candidates(organisation: Organisation, on: date) -> list[User]:
    """Who a lead may name as preceptor at ``organisation``: its preceptors and leads, and people holding a
    preceptor grant that reaches it (whether the grant names the preceptee is checked on enrolment)."""
    members = sa.select(Membership.user_id).where(Membership.organisation_id == organisation.id,
                                                   Membership.is_active.is_(True),
                                                   Membership.role.in_((Role.preceptor, Role.lead)))
    granted = [g.grantee_id for g in preceptor_grants_for(organisation, None, on)]
    return list(db.session.scalars(
        sa.select(User).where(sa.or_(User.id.in_(members), User.id.in_(granted or [-1])),
                              User.is_active_account.is_(True))
        .order_by(User.display_name, User.id)))


@dataclass
class TimeAgainstExpectation:
    expectation: Expectation
    minutes: int

    @property
    def is_met(self) -> bool:
        return self.expectation.is_met(self.minutes)

    @property
    def hours_short(self) -> float:
        return max(0.0, round(self.expectation.hours_per_year - self.minutes / 60, 1))


@dataclass
class PreceptorSummary:
    preceptor: User
    caseload: list[Enrolment]
    training: list[PreceptorTraining]
    time_entries: list[PreceptorTimeEntry]
    minutes_last_year: int
    since: date
    against: list[TimeAgainstExpectation] = field(default_factory=list)
    on: date | None = None

    @property
    def hours_last_year(self) -> float:
        return round(self.minutes_last_year / 60, 1)

    @property
    def has_current_training(self) -> bool:
        return any(t.is_current_on(self.on) for t in self.training)


def summary(preceptor: User, on: date) -> PreceptorSummary:
    """Everything the preceptor's page shows, in a fixed number of statements."""
    caseload = list(db.session.scalars(
        sa.select(Enrolment).where(Enrolment.preceptor_id == preceptor.id, Enrolment.status == EnrolmentStatus.active)
        .options(joinedload(Enrolment.practitioner), joinedload(Enrolment.organisation),
                 selectinload(Enrolment.template_version))
        .order_by(Enrolment.start_on, Enrolment.id)))
    training = list(db.session.scalars(
        sa.select(PreceptorTraining).where(PreceptorTraining.preceptor_id == preceptor.id)
        .order_by(PreceptorTraining.completed_on.desc(), PreceptorTraining.id.desc())))
    since = on - timedelta(days=YEAR_DAYS - 1)
    entries = list(db.session.scalars(
        sa.select(PreceptorTimeEntry).where(PreceptorTimeEntry.preceptor_id == preceptor.id,
                                            PreceptorTimeEntry.spent_on >= on - timedelta(days=2 * YEAR_DAYS))
        .order_by(PreceptorTimeEntry.spent_on.desc(), PreceptorTimeEntry.id.desc())))
    minutes = sum(e.minutes for e in entries if since <= e.spent_on <= on)
    return PreceptorSummary(preceptor, caseload, training, entries, minutes, since,
                            [TimeAgainstExpectation(e, minutes) for e in expectations()], on)


def precepting_organisation_ids(preceptor_id: int) -> set[int]:
    """Organisations whose programmes this person currently precepts (for who may see their page)."""
    return set(db.session.scalars(sa.select(Enrolment.organisation_id).where(
        Enrolment.preceptor_id == preceptor_id, Enrolment.status == EnrolmentStatus.active).distinct()))
