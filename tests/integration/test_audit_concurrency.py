"""Audited writes at the same instant: no deadlock, no collision, every chain contiguous and verifying.

Each writer works in its own thread, app context, session and database
connection, against a database of its own, so the transactions are real and
concurrent.  The threads start together from a barrier; the "lockstep" runs
also hold each writer right after its domain row is inserted until every
writer has got there, which is the interleaving that deadlocked before (each
transaction holds a KEY SHARE lock on the organisation row when it asks for
the chain lock).
"""
from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from competency import create_app
from competency.extensions import db
from config import TestingConfig

ROUNDS = 4


def _make_app(tmp_path, url: str, **extra):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        INSTANCE_DIR = tmp_path
        MAIL_FILE_DIR = tmp_path / "mail"
        UPLOAD_STORAGE = tmp_path / "uploads"
        SIGNING_KEY_DIR = tmp_path / "keys"

    for name, value in extra.items():
        setattr(Config, name, value)
    app = create_app(Config)
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def pg_app(tmp_path):
    base = os.environ.get("PG_URL_BASE") or TestingConfig.SQLALCHEMY_DATABASE_URI.rsplit("/", 1)[0]
    name = f"competency_audit_race_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    app = _make_app(tmp_path, f"{base}/{name}", SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 8})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_app(tmp_path):
    app = _make_app(tmp_path, f"sqlite:///{tmp_path / 'race.sqlite'}",
                    SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"check_same_thread": False, "timeout": 30}})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def race(app, works: list[Callable[[Callable[[], None]], None]], *, lockstep_after: str | None = None) -> list:
    """Run each ``work(ready)`` in its own thread and commit; returns the errors raised.

    A work loads what it needs, calls ``ready()`` (every thread waits there for the
    others), then writes.  With ``lockstep_after`` a thread also waits, right after
    its ``INSERT INTO <that table>``, until every thread has inserted its row.
    """
    start = threading.Barrier(len(works))
    middle = threading.Barrier(len(works))
    armed: set[int] = set()
    prefix = f"INSERT INTO {lockstep_after} " if lockstep_after else None
    errors: list = []

    def hold_after_insert(conn, cursor, statement, parameters, context, executemany):
        ident = threading.get_ident()
        if prefix and ident in armed and statement.lstrip().startswith(prefix):
            armed.discard(ident)
            try:
                middle.wait(timeout=5)
            except threading.BrokenBarrierError:
                pass

    def ready():
        armed.add(threading.get_ident())
        start.wait(timeout=10)

    def run(work):
        with app.app_context():
            try:
                work(ready)
                db.session.commit()
            except Exception as error:  # noqa: BLE001  (every failure is the finding)
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "after_cursor_execute", hold_after_insert)
    try:
        threads = [threading.Thread(target=run, args=(work,)) for work in works]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sa.event.remove(engine, "after_cursor_execute", hold_after_insert)
    return errors


def assert_chains_clean(app) -> dict[str, int]:
    """Every chain is 1..n without gaps or unplaced rows, and verifies; returns each chain's length."""
    from competency.audit.models import AuditEvent
    from competency.audit.services import verify_chains

    with app.app_context():
        rows = db.session.execute(sa.select(AuditEvent.chain, AuditEvent.seq).order_by(AuditEvent.id)).all()
        assert all(seq is not None for _, seq in rows), "an event was committed without a place"
        lengths: dict[str, list[int]] = {}
        for chain, seq in rows:
            lengths.setdefault(chain, []).append(seq)
        for chain, seqs in lengths.items():
            assert sorted(seqs) == list(range(1, len(seqs) + 1)), f"{chain} is not contiguous: {sorted(seqs)}"
        assert verify_chains() == []
        db.session.remove()
        return {chain: len(seqs) for chain, seqs in lengths.items()}


def describe(errors: list) -> list[str]:
    return [f"{type(error).__name__}: {str(error).splitlines()[0]}" for error in errors]


# --- scenarios ---------------------------------------------------------------------------------


def signoff_scenario(app) -> SimpleNamespace:
    """One council, two practitioners, a preceptor and a framework with a capability per round."""
    from tests.evidence_support import signoff_world

    with app.app_context():
        world = signoff_world(per_cell=ROUNDS)
        ids = SimpleNamespace(org=world.org.id, practitioners=[world.practitioner.id, world.peer.id],
                              preceptor=world.preceptor.id, version=world.version.id)
        db.session.commit()
        db.session.remove()
        return ids


def request_signoff_work(practitioner_id: int, preceptor_id: int, version_id: int, n: int):
    def work(ready):
        from competency.accounts.models import User
        from competency.frameworks.models import FrameworkVersion
        from competency.signoff import services
        from tests.evidence_support import capability, log_evidence

        practitioner, preceptor = db.session.get(User, practitioner_id), db.session.get(User, preceptor_id)
        cap = capability(db.session.get(FrameworkVersion, version_id), "registered", n=n)
        evidence = log_evidence(practitioner, [cap], title=f"Evidence {n}")
        db.session.commit()
        ready()
        services.request_signoff(practitioner, cap, [evidence], preceptor)
    return work


