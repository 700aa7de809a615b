"""``flask keys generate|rotate`` with real key files, and ``flask passport issue|verify``."""
from __future__ import annotations

import json
import stat

import pytest

from competency.extensions import db
from competency.passport import keys, resolver, sharing
from tests.evidence_support import signoff_world
from tests.passport_support import signed_off


@pytest.fixture
def world(db):
    resolver.clear_caches()
    world = signoff_world()
    signed_off(world)
    db.session.commit()
    return world


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_keys_generate_then_rotate_keeps_credentials_signed_before_the_rotation_valid(app, world, tmp_path):
    slug = world.org.slug
    generated = run(app, "keys", "generate", slug)
    assert generated.exit_code == 0, generated.output
    first_key = keys.current_key(world.org.id).public_key_multibase
    key_file = keys.key_path(world.org, first_key)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and first_key in generated.output
    assert run(app, "keys", "generate", slug).exit_code != 0  # a second "generate" is refused: rotate instead

    issued = run(app, "passport", "issue", world.practitioner.email)
    assert issued.exit_code == 0 and "Issued 1 new credential" in issued.output
    before = tmp_path / "before.json"
    before.write_text(json.dumps(sharing.holder_bundle(world.practitioner)))

    keys._cache.clear()
    rotated = run(app, "keys", "rotate", slug)
    assert rotated.exit_code == 0 and "2 key(s) listed" in rotated.output
    second_key = keys.current_key(world.org.id).public_key_multibase
    assert second_key != first_key and key_file.exists() and keys.key_path(world.org, second_key).exists()

    checked = run(app, "passport", "verify", str(before))
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("VALID") and world.org.name in checked.output


def test_passport_verify_prints_not_valid_with_the_reason_and_fails(app, world, tmp_path):
    run(app, "passport", "issue", world.practitioner.email)
    bundle = sharing.holder_bundle(world.practitioner)
    bundle["verifiableCredential"][0]["validFrom"] = "2020-01-01T00:00:00Z"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(bundle))
    checked = run(app, "passport", "verify", str(tampered))
    assert checked.exit_code == 1
    assert "NOT VALID" in checked.output and "changed after it was issued" in checked.output
    as_json = run(app, "passport", "verify", "--json", str(tampered))
    assert json.loads(as_json.output)[0]["outcome"] == "not_valid"


def test_passport_verify_refuses_a_file_that_is_not_a_credential(app, db, tmp_path):
    junk = tmp_path / "junk.json"
    junk.write_text('{"hello": "world"}')
    checked = run(app, "passport", "verify", str(junk))
    assert checked.exit_code != 0 and "neither a credential nor a passport bundle" in checked.output
