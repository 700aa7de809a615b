"""Issue 16.9: framework 1.1.0 as a new published version (1.0.0 never edited), with equality at every level,
the council OT core, guidance that does not route sign-off through the preceptor, an enhanced-scope route for
support workers, and the ``change: minor | major`` flag that decides whether sign-offs carry."""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pytest

from competency.frameworks import services
from competency.frameworks.errors import FrameworkFileInvalid
from competency.frameworks.loading import SHIPPED_DATA, SHIPPED_UPDATES, load_path, load_text
from tests.unit.frameworks_helpers import import_shipped

# The published 1.0.0 file, byte for byte: published versions never change.
PUBLISHED_1_0_0_SHA256 = "794c08d43d3e19c7aa5a69e526081820bb00027f1fae0be6e9e7841724c22ac8"
LEVELS = ["support", "senior_support", "assistant_practitioner", "pre_registration", "registered", "enhanced",
          "advanced", "consultant"]
EQUALITY_WORDS = ("discriminat", "equal", "cultur", "fairly")


@pytest.fixture(scope="module")
def release():
    (spec,) = load_path(SHIPPED_UPDATES).specs("framework")
    return spec


def by_code(spec):
    return {c.code: c for c in spec.capabilities}


def test_version_1_0_0_is_never_edited():
    data = (SHIPPED_DATA / "shared-capability-framework.yaml").read_bytes()
    assert hashlib.sha256(data).hexdigest() == PUBLISHED_1_0_0_SHA256


def test_1_1_0_is_a_new_version_of_the_same_framework(release):
    assert (release.slug, release.version) == ("shared-capability-framework", "1.1.0")


def test_equality_anti_discrimination_and_cultural_humility_at_every_level(release):
    levels = {c.level for c in release.capabilities
              if any(word in c.statement.lower() for word in EQUALITY_WORDS)}
    assert set(LEVELS) <= levels


def test_the_pcf_diversity_and_equality_domain_now_maps(release):
    mapped = {code for c in release.capabilities for slug, code in c.mappings if slug == "social-work-pcf"}
    assert "PCF3" in mapped
    old = load_path(SHIPPED_DATA).specs("framework")[0]
    assert "PCF3" not in {code for c in old.capabilities for slug, code in c.mappings if slug == "social-work-pcf"}


def test_the_council_ot_core_is_present_for_social_care(release):
    caps = by_code(release)
    topics = {"PP-REG-06": "adaptation", "PP-REG-07": "single-handed", "PP-REG-08": "care act",
              "PP-REG-09": "strengths-based"}
    for code, word in topics.items():
        assert word in caps[code].statement.lower()
        assert caps[code].sectors == ("social_care",)


@pytest.mark.parametrize("code", ["PP-REG-01", "LD-REG-01", "IW-REG-02"])
def test_registered_guidance_does_not_route_sign_off_through_the_preceptor(release, code):
    old = by_code(load_path(SHIPPED_DATA).specs("framework")[0])[code]
    assert "preceptor" in old.guidance.lower()
    guidance = by_code(release)[code].guidance.lower()
    assert "by your preceptor" not in guidance and "preceptorship supervision" not in guidance


def test_taking_part_in_preceptorship_is_not_a_capability(release):
    fl = by_code(release)["FL-REG-01"]
    assert "preceptorship" not in fl.statement.lower() and "asye" not in fl.statement.lower()
    assert fl.revision == 2 and not fl.is_minor_revision  # a major revision: old sign-offs do not carry


def test_support_workers_have_an_enhanced_scope_route(release):
    enhanced_scope = [c for c in release.capabilities if c.statement.startswith("Enhanced scope")]
    assert {c.level for c in enhanced_scope} >= {"senior_support", "assistant_practitioner"}


def test_every_cell_still_has_at_least_three_capabilities(release):
    cells = defaultdict(int)
    for c in release.capabilities:
        cells[(c.pillar, c.level)] += 1
    assert min(cells.values()) >= 3


def test_importing_1_1_after_1_0_publishes_with_no_revision_problems(db):
    import_shipped()
    (spec,) = services.import_shipped_updates(by=None)
    assert spec.version == "1.1.0"
    assert services.import_shipped_updates(by=None)[0] == spec  # a second run changes nothing


class TestTheChangeFlag:
    BASE = Path(SHIPPED_DATA / "shared-capability-framework.yaml").read_text()

    def test_change_needs_a_revision(self):
        text = self.BASE.replace("  - code: PP-SUP-01\n", "  - code: PP-SUP-01\n    change: minor\n", 1)
        result = load_text(text, "framework.yaml")
        assert any("'change' describes a revision" in str(issue) for issue in result.issues)

    def test_unknown_change_kinds_are_refused(self):
        text = self.BASE.replace("  - code: PP-SUP-01\n", "  - code: PP-SUP-01\n    revision: 2\n    change: tiny\n", 1)
        result = load_text(text, "framework.yaml")
        assert any("unknown change 'tiny'" in str(issue) for issue in result.issues)

    def test_a_revision_keeps_its_kind_in_later_versions(self, db, release):
        import_shipped()
        services.import_shipped_updates(by=None)
        flipped = tuple(replace(c, is_minor_revision=False) if c.code == "PP-REG-01" else c
                        for c in release.capabilities)
        with pytest.raises(FrameworkFileInvalid) as excinfo:
            services.import_framework(replace(release, version="1.2.0", capabilities=flipped), by=None)
        assert "keeps its kind" in " ".join(excinfo.value.problems)
