"""The keyed audit chain: HMAC under a key kept outside the database, anchors, and what `flask audit verify` catches.

An attacker here can write to the database (edit, delete, re-hash rows) but
does not hold the audit key file.
"""
from __future__ import annotations

import logging
import os
import secrets
import stat

import pytest
import sqlalchemy as sa

from competency.audit import keys
from competency.audit.models import AuditEvent
from competency.audit.sealing import GENESIS, keyed_digest, legacy_digest
from competency.audit.services import record_event, verify_chains
from competency.db import utcnow
from tests.factories import OrganisationFactory

EVENTS = 8


@pytest.fixture
def anchor_file(app, tmp_path, monkeypatch):
    """Anchors of this test only (the app's instance folder is shared by the whole run)."""
    path = tmp_path / "audit-anchors.jsonl"
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_FILE", str(path))
    return path


@pytest.fixture
def council(db, anchor_file):
    """An organisation whose chain holds EVENTS committed events."""
    organisation = OrganisationFactory()
    for n in range(1, EVENTS + 1):
        record_event("test.step", actor=None, organisation=organisation, data={"n": n})
        db.session.commit()
    return organisation


def chain_events(db, organisation) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.chain == f"org:{organisation.id}")
                                   .order_by(AuditEvent.seq)))


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["audit", *args])


def rehash_from(db, events: list[AuditEvent], start: int, digest, *, key_id="keep") -> None:
    """What an attacker with write access does: recompute every hash from event ``start`` on."""
    prev = events[start - 2].hash if start > 1 else GENESIS
    for event in events[start - 1:]:
        if key_id != "keep":
            event.key_id = key_id
        event.prev_hash = prev
        event.hash = prev = digest(event)
    db.session.commit()


class TestVerifyCatchesRewrites:
    def test_an_intact_anchored_chain_passes(self, app, council, anchor_file):
        anchored = cli(app, "anchor")
        assert anchored.exit_code == 0, anchored.output
        assert "Anchored" in anchored.output

        result = cli(app, "verify")

        assert result.exit_code == 0, result.output
        assert "Audit log intact" in result.output
        assert "Every chain reaches the anchor of" in result.output
        assert str(anchor_file) in result.output

    def test_deleting_the_last_three_events_fails_against_the_anchor(self, app, db, council):
        assert cli(app, "anchor").exit_code == 0
        last_three = [event.id for event in chain_events(db, council)[-3:]]
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id.in_(last_three)))
        db.session.commit()

        result = cli(app, "verify")

        assert result.exit_code == 1
        assert f"BROKEN org:{council.id}: event #{EVENTS - 3}" in result.output
        assert f"recorded event #{EVENTS}: the last 3 events were deleted" in result.output

    def test_deleting_every_event_of_an_anchored_chain_fails(self, app, db, council):
        assert cli(app, "anchor").exit_code == 0
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.chain == f"org:{council.id}"))
        db.session.commit()

        result = cli(app, "verify")

        assert result.exit_code == 1
        assert f"BROKEN org:{council.id}: chain: all its events were deleted" in result.output

    @pytest.mark.parametrize("key_id", ["keep", None], ids=["key-id-kept", "key-id-dropped"])
    def test_an_edit_re_hashed_with_the_old_unkeyed_sha256_fails(self, app, db, council, key_id):
        events = chain_events(db, council)
        events[2].data = {"n": 3, "note": "quietly changed"}
        rehash_from(db, events, 3, legacy_digest, key_id=key_id)

        result = cli(app, "verify")

        assert result.exit_code == 1
        assert f"BROKEN org:{council.id}: event #3 (id {events[2].id})" in result.output
        if key_id == "keep":
            assert "its HMAC does not match audit key" in result.output
        else:
            assert "hashed with plain SHA-256 after keyed events: the chain was re-hashed without the audit key" \
                in result.output

    def test_an_edit_re_hashed_with_a_guessed_key_fails(self, app, db, council):
        guessed = secrets.token_bytes(keys.KEY_BYTES)
        events = chain_events(db, council)
        events[4].action = "test.forged"
        rehash_from(db, events, 5, lambda event: keyed_digest(event, guessed))

        result = cli(app, "verify")

        assert result.exit_code == 1
        assert f"BROKEN org:{council.id}: event #5 (id {events[4].id}): its contents were changed" in result.output
        assert "edited or re-hashed without the key" in result.output

    def test_a_whole_chain_re_hashed_unkeyed_fails_even_without_an_anchor(self, app, db, council):
        events = chain_events(db, council)
        events[0].data = {"n": 1, "note": "rewritten"}
        rehash_from(db, events, 1, legacy_digest, key_id=None)

        result = cli(app, "verify")

        assert result.exit_code == 1
        assert "hashed with plain SHA-256" in result.output and "no keyed event seals them" in result.output

    def test_a_rewritten_chain_differs_from_the_anchor(self, app, db, council):
        assert cli(app, "anchor").exit_code == 0
        events = chain_events(db, council)
        # Say the attacker also had the key: the chain verifies, the anchor does not.
        secret = keys.load_key(events[0].key_id)
        events[1].data = {"n": 2, "note": "rewritten with the key"}
        rehash_from(db, events, 2, lambda event: keyed_digest(event, secret))

        result = cli(app, "verify")

        assert result.exit_code == 1
        assert f"event #{EVENTS}" in result.output and "differs from the anchor of" in result.output

    def test_events_deleted_after_the_last_anchor_are_not_noticed(self, app, db, council):
        """The documented limit: truncation back to the last anchor leaves a valid, anchored chain."""
        assert cli(app, "anchor").exit_code == 0
        record_event("test.after_anchor", actor=None, organisation=council)
        db.session.commit()
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.action == "test.after_anchor"))
        db.session.commit()

        assert cli(app, "verify").exit_code == 0

    def test_an_edited_anchor_line_fails(self, app, db, council, anchor_file):
        assert cli(app, "anchor").exit_code == 0
        anchor_file.write_text(anchor_file.read_text().replace(f'"org:{council.id}":[{EVENTS},',
                                                               f'"org:{council.id}":[{EVENTS - 3},'))

        result = cli(app, "verify")

        assert result.exit_code == 1
        assert "BROKEN anchors: anchor file: anchor line 1" in result.output
        assert "does not match its HMAC: the anchor file was edited" in result.output

    def test_verify_without_an_anchor_passes_but_says_what_it_cannot_see(self, app, council):
        result = cli(app, "verify")

        assert result.exit_code == 0, result.output
        assert "No anchor yet" in result.output and "deleting the last events would not show" in result.output


