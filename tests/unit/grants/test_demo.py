"""The demo seed lets the three cross-organisation scenarios be tried in ``make run``."""
from __future__ import annotations

import sqlalchemy as sa

from competency.accounts.services import find_user_by_email
from competency.demo.commands import run_seed
from competency.extensions import db
from competency.grants.models import AssessorBasis, Grant, GrantKind
from competency.placements.models import Placement
from competency.preceptors.models import PreceptorTimeEntry
from competency.signoff import queries
from competency.signoff.models import RequestState, SignOff, SignOffRequest


def _counts() -> tuple:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m))
                 for m in (Grant, Placement, PreceptorTimeEntry, SignOff))


def test_demo_grants_placement_and_trained_assessor(db):
    from competency.passport import resolver

    resolver.clear_caches()
    run_seed()
    before = _counts()
    run_seed()
    assert _counts() == before
    assert {g.kind for g in db.session.scalars(sa.select(Grant))} == set(GrantKind)

    def signed(email: str) -> SignOff:
        person = find_user_by_email(email)
        return db.session.scalar(sa.select(SignOff).where(SignOff.practitioner_id == person.id,
                                                          SignOff.assessor_basis.is_not(None)))

    assert (signed("council.ot@demo.test").assessor_basis, signed("council.ot@demo.test").assessing_organisation_name) \
        == (AssessorBasis.grant, "Wessex Valley NHS Foundation Trust")
    assert signed("student@demo.test").assessor_basis == AssessorBasis.placement
    # The support worker also holds a colleague's sign-off (the "above post level" insight): look at all of them.
    support_worker = find_user_by_email("support.worker@demo.test")
    assert AssessorBasis.trained_assessor in set(db.session.scalars(
        sa.select(SignOff.assessor_basis).where(SignOff.practitioner_id == support_worker.id)))
    # Each assessor has a request waiting in their queue to try.
    for assessor, practitioner in (("consultant@demo.test", "council.ot@demo.test"),
                                   ("preceptor@demo.test", "student@demo.test"),
                                   ("ota@demo.test", "support.worker@demo.test")):
        queue = db.session.scalars(queries.queue_query(find_user_by_email(assessor))).all()
        assert any(r.practitioner.email == practitioner and r.state == RequestState.pending for r in queue), assessor
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SignOffRequest)) > 0
