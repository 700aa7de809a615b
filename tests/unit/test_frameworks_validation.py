"""The data-file validator: shipped files pass; every mistake names its file and line."""
from __future__ import annotations

import re
import textwrap
import uuid
from collections import Counter
from pathlib import Path

import pytest

from competency.frameworks import identifiers as ids
from competency.frameworks.loading import DocumentReader, load_path, load_text, register_kind, registered_kinds
from competency.frameworks.specs import FrameworkSpec

SHIPPED = Path(__file__).resolve().parents[2] / "competency" / "frameworks"

MINIMAL = """\
kind: framework
slug: tiny-framework
version: "0.1.0"
title: Tiny framework
pillars:
  - {code: practice, name: Practice, abbreviation: PP}
  - {code: learning, name: Learning, abbreviation: FL}
levels:
  - {code: support, name: Support worker, abbreviation: SUP}
  - {code: registered, name: Registered practitioner, abbreviation: REG}
capabilities:
  - code: PP-SUP-01
    pillar: practice
    level: support
    statement: Follows the plan.
    guidance: An observation.
  - code: PP-REG-01
    pillar: practice
    level: registered
    statement: Plans care.
    guidance: A case study.
    mappings:
      care-certificate: [CC05]
"""


def write(tmp_path: Path, text: str, name: str = "framework.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def messages(result) -> list[str]:
    return [str(issue) for issue in result.issues]


class TestShippedData:
    def test_shipped_files_validate_without_issues(self):
        result = load_path(SHIPPED)
        assert messages(result) == []
        assert {doc.kind for doc in result.documents} == {"framework", "crosswalk", "external_framework"}

    @pytest.mark.parametrize("number", ["1.0.0", "1.1.0"])
    def test_shipped_framework_has_five_pillars_eight_levels_and_at_least_120_capabilities(self, number):
        specs = {spec.version: spec for spec in load_path(SHIPPED).specs("framework")}
        assert set(specs) == {"1.0.0", "1.1.0"}
        framework = specs[number]
        assert framework.slug == "shared-capability-framework"
        assert [p.code for p in framework.pillars] == [
            "professional_practice", "facilitation_of_learning", "leadership",
            "evidence_research_development", "integrated_working",
        ]
        assert [lv.code for lv in framework.levels] == [
            "support", "senior_support", "assistant_practitioner", "pre_registration",
            "registered", "enhanced", "advanced", "consultant",
        ]
        assert len(framework.capabilities) >= 120
        cells = Counter((c.pillar, c.level) for c in framework.capabilities)
        assert all(count >= 3 for count in cells.values())
        assert all(c.guidance and c.statement for c in framework.capabilities)

    def test_shipped_crosswalk_maps_afc_bands_council_grades_and_titles(self):
        (crosswalk,) = load_path(SHIPPED).specs("crosswalk")
        entries = {(s.code, e.label): e.level for s in crosswalk.schemes for e in s.entries}
        assert entries[("nhs_afc", "Band 6")] == "enhanced"
        assert entries[("kr_range", "KR10")] == "enhanced"
        assert entries[("role_titles", "OT assistant")] == "senior_support"
        assert entries[("role_titles", "Social care practitioner")] == "senior_support"

    def test_external_frameworks_have_the_published_item_counts(self):
        result = load_path(SHIPPED)
        sizes = {spec.slug: len(spec.items) for spec in result.specs("external_framework")}
        assert sizes == {"care-certificate": 15, "social-work-pcf": 9, "ahp-support-worker": 5, "nhs-career-framework": 9}


class TestErrorsNameFileAndLine:
    def test_minimal_framework_is_valid(self, tmp_path):
        result = load_path(write(tmp_path, MINIMAL))
        assert messages(result) == []
        (spec,) = result.specs("framework")
        assert isinstance(spec, FrameworkSpec) and len(spec.capabilities) == 2

    def test_wrong_level_code(self, tmp_path):
        path = write(tmp_path, MINIMAL.replace("level: registered", "level: registerd"))
        result = load_path(path)
        assert not result.ok and result.documents == []
        assert messages(result) == [
            f"{path}:19: capability PP-REG-01: unknown level code 'registerd' "
            "(one of: support, registered); did you mean 'registered'?"
        ]

    def test_duplicate_capability_code(self, tmp_path):
        path = write(tmp_path, MINIMAL.replace("code: PP-REG-01", "code: PP-SUP-01"))
        result = load_path(path)
        assert messages(result) == [f"{path}:17: duplicate capability code 'PP-SUP-01' (first defined on line 12)"]
        assert result.documents == []

    def test_yaml_syntax_error(self, tmp_path):
        path = write(tmp_path, MINIMAL.replace("guidance: An observation.", "guidance: [An observation."))
        result = load_path(path)
        assert len(result.issues) == 1
        issue = result.issues[0]
        assert issue.source == str(path) and issue.line is not None and 15 <= issue.line <= 17
        assert "YAML syntax error" in issue.message
        assert re.match(rf"^{re.escape(str(path))}:\d+: YAML syntax error", str(issue))

    def test_unknown_pillar_and_missing_field(self, tmp_path):
        text = MINIMAL.replace("pillar: practice\n    level: registered", "pillar: practise\n    level: registered")
        text = text.replace("    guidance: A case study.\n", "")
        path = write(tmp_path, text)
        assert messages(load_path(path)) == [
            f"{path}:17: capability PP-REG-01: missing required field 'guidance'",
            f"{path}:18: capability PP-REG-01: unknown pillar 'practise' (one of: practice, learning); did you mean 'practice'?",
        ]

    def test_version_must_be_quoted_text(self, tmp_path):
        path = write(tmp_path, MINIMAL.replace('version: "0.1.0"', "version: 1.0"))
        assert messages(load_path(path)) == [f"{path}:3: 'version' must be quoted text (YAML read 1.0 as a number)"]

    def test_unknown_field_is_reported_not_ignored(self, tmp_path):
        path = write(tmp_path, MINIMAL.replace("    statement: Plans care.", "    statment: Plans care."))
        assert f"{path}:20: capability PP-REG-01: unknown field 'statment'" in messages(load_path(path))[-1]

    def test_code_must_match_pillar_and_level_abbreviations(self, tmp_path):
        path = write(tmp_path, MINIMAL.replace("code: PP-REG-01", "code: PP-SUP-02"))
        assert messages(load_path(path)) == [
            f"{path}:17: capability PP-SUP-02: code should start with 'PP-REG-' for pillar 'practice' at level 'registered'"
        ]

    def test_mapping_to_an_unknown_external_item(self, tmp_path):
        path = write(tmp_path, MINIMAL.replace("[CC05]", "[CC05, CC16]"))
        (message,) = messages(load_path(path))
        assert message.startswith(f"{path}:23: capability PP-REG-01: 'CC16' is not an item of 'care-certificate'")

    def test_unknown_kind_and_missing_kind(self, tmp_path):
        a = write(tmp_path, "kind: frameworks\nslug: x\n", "a.yaml")
        b = write(tmp_path, "slug: x\n", "b.yaml")
        result = load_path(tmp_path)
        assert messages(result)[0].startswith(f"{a}:1: unknown kind 'frameworks'")
        assert messages(result)[1].startswith(f"{b}:1: missing 'kind:'")

    def test_crosswalk_with_an_unknown_level(self, tmp_path):
        path = write(tmp_path, """\
            kind: crosswalk
            slug: local-grades
            framework: shared-capability-framework
            title: Local grades
            schemes:
              - code: local
                name: Local grades
                type: grade
                entries:
                  - label: Grade 5
                    level: senior_suport
            """, "crosswalk.yaml")
        assert messages(load_path(path)) == [
            f"{path}:11: scheme local: 'Grade 5' maps to unknown level code 'senior_suport' (one of: support, "
            "senior_support, assistant_practitioner, pre_registration, registered, enhanced, advanced, consultant); "
            "did you mean 'senior_support'?"
        ]

    def test_one_bad_file_means_nothing_is_loaded(self, tmp_path):
        write(tmp_path, MINIMAL, "good.yaml")
        write(tmp_path, MINIMAL.replace("tiny-framework", "other-framework").replace("level: support\n", "level: nobody\n", 1), "bad.yaml")
        result = load_path(tmp_path)
        assert len(result.issues) == 1 and "bad.yaml:14" in str(result.issues[0])
        assert result.documents == []

    def test_uploaded_text_is_named_in_messages(self):
        result = load_text(MINIMAL.replace("level: registered", "level: nurse"), "upload.yaml")
        assert messages(result)[0].startswith("upload.yaml:19: capability PP-REG-01: unknown level code 'nurse'")


class TestIdentifiers:
    def test_identifiers_are_stable_lowercase_uuids(self):
        first = ids.capability_uuid("shared-capability-framework", "PP-REG-01")
        assert first == ids.capability_uuid("shared-capability-framework", "PP-REG-01")
        assert first == first.lower() and uuid.UUID(first).version == 5

    def test_a_new_revision_gets_a_new_id_that_supersedes_the_old_one(self):
        spec = load_text(MINIMAL, "x.yaml").specs("framework")[0]
        capability = spec.capabilities[1]
        revised = type(capability)(**{**capability.__dict__, "statement": "Plans and reviews care.", "revision": 2})
        assert spec.capability_id(revised) != spec.capability_id(capability)
        assert spec.supersedes_id(revised) == spec.capability_id(capability)
        assert spec.supersedes_id(capability) is None


class TestRegistry:
    def test_other_packages_can_register_their_own_kind(self, tmp_path):
        def parse_checklist(reader: DocumentReader, report):
            reader.check_keys(["kind", "slug", "steps"])
            steps = reader.string_list("steps", required=True)
            return {"slug": reader.string("slug"), "steps": [s for s, _ in steps]}

        register_kind("test_checklist", parse_checklist)
        try:
            path = write(tmp_path, "kind: test_checklist\nslug: c\nsteps: [a, b]\nextra: 1\n", "c.yaml")
            assert messages(load_path(path)) == [
                f"{path}:4: unknown field 'extra' (expected one of: kind, slug, steps)"
            ]
        finally:
            registered_kinds()  # discovery has run; remove our test kind again
            from competency.frameworks import loading
            loading._KINDS.pop("test_checklist", None)

    def test_framework_kinds_are_registered_by_discovery(self):
        assert {"framework", "crosswalk", "external_framework"} <= set(registered_kinds())
