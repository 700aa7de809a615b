"""Status list indexes and bits on PostgreSQL with two connections at the same instant (issue 13's counters).

Allocation claims a slot with a conditional UPDATE on ``next_slot`` and revocation
changes bits with a conditional UPDATE on ``version``, each retried on conflict, and
both take the list row before the organisation's stamp row: two workers never hand
out one index twice, never lose a bit, and never deadlock.
"""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from competency.extensions import db
from competency.passport.models import IssuerState, StatusList
from competency.passport.statuslist import Bitstring, StatusPurpose
from tests.integration.test_signoff_concurrency import pg_app  # noqa: F401  (the fixture)

pytestmark = pytest.mark.postgres_only


def _organisation(app) -> int:
    from tests.factories import OrganisationFactory

    with app.app_context():
        organisation = OrganisationFactory()
        db.session.commit()
        return organisation.id


def _in_threads(app, work, count: int = 2) -> list:
    """Run ``work(number)`` in ``count`` threads, each with its own app context and connection, released together."""
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(number: int) -> None:
        with app.app_context():
            try:
                start.wait(timeout=10)
                results[number] = work(number)
            except Exception as error:  # reported to the test, never swallowed
                results[number] = error
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a worker is stuck (deadlock?)"
    return results


def test_two_workers_allocating_at_once_never_share_an_index(pg_app):  # noqa: F811
    from competency.accounts.models import Organisation
    from competency.passport.status import allocate

    organisation_id = _organisation(pg_app)

    def allocate_many(_number):
        organisation = db.session.get(Organisation, organisation_id)
        claimed = []
        for _ in range(25):
            list_id, entry = allocate(organisation, StatusPurpose.message)
            db.session.commit()
            claimed.append((list_id, entry.index))
        return claimed

    first, second = _in_threads(pg_app, allocate_many)
    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first, second)
    assert len(set(first) | set(second)) == 50


def test_a_worker_holding_its_transaction_makes_the_other_wait_not_collide(pg_app):  # noqa: F811
    from competency.accounts.models import Organisation
    from competency.passport.status import allocate

    organisation_id = _organisation(pg_app)
    with pg_app.app_context():
        allocate(db.session.get(Organisation, organisation_id), StatusPurpose.message)  # the list exists
        db.session.commit()
    claimed = threading.Event()

    def work(number):
        organisation = db.session.get(Organisation, organisation_id)
        if number == 0:
            result = allocate(organisation, StatusPurpose.message)
            claimed.set()
            threading.Event().wait(0.5)  # still holding the row when the other worker claims
            db.session.commit()
            return result[0], result[1].index
        claimed.wait(timeout=10)
        result = allocate(organisation, StatusPurpose.message)
        db.session.commit()
        return result[0], result[1].index

    first, second = _in_threads(pg_app, work)
    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first, second)
    assert first != second


def test_two_revocations_on_one_list_at_once_keep_both_bits_and_renew_the_stamp(pg_app):  # noqa: F811
    from competency.accounts.models import Organisation
    from competency.passport.status import allocate, set_status

    organisation_id = _organisation(pg_app)
    with pg_app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        entries = [allocate(organisation, StatusPurpose.message) for _ in range(2)]
        db.session.commit()
        stamp_before = db.session.scalar(sa.select(IssuerState.stamp).filter_by(organisation_id=organisation_id))

    def revoke(number):
        list_id, entry = entries[number]
        purpose = StatusPurpose.revocation if number == 0 else StatusPurpose.suspension
        changed = set_status(list_id, entry.index, purpose, True)
        db.session.commit()
        return changed

    assert _in_threads(pg_app, revoke) == [True, True]
    with pg_app.app_context():
        (list_id, first), (_, second) = entries
        row = db.session.get(StatusList, list_id)
        bits = Bitstring(data=row.bits)
        assert bits.value(first.index, 2) == 0x1 and bits.value(second.index, 2) == 0x2
        assert row.version == 2
        stamp_after = db.session.scalar(sa.select(IssuerState.stamp).filter_by(organisation_id=organisation_id))
        assert stamp_after is not None and stamp_after != stamp_before


def test_allocating_and_revoking_at_once_do_not_deadlock(pg_app):  # noqa: F811
    from competency.accounts.models import Organisation
    from competency.passport.status import allocate, set_status

    organisation_id = _organisation(pg_app)
    with pg_app.app_context():
        list_id, entry = allocate(db.session.get(Organisation, organisation_id), StatusPurpose.message)
        db.session.commit()

    def work(number):
        for _ in range(20):
            if number == 0:
                allocate(db.session.get(Organisation, organisation_id), StatusPurpose.message)
            else:
                set_status(list_id, entry.index, StatusPurpose.suspension, True)
                set_status(list_id, entry.index, StatusPurpose.suspension, False)
            db.session.commit()
        return "done"

    assert _in_threads(pg_app, work) == ["done", "done"]