class TestAnchors:
    def test_an_anchor_goes_to_the_file_and_the_log_and_is_not_repeated_when_nothing_changed(
            self, app, db, council, anchor_file, caplog):
        with caplog.at_level(logging.INFO, logger="competency.audit"):
            assert cli(app, "anchor").exit_code == 0
        line = anchor_file.read_text().strip()
        assert f'"org:{council.id}":[{EVENTS},' in line
        assert any(record.getMessage() == f"audit anchor {line}" for record in caplog.records)

        again = cli(app, "anchor")

        assert "Nothing new to anchor" in again.output
        assert len(anchor_file.read_text().splitlines()) == 1

    def test_beat_anchors_every_interval(self, app, db, council, anchor_file):
        from worker.celery_app import get_celery

        with app.app_context():
            celery = get_celery()
        entry = celery.conf.beat_schedule["anchor-audit-chains"]
        assert entry["schedule"] == app.config["AUDIT_ANCHOR_INTERVAL_SECONDS"] == 3600
        assert entry["task"] == "worker.tasks.anchor_audit_chains"

        assert celery.tasks["worker.tasks.anchor_audit_chains"].delay().get() >= 1
        assert f'"org:{council.id}":[{EVENTS},' in anchor_file.read_text()


class TestLegacyChains:
    """Events sealed with plain SHA-256 before this change."""

    @pytest.fixture
    def legacy(self, db, anchor_file):
        organisation = OrganisationFactory()
        prev = GENESIS
        for n in range(1, 4):
            event = AuditEvent(chain=f"org:{organisation.id}", seq=n, organisation_id=organisation.id,
                               action="test.legacy", data={"n": n}, prev_hash=prev, created_at=utcnow())
            event.hash = prev = legacy_digest(event)
            db.session.add(event)
        db.session.commit()
        return organisation

    def test_an_unsealed_legacy_chain_fails_until_anchor_seals_it(self, app, db, legacy):
        before = cli(app, "verify")
        assert before.exit_code == 1
        assert f"BROKEN org:{legacy.id}: event #3" in before.output
        assert "run `flask audit anchor` to seal them" in before.output

        anchored = cli(app, "anchor")

        assert anchored.exit_code == 0, anchored.output
        assert f"Sealed org:{legacy.id}" in anchored.output
        events = chain_events(db, legacy)
        assert [e.key_id is None for e in events] == [True, True, True, False]
        assert events[3].action == "audit.legacy_sealed" and events[3].prev_hash == events[2].hash
        assert cli(app, "verify").exit_code == 0

    def test_a_sealed_legacy_prefix_cannot_be_re_hashed(self, app, db, legacy):
        assert cli(app, "anchor").exit_code == 0
        events = chain_events(db, legacy)
        events[0].data = {"n": 1, "note": "changed after sealing"}
        rehash_from(db, events[:3], 1, legacy_digest)  # the whole unkeyed prefix, consistently

        result = cli(app, "verify")

        assert result.exit_code == 1
        assert f"BROKEN org:{legacy.id}: event #4" in result.output  # the keyed seal no longer links

    def test_a_broken_legacy_chain_is_not_sealed(self, app, db, legacy):
        events = chain_events(db, legacy)
        db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == events[1].id).values(action="test.changed"))
        db.session.commit()

        result = cli(app, "anchor")

        assert result.exit_code == 1
        assert f"NOT SEALED org:{legacy.id}: event #2" in result.output
        assert len(chain_events(db, legacy)) == 3


