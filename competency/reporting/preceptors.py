"""The organisation dashboard's preceptor section: caseload, current training and time given to the role
against the yearly expectations (data: ``competency/preceptors/data/expectations.yaml``).

Four grouped statements whatever the number of preceptors: who precepts here (a preceptor role at
one of the organisations, or named on one of their running programmes through a grant), their
caseload across every organisation, their current training and their minutes in the last 12 months.
"""
from __future__ import annotations

from datetime import timedelta
from statistics import median

import sqlalchemy as sa

from competency.accounts.models import Membership, Role, User
from competency.extensions import db
from competency.preceptors.expectations import expectations
from competency.preceptors.models import PreceptorTimeEntry, PreceptorTraining
from competency.preceptors.queries import YEAR_DAYS
from competency.preceptorship.models import Enrolment, EnrolmentStatus
from competency.reporting.tables import ReportTable, Section


def preceptor_rows(org_ids: list[int], on) -> list[tuple[int, str, int, int, int]]:
    """(user id, name, caseload, current courses, minutes in the last 12 months) per preceptor."""
    ids = org_ids or [-1]
    role_holders = sa.select(Membership.user_id).where(Membership.organisation_id.in_(ids),
                                                       Membership.role == Role.preceptor,
                                                       Membership.is_active.is_(True))
    named = sa.select(Enrolment.preceptor_id).where(Enrolment.organisation_id.in_(ids),
                                                    Enrolment.status == EnrolmentStatus.active)
    people = db.session.execute(sa.select(User.id, User.display_name).where(
        sa.or_(User.id.in_(role_holders), User.id.in_(named)), User.is_active_account.is_(True))
        .order_by(User.display_name, User.id)).all()
    user_ids = [row.id for row in people] or [-1]
    caseload = dict(db.session.execute(
        sa.select(Enrolment.preceptor_id, sa.func.count()).where(
            Enrolment.preceptor_id.in_(user_ids), Enrolment.status == EnrolmentStatus.active)
        .group_by(Enrolment.preceptor_id)).all())
    training = dict(db.session.execute(
        sa.select(PreceptorTraining.preceptor_id, sa.func.count()).where(
            PreceptorTraining.preceptor_id.in_(user_ids), PreceptorTraining.completed_on <= on,
            sa.or_(PreceptorTraining.expires_on.is_(None), PreceptorTraining.expires_on >= on))
        .group_by(PreceptorTraining.preceptor_id)).all())
    since = on - timedelta(days=YEAR_DAYS - 1)
    minutes = dict(db.session.execute(
        sa.select(PreceptorTimeEntry.preceptor_id, sa.func.sum(PreceptorTimeEntry.minutes)).where(
            PreceptorTimeEntry.preceptor_id.in_(user_ids), PreceptorTimeEntry.spent_on >= since,
            PreceptorTimeEntry.spent_on <= on)
        .group_by(PreceptorTimeEntry.preceptor_id)).all())
    return [(row.id, row.display_name, caseload.get(row.id, 0), training.get(row.id, 0), int(minutes.get(row.id) or 0))
            for row in people]


def preceptors_section(scope) -> Section:
    rows = preceptor_rows(scope.ids, scope.on)
    standards = expectations()
    table = ReportTable(
        "preceptors-list", "Preceptors: caseload, training and hours given to the role in the last 12 months",
        ["Preceptor", "Preceptees now", "Current preceptor training", "Hours in the last 12 months",
         *(f"{s.name} ({s.hours_per_year:g} hours)" for s in standards)],
        [[name, caseload, "Yes" if courses else "No", round(minutes / 60, 1),
          *("Met" if s.is_met(minutes) else "Not met" for s in standards)]
         for _, name, caseload, courses, minutes in rows],
        note="Expectations from the National preceptorship framework for nursing (2022); caseload counts running "
             "programmes at every organisation.")
    facts = [("Preceptors", str(len(rows))),
             ("With current preceptor training", str(sum(1 for r in rows if r[3])))]
    facts += [(f"Meeting the {s.name.lower()} ({s.hours_per_year:g} hours a year)",
               str(sum(1 for r in rows if s.is_met(r[4])))) for s in standards]
    if rows:
        facts.append(("Median preceptees per preceptor", f"{median(r[2] for r in rows):g}"))
    return Section("preceptors", "Preceptors",
                   "Everyone who precepts here: a preceptor role at the organisation, or named preceptor of one of "
                   "its running programmes through a grant. Preceptors are trained and given time for the role "
                   "(HCPC principle 4).", [table], None, facts)