def holders_scenario(app, *, issue: bool) -> SimpleNamespace:
    """A new organisation (with its signing key) and two holders with one sign-off each."""
    from competency.passport import issuing, keys
    from tests.evidence_support import capability, make_framework
    from tests.factories import OrganisationFactory, make_person
    from tests.passport_support import signed_off

    with app.app_context():
        version = make_framework()
        org = OrganisationFactory()
        keys.generate_key(org)
        world = SimpleNamespace(version=version, registered_cap=capability(version, "registered"),
                                preceptor=make_person("preceptor", org, level_code="enhanced"))
        holders = [make_person("practitioner", org, level_code="registered") for _ in range(2)]
        for holder in holders:
            signed_off(world, practitioner=holder)
        if issue:
            for holder in holders:
                issuing.ensure_issued(holder, by=holder)
        ids = SimpleNamespace(org=org.id, holders=[holder.id for holder in holders])
        db.session.commit()
        db.session.remove()
        return ids


def first_view_work(holder_id: int):
    def work(ready):
        from competency.accounts.models import User
        from competency.passport import issuing

        holder = db.session.get(User, holder_id)
        ready()
        assert issuing.ensure_issued(holder, by=holder) == 1
    return work


def share_work(holder_id: int):
    def work(ready):
        from competency.accounts.models import User
        from competency.passport import sharing
        from competency.passport.models import PassportCredential

        holder = db.session.get(User, holder_id)
        credential_ids = list(db.session.scalars(sa.select(PassportCredential.id)
                                                 .where(PassportCredential.holder_id == holder_id)))
        ready()
        sharing.create_share(holder, credential_ids, expires_on=None)
    return work


def two_chains_work(first_org: int | None, second_org: int | None, middle: threading.Barrier | None = None):
    """One transaction writing to two chains: ``first_org``'s, then ``second_org``'s (None: the system chain)."""
    def work(ready):
        from competency.audit.services import record_event

        ready()
        record_event("test.cross_chain", actor=None, organisation=first_org, data={"step": 1})
        if middle is not None:
            middle.wait(timeout=5)
        record_event("test.cross_chain", actor=None, organisation=second_org, data={"step": 2})
    return work


def two_organisations(app) -> tuple[int, int]:
    from tests.factories import OrganisationFactory

    with app.app_context():
        ids = OrganisationFactory().id, OrganisationFactory().id
        db.session.commit()
        db.session.remove()
        return ids


# --- PostgreSQL ------------------------------------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.parametrize("lockstep", [True, False], ids=["lockstep", "same-instant"])
def test_two_practitioners_of_one_organisation_request_sign_off_at_once(pg_app, lockstep):
    ids = signoff_scenario(pg_app)
    for n in range(1, ROUNDS + 1):
        errors = race(pg_app, [request_signoff_work(p, ids.preceptor, ids.version, n) for p in ids.practitioners],
                      lockstep_after="signoff_request" if lockstep else None)
        assert errors == [], f"round {n}: {describe(errors)}"
    lengths = assert_chains_clean(pg_app)
    assert lengths[f"org:{ids.org}"] >= 2 * ROUNDS  # both requests of every round were audited


@pytest.mark.postgres_only
def test_two_first_passport_views_in_one_organisation_issue_both_credentials(pg_app):
    from competency.passport.models import PassportCredential

    for n in range(ROUNDS):
        ids = holders_scenario(pg_app, issue=False)
        errors = race(pg_app, [first_view_work(holder) for holder in ids.holders],
                      lockstep_after="passport_credential")
        assert errors == [], f"round {n}: {describe(errors)}"
        with pg_app.app_context():
            issued = db.session.scalar(sa.select(sa.func.count()).select_from(PassportCredential)
                                       .where(PassportCredential.issuer_organisation_id == ids.org))
            db.session.remove()
        assert issued == 2
    assert_chains_clean(pg_app)


@pytest.mark.postgres_only
def test_two_holders_create_share_links_at_once_on_the_system_chain(pg_app):
    from competency.audit.models import AuditEvent

    ids = holders_scenario(pg_app, issue=True)
    for n in range(ROUNDS):
        errors = race(pg_app, [share_work(holder) for holder in ids.holders], lockstep_after="share_link")
        assert errors == [], f"round {n}: {describe(errors)}"
    assert_chains_clean(pg_app)
    with pg_app.app_context():
        shares = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                   .where(AuditEvent.action == "passport.share_created", AuditEvent.chain == "system"))
        db.session.remove()
    assert shares == 2 * ROUNDS


@pytest.mark.postgres_only
@pytest.mark.parametrize("second", ["organisation", "system"])
def test_transactions_writing_two_chains_in_opposite_orders_do_not_deadlock(pg_app, second):
    first_org, other = two_organisations(pg_app)
    other_org = other if second == "organisation" else None
    for n in range(ROUNDS):
        middle = threading.Barrier(2)
        errors = race(pg_app, [two_chains_work(first_org, other_org, middle),
                               two_chains_work(other_org, first_org, middle)])
        assert errors == [], f"round {n}: {describe(errors)}"
    lengths = assert_chains_clean(pg_app)
    assert lengths[f"org:{first_org}"] == lengths["system" if other_org is None else f"org:{other_org}"] == 2 * ROUNDS


# --- SQLite (the embedded default) ------------------------------------------------------------------


def test_sqlite_threads_writing_the_system_and_organisation_chains_at_once(sqlite_app):
    first_org, other_org = two_organisations(sqlite_app)
    for n in range(ROUNDS):
        works = [two_chains_work(None, first_org), two_chains_work(first_org, None),
                 two_chains_work(other_org, None), two_chains_work(None, other_org)]
        errors = race(sqlite_app, works)
        assert errors == [], f"round {n}: {describe(errors)}"
    lengths = assert_chains_clean(sqlite_app)
    assert lengths["system"] == 4 * ROUNDS
