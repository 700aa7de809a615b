"""Pathway files: the shipped ones validate; a mistake names its file and line."""
from __future__ import annotations

import textwrap

from competency.frameworks.loading import load_text
from competency.progression.catalogue import PATHWAY_DATA, load_catalogue
from competency.progression.specs import CriterionKind, StageKind

GOOD = """\
kind: pathway
slug: tiny-pathway
version: "1.0.0"
title: Tiny pathway
framework: shared-capability-framework
stages:
  - {code: ota, name: OT assistant, level: senior_support}
  - code: apprentice
    name: Apprentice
    level: pre_registration
    kind: apprenticeship
    apprenticeship: {standard: Occupational therapist (degree), typical_months: 48}
  - {code: registered, name: Registered OT, level: registered, kind: registered}
steps:
  - code: ready
    from: ota
    to: apprentice
    title: Ready
    criteria:
      - code: caps
        kind: capabilities
        title: Capabilities
        capabilities: [PP-SSW-01, PP-SSW-02]
      - {code: sponsor, kind: confirmation, item: sponsorship, title: Sponsorship}
      - {code: panel, kind: panel, title: Panel}
  - {code: qualify, from: apprentice, to: registered, title: Qualified}
"""


def check(text: str):
    return load_text(textwrap.dedent(text), "pathway.yaml")


def messages(result) -> list[str]:
    return [str(issue) for issue in result.issues]


class TestShippedPathways:
    def test_shipped_pathways_validate_and_resolve_capabilities(self):
        books = load_catalogue(PATHWAY_DATA)
        slugs = {p.slug for p in books.pathways}
        assert slugs == {"ota-to-ot-degree-apprenticeship", "council-support-worker-to-practitioner"}
        ota = books.get("ota-to-ot-degree-apprenticeship")
        assert [s.code for s in ota.stages] == ["support_worker", "ota", "assistant_practitioner",
                                                 "degree_apprentice", "registered_ot"]
        assert ota.stage("assistant_practitioner").is_optional
        assert ota.stage("degree_apprentice").apprenticeship.standard == "Occupational therapist (degree) ST0517"
        checklist = ota.step_between("ota", "degree_apprentice")
        kinds = {c.kind for c in checklist.criteria}
        assert kinds == set(CriterionKind)
        items = {c.item for c in checklist.criteria
                 if c.kind in (CriterionKind.confirmation, CriterionKind.hours_worked)}
        assert items == {"sponsorship", "hours_worked", "entry_qualifications", "mentor_named",
                         "managers_statement", "funding_route"}
        capabilities = checklist.criterion("ota_capabilities").capabilities
        assert capabilities[0].code == "PP-SSW-01" and len(capabilities[0].uuid) == 36

    def test_the_council_step_is_a_year_in_post_and_a_portfolio_to_panel(self):
        council = load_catalogue(PATHWAY_DATA).get("council-support-worker-to-practitioner")
        step = council.step_between("support_worker", "social_care_practitioner")
        months = step.criterion("months_in_post")
        assert (months.months, months.same_employer) == (12, True)
        assert step.has_panel
        assert step.criterion("portfolio").evidence_kind is None


class TestMistakes:
    def test_a_good_document_loads(self):
        result = check(GOOD)
        assert messages(result) == []
        spec = result.specs("pathway")[0]
        assert spec.stage("apprentice").kind is StageKind.apprenticeship

    def test_unknown_capability_code_names_the_line_and_a_suggestion(self):
        result = check(GOOD.replace("PP-SSW-02]", "PP-SSW-2]"))
        assert messages(result) == [
            "pathway.yaml:23: step ready: 'PP-SSW-2' is not a capability of 'shared-capability-framework'; "
            "did you mean 'PP-SSW-02'?"]

    def test_unknown_criterion_kind_and_checklist_item(self):
        text = GOOD.replace("kind: panel,", "kind: pannel,").replace("item: sponsorship", "item: sponsor")
        assert messages(check(text)) == [
            "pathway.yaml:19: step ready: a step into an apprenticeship must end with a 'panel' criterion",
            "pathway.yaml:24: step ready: unknown checklist item 'sponsor' (one of: sponsorship, hours_worked, "
            "entry_qualifications, mentor_named, managers_statement, funding_route); did you mean 'sponsorship'?",
            "pathway.yaml:25: step ready: unknown criterion kind 'pannel' (one of: capabilities, months_in_post, "
            "evidence_count, confirmation, panel, hours_worked); did you mean 'panel'?",
        ]

    def test_a_step_into_an_apprenticeship_needs_a_panel(self):
        result = check(GOOD.replace("      - {code: panel, kind: panel, title: Panel}\n", ""))
        assert messages(result) == ["pathway.yaml:19: step ready: a step into an apprenticeship must end with a "
                                    "'panel' criterion"]

    def test_unknown_stage(self):
        found = messages(check(GOOD.replace("to: apprentice\n", "to: apprentise\n")))
        assert any("unknown stage 'apprentise'" in m and "did you mean 'apprentice'" in m for m in found)

    def test_unknown_level(self):
        found = messages(check(GOOD.replace("level: senior_support", "level: senior")))
        assert found == ["pathway.yaml:1: stage ota: unknown level 'senior' (one of: support, senior_support, "
                         "assistant_practitioner, pre_registration, registered, enhanced, advanced, consultant); "
                         "did you mean 'senior_support'?"]

    def test_unknown_framework(self):
        assert messages(check(GOOD.replace("framework: shared-capability-framework", "framework: nope"))) == [
            "pathway.yaml:1: pathway names unknown framework 'nope'"]
