"""A grant revoked at the same instant as a sign-off that relies on it, on PostgreSQL: one of them
goes first and the other sees it, so no sign-off commits after the revocation has committed.

The sign-off share-locks the grant row while it checks it (``grants.standing.lock_standing``);
the revocation is one conditional UPDATE of that row. Each side runs in its own thread, app
context, session and connection, against a database of its own.
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from competency.errors import DomainError
from competency.extensions import db
from tests.integration.test_signoff_concurrency import pg_app  # noqa: F401  (the fixture)

pytestmark = pytest.mark.postgres_only
REFUSALS = {"assessor_not_eligible", "not_assessor"}


def seed(app, *, world_ids: dict | None = None) -> dict:
    """A fresh ICS grant and a council OT's request to the trust consultant under it."""
    from competency.accounts.models import User
    from competency.grants import services as grants
    from competency.grants.models import GrantKind
    from competency.grants.standing import uk_today
    from competency.signoff import services as signoff
    from tests.evidence_support import capability, log_evidence
    from tests.workforce_support import one_workforce_world

    with app.app_context():
        today = uk_today()
        if world_ids is None:
            w = one_workforce_world(per_cell=6)
            world_ids = {"ics": w.ics.id, "trust": w.trust.id, "ics_lead": w.ics_lead.id, "ot": w.council_ot.id,
                         "consultant": w.trust_consultant.id, "version": w.version.id, "n": 0}
        from competency.accounts.models import Organisation
        from competency.frameworks.models import FrameworkVersion

        get = db.session.get
        world_ids["n"] += 1
        grant = grants.create_grant(
            kind=GrantKind.assessor, granting=get(Organisation, world_ids["ics"]),
            grantee=get(User, world_ids["consultant"]), grantee_organisation=get(Organisation, world_ids["trust"]),
            starts_on=today, ends_on=today + timedelta(days=365), reason="No consultant OT in council teams.",
            by=get(User, world_ids["ics_lead"]), on=today)
        cap = capability(get(FrameworkVersion, world_ids["version"]), "consultant", n=world_ids["n"])
        ot = get(User, world_ids["ot"])
        request = signoff.request_signoff(ot, cap, [log_evidence(ot, [cap], title=f"Evidence {world_ids['n']}")],
                                          get(User, world_ids["consultant"]), today=today)
        db.session.commit()
        ids = {**world_ids, "grant": grant.id, "request": request.id}
        db.session.remove()
        return ids


def sign_in_thread(app, ids: dict, results: dict, *, start=None, hold=None) -> None:
    from competency.accounts.models import User
    from competency.signoff import services
    from competency.signoff.models import Outcome, SignOffRequest

    with app.app_context():
        try:
            request = db.session.get(SignOffRequest, ids["request"])
            actor = db.session.get(User, ids["consultant"])
            request.evidence  # loaded before the race, as the review page would have
            if start is not None:
                start.wait(timeout=10)
            services.decide(request, actor, Outcome.sign, "Consultant-level practice shown.")
            if hold is not None:
                hold.wait(timeout=10)
            db.session.commit()
            results["sign"] = ("committed", time.monotonic())
        except DomainError as error:
            db.session.rollback()
            results["sign"] = ("refused", error)
        finally:
            db.session.remove()


def revoke_in_thread(app, ids: dict, results: dict, *, start=None, hold=None) -> None:
    from competency.accounts.models import User
    from competency.grants import services
    from competency.grants.models import Grant

    with app.app_context():
        try:
            grant = db.session.get(Grant, ids["grant"])
            actor = db.session.get(User, ids["ics_lead"])
            if start is not None:
                start.wait(timeout=10)
            services.revoke_grant(grant, reason="The trust needs her back.", by=actor)
            if hold is not None:
                hold.wait(timeout=10)
            db.session.commit()
            results["revoke"] = ("committed", time.monotonic())
        except DomainError as error:
            db.session.rollback()
            results["revoke"] = ("refused", error)
        finally:
            db.session.remove()


def grant_row_is_locked(app, grant_id: int) -> bool:
    """True while another transaction holds a lock on the grant row (share or exclusive)."""
    with app.app_context():
        try:
            db.session.execute(sa.text("SET LOCAL lock_timeout = '50ms'"))
            db.session.execute(sa.text("SELECT id FROM workforce_grant WHERE id = :id FOR UPDATE"), {"id": grant_id})
            return False
        except sa.exc.OperationalError:
            return True
        finally:
            db.session.rollback()
            db.session.remove()


