"""The slow pages' statements are answered from the indexes made for them (PostgreSQL plans).

At ICS scale the preceptor queue's "recently decided by you" scanned every one of a million
decisions and the cohort state hashed the whole milestone table. On a small test database the
planner would rightly prefer a sequential scan anyway, so sequential scans are priced out here
(``enable_seqscan = off``): what is left shows whether an index can serve the statement at all.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from competency.extensions import db
from competency.preceptorship.queries import cohort_state, today
from competency.signoff.queries import recently_decided_query
from tests.reports_support import region

pytestmark = pytest.mark.postgres_only


def plan_of(statement) -> str:
    compiled = statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    return "\n".join(db.session.scalars(sa.text(f"EXPLAIN {compiled}")))


def test_the_preceptor_queue_finds_recent_decisions_by_the_decider_index(db):
    world = region(10, organisations=1)
    plan = plan_of(recently_decided_query(world.preceptor))
    assert "ix_signoff_decision_decider" in plan, plan


def test_the_cohort_state_reads_open_reviews_from_their_partial_index(db):
    from competency.preceptorship.models import Enrolment

    world = region(10, organisations=1)
    state = cohort_state(today()).label("state")
    statement = (sa.select(state, sa.func.count())
                 .where(Enrolment.organisation_id == world.orgs[0].id).group_by(state))
    plan = plan_of(statement)
    assert "ix_enrolment_milestone_open" in plan, plan