class TestKeys:
    def test_the_first_key_is_made_on_first_use_readable_by_the_owner_only(self, app, db, tmp_path, monkeypatch):
        directory = tmp_path / "audit-keys"
        monkeypatch.setitem(app.config, "AUDIT_KEY_DIR", str(directory))
        event = record_event("test.first", actor=None, organisation=OrganisationFactory())
        db.session.commit()

        (key_file,) = directory.glob("*.key")
        assert event.key_id == key_file.stem
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700

    def test_a_lost_key_directory_refuses_audited_changes_and_verify_names_the_missing_key(
            self, app, db, council, tmp_path, monkeypatch):
        key_id = chain_events(db, council)[0].key_id
        monkeypatch.setitem(app.config, "AUDIT_KEY_DIR", str(tmp_path / "empty"))

        record_event("test.after_loss", actor=None, organisation=council)
        with pytest.raises(keys.AuditKeyError, match="holds no key, but audit events were sealed"):
            db.session.commit()
        db.session.rollback()

        result = cli(app, "verify")
        assert result.exit_code == 1
        assert f"it cannot be checked: Audit key {key_id} is missing" in result.output

    def test_a_key_file_others_can_read_is_refused(self, app, db, tmp_path, monkeypatch):
        directory = tmp_path / "audit-keys"
        monkeypatch.setitem(app.config, "AUDIT_KEY_DIR", str(directory))
        key_id = keys.rotate_key()
        os.chmod(directory / f"{key_id}.key", 0o644)

        with pytest.raises(keys.AuditKeyError, match="can be read by other users"):
            keys.load_key(key_id)

    def test_rotation_keeps_old_events_verifying(self, app, db, council, tmp_path):
        before = chain_events(db, council)[-1].key_id

        rotated = cli(app, "rotate-key")
        record_event("test.after_rotation", actor=None, organisation=council)
        db.session.commit()

        assert rotated.exit_code == 0 and "New audit key" in rotated.output
        after = chain_events(db, council)[-1].key_id
        assert after != before and after in rotated.output
        assert verify_chains() == []


class TestPlacement:
    def test_an_event_takes_its_place_when_the_transaction_commits(self, db):
        organisation = OrganisationFactory()
        event = record_event("test.pending", actor=None, organisation=organisation)
        assert (event.seq, event.hash) == (None, None)

        db.session.commit()

        assert event.seq == 1 and event.prev_hash == GENESIS and event.key_id is not None

    def test_an_event_in_a_rolled_back_savepoint_leaves_no_gap(self, db):
        organisation = OrganisationFactory()
        record_event("test.kept", actor=None, organisation=organisation)
        savepoint = db.session.begin_nested()
        record_event("test.undone", actor=None, organisation=organisation)
        savepoint.rollback()
        record_event("test.kept", actor=None, organisation=organisation)
        db.session.commit()

        assert [(e.seq, e.action) for e in chain_events(db, organisation)] == [(1, "test.kept"), (2, "test.kept")]
        assert verify_chains() == []

    def test_events_recorded_by_other_areas_commit_hooks_are_placed_too(self, db):
        """Another area's class-level before_commit hook (the passport's revocation hook does this) runs first."""
        organisation = OrganisationFactory()
        db.session.commit()

        def late_writer(session):
            if session.info.pop("test.late", None):
                record_event("test.from_hook", actor=None, organisation=organisation)

        sa.event.listen(sa.orm.Session, "before_commit", late_writer)
        try:
            db.session.info["test.late"] = True
            record_event("test.direct", actor=None)
            db.session.commit()
        finally:
            sa.event.remove(sa.orm.Session, "before_commit", late_writer)

        placed = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "test.from_hook"))
        assert placed.seq == 1 and placed.hash is not None
        assert verify_chains() == []

    def test_a_transaction_with_a_thousand_events_places_them_in_recording_order(self, db):
        organisation = OrganisationFactory()
        for n in range(1100):
            record_event("test.bulk", actor=None, organisation=organisation if n % 2 else None, data={"n": n})
        db.session.commit()

        ours = chain_events(db, organisation)
        assert [e.seq for e in ours] == list(range(1, 551))
        assert [e.data["n"] for e in ours] == list(range(1, 1100, 2))
        assert verify_chains() == []
