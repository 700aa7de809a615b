"""The audit log: hash-chained per organisation, written in the caller's transaction, verifiable by CLI."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from competency.accounts import services
from competency.accounts.models import Role
from competency.audit.models import AuditEvent
from competency.audit.services import GENESIS, record_event, verify_chains
from tests.factories import OrganisationFactory, make_person


@pytest.fixture
def history(db):
    """A few real events in two organisations' chains and the system chain, committed."""
    council, trust = OrganisationFactory(), OrganisationFactory()
    admin = make_person("admin", council)
    services.ensure_membership(admin, trust, Role.admin)
    person = make_person("practitioner", council)
    services.set_roles(person, council, {Role.preceptor}, by=admin)
    services.set_roles(person, council, {Role.preceptor, Role.lead}, by=admin)
    services.set_active(person, council, is_active=False, by=admin)
    services.set_roles(admin, trust, {Role.admin, Role.lead}, by=admin)
    services.authenticate(person.email, "wrong password")
    db.session.commit()
    return council, trust, person


def council_events(db, council) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.organisation_id == council.id)
                                   .order_by(AuditEvent.seq)))


def verify_cli(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


class TestChain:
    def test_events_link_to_the_previous_one_in_their_organisations_chain(self, db, history):
        council, trust, _ = history

        events = council_events(db, council)

        assert [e.action for e in events] == ["membership.roles_changed", "membership.roles_changed",
                                              "membership.deactivated"]
        assert [e.seq for e in events] == [1, 2, 3]
        assert events[0].prev_hash == GENESIS
        assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
        assert {e.chain for e in events} == {f"org:{council.id}"}
        assert db.session.scalar(sa.select(AuditEvent.chain).where(AuditEvent.organisation_id == trust.id)) \
            == f"org:{trust.id}"
        assert db.session.scalar(sa.select(AuditEvent.chain).where(AuditEvent.action == "auth.login_failed")) \
            == "system"
        assert verify_chains() == []

    def test_an_event_is_part_of_the_callers_transaction(self, db):
        organisation = OrganisationFactory()
        db.session.commit()
        record_event("test.rolled_back", actor=None, organisation=organisation)
        db.session.rollback()

        assert db.session.scalar(sa.select(AuditEvent).filter_by(action="test.rolled_back")) is None

    def test_two_writers_cannot_take_the_same_place_in_a_chain(self, db):
        organisation = OrganisationFactory()
        first = record_event("test.first", actor=None, organisation=organisation)
        db.session.commit()
        db.session.add(AuditEvent(chain=first.chain, seq=first.seq, organisation_id=organisation.id,
                                  action="test.forked", data={}, created_at=first.created_at,
                                  prev_hash=first.prev_hash, hash=first.hash))

        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()


class TestVerify:
    def test_verify_exits_0_when_every_chain_is_intact(self, app, history):
        result = verify_cli(app)

        assert result.exit_code == 0, result.output
        assert "Audit log intact" in result.output

    def test_editing_a_row_by_sql_fails_verification_naming_the_event(self, app, db, history):
        council, _, _ = history
        tampered = council_events(db, council)[1]
        db.session.execute(sa.text("UPDATE audit_event SET data = :data WHERE id = :id"),
                           {"data": '{"before": [], "after": ["admin"]}', "id": tampered.id})
        db.session.commit()

        result = verify_cli(app)

        assert result.exit_code == 1
        assert f"BROKEN org:{council.id}: event #2 (id {tampered.id})" in result.output
        assert "its contents were changed after it was written" in result.output

    def test_editing_a_hash_to_match_still_breaks_the_next_link(self, app, db, history):
        council, _, _ = history
        first, second, _ = council_events(db, council)
        db.session.execute(sa.text("UPDATE audit_event SET hash = :h WHERE id = :id"),
                           {"h": "f" * 64, "id": first.id})
        db.session.commit()

        breaks = verify_chains()

        assert [(b.chain, b.seq) for b in breaks] == [(f"org:{council.id}", 1)]

    def test_deleting_a_row_fails_verification(self, app, db, history):
        council, _, _ = history
        removed = council_events(db, council)[0]
        db.session.execute(sa.text("DELETE FROM audit_event WHERE id = :id"), {"id": removed.id})
        db.session.commit()

        result = verify_cli(app)

        assert result.exit_code == 1
        assert "event 1 is missing (next is 2)" in result.output

    def test_other_chains_are_reported_as_intact_or_broken_on_their_own(self, app, db, history):
        council, trust, _ = history
        trust_event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.organisation_id == trust.id))
        db.session.execute(sa.text("UPDATE audit_event SET action = 'membership.nothing' WHERE id = :id"),
                           {"id": trust_event.id})
        db.session.commit()

        breaks = verify_chains()

        assert [b.chain for b in breaks] == [f"org:{trust.id}"]