def wait_for_lock(app, grant_id: int) -> None:
    deadline = time.time() + 10
    while time.time() < deadline and not grant_row_is_locked(app, grant_id):
        time.sleep(0.05)


def outcome(app, ids: dict) -> tuple[int, bool, str]:
    """(sign-offs for the request, whether the grant is revoked, the request's state)."""
    from competency.grants.models import Grant
    from competency.signoff.models import SignOff, SignOffRequest

    with app.app_context():
        signoffs = db.session.scalar(sa.select(sa.func.count()).select_from(SignOff)
                                     .where(SignOff.request_id == ids["request"]))
        revoked = db.session.get(Grant, ids["grant"]).revoked_at is not None
        state = db.session.get(SignOffRequest, ids["request"]).state.value
        db.session.remove()
        return signoffs, revoked, state


def someone_waits_for_a_lock(app, seconds: float = 10) -> bool:
    """True once a session of this database is blocked waiting for a lock (within ``seconds``)."""
    deadline = time.time() + seconds
    with app.app_context():
        try:
            while time.time() < deadline:
                waiting = db.session.scalar(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"))
                db.session.rollback()
                if waiting:
                    return True
                time.sleep(0.05)
            return False
        finally:
            db.session.remove()


def run(app, ids: dict, first, second) -> dict:
    results: dict = {}
    hold = threading.Event()
    one = threading.Thread(target=first, args=(app, ids, results), kwargs={"hold": hold})
    one.start()
    wait_for_lock(app, ids["grant"])
    two = threading.Thread(target=second, args=(app, ids, results))
    two.start()
    waiting = someone_waits_for_a_lock(app) and two.is_alive()
    hold.set()
    one.join(timeout=30)
    two.join(timeout=30)
    results["second_waited"] = waiting
    return results


def test_a_sign_off_under_way_makes_the_revocation_wait_and_stands(pg_app):
    ids = seed(pg_app)
    results = run(pg_app, ids, sign_in_thread, revoke_in_thread)
    assert results["second_waited"], "the revocation should wait for the sign-off relying on the grant"
    (signed, signed_at), (revoked, revoked_at) = results["sign"], results["revoke"]
    assert (signed, revoked) == ("committed", "committed")
    assert signed_at < revoked_at, "the sign-off committed after the revocation"
    assert outcome(pg_app, ids) == (1, True, "signed")


def test_a_revocation_under_way_makes_the_sign_off_wait_and_refuses_it(pg_app):
    ids = seed(pg_app)
    results = run(pg_app, ids, revoke_in_thread, sign_in_thread)
    assert results["second_waited"], "the sign-off should wait for the revocation of its grant"
    assert results["revoke"][0] == "committed"
    verdict, error = results["sign"]
    assert verdict == "refused" and error.rule == "assessor_not_eligible"
    assert "just been revoked" in error.message
    assert outcome(pg_app, ids) == (0, True, "pending")


def test_at_the_same_instant_either_wins_or_loses_cleanly(pg_app):
    ids = None
    seen = set()
    for _ in range(6):
        ids = seed(pg_app, world_ids=ids)
        results: dict = {}
        start = threading.Barrier(2)
        threads = [threading.Thread(target=sign_in_thread, args=(pg_app, ids, results), kwargs={"start": start}),
                   threading.Thread(target=revoke_in_thread, args=(pg_app, ids, results), kwargs={"start": start})]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert results["revoke"][0] == "committed"
        signoffs, revoked, state = outcome(pg_app, ids)
        assert revoked
        if results["sign"][0] == "committed":
            assert results["sign"][1] < results["revoke"][1] and (signoffs, state) == (1, "signed")
            seen.add("sign-off first")
        else:
            # Refused by the standing check, or (when the revocation had committed before the page's
            # permission check) by that: both leave the request pending and nothing signed.
            assert results["sign"][1].rule in REFUSALS and (signoffs, state) == (0, "pending")
            seen.add("revocation first")
    assert seen  # which order each run took is up to the scheduler; every run ended cleanly
