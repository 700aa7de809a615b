"""Per-process caches never decide from stale data: a revocation shows on the very next check after it commits.

Verifying our own credentials caches the DID document and decoded status lists per
process under the organisation's stamp (competency/passport/freshness.py). Here a
second process, with its own caches and its own connection to the same database,
checks a credential (warming its caches), the first process revokes it and commits,
and the second process's very next check says Not valid, both for the byte-identical
credential (digest shortcut) and for an RDF-identical rewrite (full path).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from competency.extensions import db
from competency.passport import issuing, resolver
from competency.passport.models import PassportCredential
from tests.fixtures.servers import build_live_app, free_port
from tests.integration.fault_support import FreshDatabase
from tests.passport_rewrites import corpus
from tests.passport_support import seed_issuer

ROOT = Path(__file__).resolve().parents[2]
CHECKER = """
import json, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.fixtures.servers import build_live_app
from competency.extensions import db
from competency.passport.verifying import check_credential
app = build_live_app(Path({directory!r}), {port}, **json.loads({overrides!r}))
with app.app_context():
    print("ready", flush=True)
    for line in sys.stdin:
        document = json.loads(line)
        print(check_credential(document).outcome.value, flush=True)
        db.session.rollback()
"""


class Checker:
    """Another process verifying credentials on request, keeping its caches between requests."""

    def __init__(self, directory: Path, port: int, overrides: dict) -> None:
        script = CHECKER.format(root=str(ROOT), directory=str(directory), port=port, overrides=json.dumps(overrides))
        self.process = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True, cwd=ROOT,
                                        env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert self.process.stdout.readline().strip() == "ready"

    def check(self, document: dict) -> str:
        self.process.stdin.write(json.dumps(document) + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def installation(tmp_path):
    resolver.clear_caches()
    directory, port = tmp_path / "site", free_port()
    directory.mkdir()
    overrides = {}
    fresh = None
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        # A database of its own: the run's test database holds the schema every later test uses.
        fresh = FreshDatabase()
        overrides["SQLALCHEMY_DATABASE_URI"] = fresh.url
        overrides["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    app = build_live_app(directory, port, **overrides)
    with app.app_context():
        seed_issuer(app)
        db.session.commit()
    yield app, directory, port, overrides
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if fresh is not None:
        fresh.drop()


def test_a_revocation_shows_on_the_next_check_in_another_process(installation):
    app, directory, port, overrides = installation
    with app.app_context():
        credential = issuing.issue_pending(limit=10) and db.session.scalar(sa.select(PassportCredential))
        db.session.commit()
        document = credential.document
        rewritten = next(r for _, r in corpus(document, count=1, seed=7))
        credential_id = credential.id
    checker = Checker(directory, port, overrides)
    try:
        assert checker.check(document) == "valid"
        assert checker.check(rewritten) == "valid"
        assert checker.check(document) == "valid"  # answered from its warm caches
        with app.app_context():
            issuing.revoke_credential(db.session.get(PassportCredential, credential_id), "Signed off in error")
            db.session.commit()
        assert checker.check(document) == "not_valid"
        assert checker.check(rewritten) == "not_valid"
    finally:
        checker.close()


def test_a_withdrawn_key_shows_on_the_next_check_in_another_process(installation):
    from competency.passport import keys

    app, directory, port, overrides = installation
    with app.app_context():
        issuing.issue_pending(limit=10)
        credential = db.session.scalar(sa.select(PassportCredential))
        db.session.commit()
        document, organisation_id = credential.document, credential.issuer_organisation_id
    checker = Checker(directory, port, overrides)
    try:
        assert checker.check(document) == "valid"
        with app.app_context():
            keys.withdraw_key(keys.current_key(organisation_id))
            db.session.commit()
        assert checker.check(document) == "not_valid"
    finally:
        checker.close()


def test_two_app_instances_in_one_process_see_each_others_revocations(installation):
    from competency.passport.verifying import check_credential

    app, directory, port, overrides = installation
    second = build_live_app(directory, port, **overrides)
    with app.app_context():
        issuing.issue_pending(limit=10)
        credential = db.session.scalar(sa.select(PassportCredential))
        db.session.commit()
        document, credential_id = credential.document, credential.id
    with second.app_context():
        assert check_credential(document).outcome.value == "valid"
        db.session.rollback()
    with app.app_context():
        issuing.revoke_credential(db.session.get(PassportCredential, credential_id), "Signed off in error")
        db.session.commit()
    with second.app_context():
        assert check_credential(document).outcome.value == "not_valid"
        db.session.remove()


def test_a_remembered_check_of_our_own_credential_gives_way_to_a_revocation_in_the_same_process(installation):
    """A whole check of our own credential is kept under the organisation's stamp: the revocation renews it."""
    from competency.passport import freshness
    from competency.passport.verifying import check_credential

    app, directory, port, overrides = installation
    with app.app_context():
        issuing.issue_pending(limit=10)
        credential = db.session.scalar(sa.select(PassportCredential))
        db.session.commit()
        document, credential_id = credential.document, credential.id
    with app.test_request_context():
        first = check_credential(document)
        assert first.outcome.value == "valid"
        assert check_credential(document) is first  # remembered under the same stamp
        db.session.remove()
    with app.app_context():
        issuing.revoke_credential(db.session.get(PassportCredential, credential_id), "Signed off in error")
        db.session.commit()
    with app.test_request_context():
        assert check_credential(document).outcome.value == "not_valid"
        db.session.remove()
    freshness.clear()


def test_a_remembered_check_follows_the_clock_past_the_expiry_date(installation):
    import time_machine

    from competency.passport.verifying import check_credential

    app, directory, port, overrides = installation
    with app.app_context():
        issuing.issue_pending(limit=10)
        document = db.session.scalar(sa.select(PassportCredential)).document
        db.session.commit()
    with app.test_request_context():
        assert check_credential(document).outcome.value == "valid"
        db.session.remove()
    expiry = document.get("validUntil")
    if expiry is None:  # a credential with no expiry: a later date changes nothing
        with time_machine.travel("2099-01-01T00:00:00Z"), app.test_request_context():
            assert check_credential(document).outcome.value == "valid"
        return
    with time_machine.travel(expiry), app.test_request_context():
        assert check_credential(document).outcome.value == "not_valid"


def test_verifying_our_own_credential_over_the_api_takes_no_write_lock(installation):
    """One indexed SELECT in autocommit mode: no BEGIN IMMEDIATE, no transaction of the request's own."""
    app, directory, port, overrides = installation
    with app.app_context():
        issuing.issue_pending(limit=10)
        document = db.session.scalar(sa.select(PassportCredential)).document
        db.session.commit()
        engine = db.engine
    client = app.test_client()
    assert client.post("/api/v1/verify", json={"credential": document}).get_json()["results"][0]["outcome"] == "valid"
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        reply = client.post("/api/v1/verify", json={"credential": document})
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    assert reply.get_json()["results"][0]["outcome"] == "valid"
    assert not any("BEGIN" in statement.upper() for statement in statements), statements
