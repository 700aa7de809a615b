"""The demo data gives the preceptee and the OT assistant a realistic, repeatable record."""
from __future__ import annotations

import sqlalchemy as sa

from competency.accounts.services import find_user_by_email
from competency.demo.commands import run_seed
from competency.evidence.models import Evidence
from competency.extensions import db
from competency.signoff.models import RequestState, SignOff, SignOffRequest, SignOffSource


def _counts() -> tuple:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                 for model in (Evidence, SignOffRequest, SignOff))


def test_demo_evidence_and_signoffs(db):
    from competency.passport import resolver

    resolver.clear_caches()
    run_seed()
    before = _counts()
    run_seed()
    assert _counts() == before

    preceptee, ota = find_user_by_email("preceptee@demo.test"), find_user_by_email("ota@demo.test")
    preceptor = find_user_by_email("preceptor@demo.test")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence).filter_by(owner_id=preceptee.id)) >= 5

    def requests(person, state):
        return db.session.scalars(sa.select(SignOffRequest).filter_by(practitioner_id=person.id, state=state)).all()

    pending = requests(preceptee, RequestState.pending)
    assert len(pending) == 1 and pending[0].assessor_id == preceptor.id
    assert len(requests(preceptee, RequestState.returned)) == 1
    signed = db.session.scalars(sa.select(SignOff).filter_by(practitioner_id=preceptee.id)).all()
    assert len(signed) >= 3 and {s.level_code for s in signed} == {"registered"}

    ota_signed = db.session.scalars(sa.select(SignOff).filter_by(practitioner_id=ota.id,
                                                                  source=SignOffSource.local)).all()
    assert {s.level_code for s in ota_signed} == {"support", "senior_support"}
    assert len(requests(ota, RequestState.pending)) == 1
