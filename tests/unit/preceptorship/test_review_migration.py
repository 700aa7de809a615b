"""Existing reviews migrate sensibly (migration b4e8c2d71f35): standing signatures keep standing,
signatures of an earlier text stay on record without standing."""
from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

from competency.extensions import db
from competency.preceptorship import reviews
from competency.preceptorship.models import MilestoneSignature
from tests.unit.preceptorship.conftest import AT

MIGRATION = next((Path(__file__).resolve().parents[3] / "migrations" / "versions").glob("*_b4e8c2d71f35_*.py"))


def _migration():
    spec = importlib.util.spec_from_file_location("review_sections_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _old_hash(milestone) -> str:
    """The whole-review hash signatures carried before reviews had sections."""
    payload = {name: getattr(milestone, name) or "" for name in ("reflection", "development_plan", "goals", "concerns")}
    payload["has_concern"] = bool(milestone.has_concern)
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _legacy_signature(milestone, party, person, content_hash):
    milestone.signatures.append(MilestoneSignature(party=party, user_id=person.id, signer_name=person.display_name,
                                                   content_hash=content_hash, signed_at=AT))


def test_standing_signatures_keep_standing_and_earlier_ones_stay_on_record(enrol, team):
    milestone = enrol().milestone("learning_agreement")
    milestone.reflection, milestone.goals = "Settling in", "Own caseload"
    _legacy_signature(milestone, "preceptee", team.practitioner, "0" * 64)  # signed an earlier text
    milestone.development_plan = "Weekly supervision"
    _legacy_signature(milestone, "preceptee", team.practitioner, _old_hash(milestone))
    _legacy_signature(milestone, "preceptor", team.preceptor, _old_hash(milestone))
    db.session.flush()
    assert reviews.current_signatures(milestone) == {}  # unmigrated rows stand for nothing

    _migration()._carry_standing_signatures(db.session.connection())
    db.session.expire_all()

    standing = reviews.current_signatures(milestone)
    assert sorted(standing) == ["preceptee", "preceptor"]
    assert standing["preceptee"].id == milestone.signatures[1].id
    assert milestone.signatures[0].section_hash is None  # the earlier one: on record, not standing
    assert reviews.outstanding_parties(milestone) == ["lead"]
    # From here on the new rule applies: the preceptee changing their section asks about both.
    assert [p for p, _, _ in reviews.preview_change(milestone, by=team.practitioner, goals="Changed")] == [
        "preceptee", "preceptor"]
