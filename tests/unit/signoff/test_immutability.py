"""Sign-offs are immutable records; evidence cited by one is frozen."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from competency.errors import Conflict
from competency.evidence import services as evidence_services
from competency.evidence.models import Evidence, EvidenceKind
from competency.extensions import db
from competency.signoff import services
from competency.signoff.models import Outcome, SignOff, SignOffDecision, SignOffRevocation
from tests.evidence_support import log_evidence, signoff_world

TODAY = date(2026, 11, 20)


@pytest.fixture
def signed(db):
    world = signoff_world()
    world.evidence = log_evidence(world.practitioner, [world.registered_cap])
    request = services.request_signoff(world.practitioner, world.registered_cap, [world.evidence], world.preceptor,
                                       today=TODAY)
    services.decide(request, world.preceptor, Outcome.sign, "Good", today=TODAY)
    world.request, world.signoff = request, request.signoff
    return world


def test_a_sign_off_cannot_be_edited_through_the_orm(signed):
    signed.signoff.comment = "changed later"
    with pytest.raises(Conflict, match="permanent records"):
        db.session.flush()


def test_a_sign_off_cannot_be_deleted(signed):
    db.session.delete(signed.signoff)
    with pytest.raises(Conflict):
        db.session.flush()


@pytest.mark.parametrize("statement", [
    lambda s: sa.update(SignOff).where(SignOff.id == s.signoff.id).values(comment="x"),
    lambda s: sa.delete(SignOff).where(SignOff.id == s.signoff.id),
    lambda s: sa.update(SignOffDecision).values(comment="x"),
    lambda s: sa.delete(SignOffRevocation),
])
def test_bulk_updates_and_deletes_are_refused(signed, statement):
    with pytest.raises(Conflict):
        db.session.execute(statement(signed))


def test_a_decision_cannot_be_rewritten(signed):
    signed.request.decision.comment = "Not good after all"
    with pytest.raises(Conflict):
        db.session.flush()


def test_revocation_leaves_the_sign_off_untouched(signed):
    before = {c.key: getattr(signed.signoff, c.key) for c in sa.inspect(SignOff).column_attrs}
    services.revoke(signed.signoff, signed.lead, "Wrong person signed")
    db.session.expire_all()
    signoff = db.session.get(SignOff, before["id"])
    assert {c.key: getattr(signoff, c.key) for c in sa.inspect(SignOff).column_attrs} == before
    assert signoff.revocation.reason == "Wrong person signed"


def test_cited_evidence_is_frozen_and_its_hash_kept(signed):
    evidence = signed.evidence
    assert signed.signoff.evidence_hashes[0]["content_hash"] == evidence.content_hash()
    with pytest.raises(Conflict) as excinfo:
        evidence_services.update_evidence(evidence, signed.practitioner, kind=EvidenceKind.reflection,
                                          title="New title", occurred_on=evidence.occurred_on, text="x")
    assert excinfo.value.rule == "evidence_frozen"
    with pytest.raises(Conflict):
        evidence_services.add_attachment(evidence, signed.practitioner, filename="note.txt", data=b"hello")
    # Even a direct attribute change is stopped at flush.
    evidence.text = "quietly changed"
    with pytest.raises(Conflict):
        db.session.flush()


def test_frozen_evidence_can_still_be_linked_to_another_capability(signed):
    evidence = db.session.get(Evidence, signed.evidence.id)
    evidence_services.link_capability(evidence, signed.practitioner, signed.support_cap.uuid)
    assert signed.support_cap.uuid in evidence.capability_uuids
