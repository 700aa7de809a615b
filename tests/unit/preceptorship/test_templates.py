"""Programme template files: the shipped four validate; mistakes name their file and line; the CLI works."""
from __future__ import annotations

import textwrap

from competency.frameworks.loading import load_text
from competency.preceptorship.catalogue import shipped_specs

GOOD = """\
kind: programme_template
slug: tiny-programme
version: "0.1.0"
title: Tiny programme
programme_kind: preceptorship
duration_days: 100
supervision:
  minimum_minutes: 30
  cadence:
    - {until_day: 20, every_days: 7}
    - {every_months: 1}
protected_time: {share_percent: 10}
completion: {outcome: completion}
checkin_pillars: [leadership]
milestones:
  - {code: start, title: Start, due_day: 10, window_days: 5, signed_by: [preceptee, preceptor]}
  - {code: end, title: End, due_day: 100, window_days: 5, signed_by: [preceptee, lead], completes_programme: true}
"""


def problems(text: str) -> list[str]:
    return [str(issue) for issue in load_text(textwrap.dedent(text), "tiny.yaml").issues]


def test_the_four_shipped_templates_carry_the_domain_facts():
    specs = {spec.slug: spec for spec in shipped_specs()}
    assert set(specs) == {"ahp-preceptorship", "social-work-asye", "nursing-preceptorship-core",
                          "ot-social-care-asye"}
    ahp, asye, nursing, ot = (specs[s] for s in ("ahp-preceptorship", "social-work-asye",
                                                  "nursing-preceptorship-core", "ot-social-care-asye"))
    assert [(m.code, m.due_day, m.window_days) for m in ahp.milestones] == [
        ("learning_agreement", 14, 7), ("review_3m", 91, 14), ("review_6m", 182, 14), ("review_9m", 273, 14),
        ("final_review", 365, 14), ("follow_up", 547, 30)]
    assert ahp.milestone("learning_agreement").signed_by == ("preceptee", "preceptor", "lead")
    assert ahp.milestone("review_9m").required_when == "concern_raised"
    assert [(r.until_day, r.every_days, r.every_months) for r in ahp.cadence] == [(42, 7, None), (182, 14, None),
                                                                                  (None, None, 1)]
    assert all(spec.protected_time_percent == 10 for spec in specs.values())
    assert asye.supervision_minimum_minutes == 90 and ot.supervision_minimum_minutes == 90
    assert asye.outcome == "pass_fail" and asye.is_moderated
    assert ot.is_moderated and ot.outcome == "completion" and ahp.outcome == "completion" and not ahp.is_moderated
    assert dict(asye.milestone("final_review").evidence) == {
        "direct_observation": 3, "feedback_people": 3, "feedback_professionals": 3, "case_study": 3, "reflection": 2}
    assert nursing.duration_days == 182 and nursing.completion_milestone.due_day == 182


def test_a_good_file_validates():
    assert problems(GOOD) == []


def test_mistakes_name_the_line_and_what_to_do():
    broken = GOOD.replace("signed_by: [preceptee, lead]", "signed_by: [preceptee, manager]")
    assert any("tiny.yaml:17" in p and "unknown party 'manager'" in p for p in problems(broken))
    two_ends = GOOD.replace("completes_programme: true}", "completes_programme: true}\n  - {code: more, title: More, "
                            "due_day: 50, window_days: 5, signed_by: [preceptee], completes_programme: true}")
    assert any("exactly one milestone" in p for p in problems(two_ends))
    late = GOOD.replace("due_day: 10,", "due_day: 120,")
    assert any("mark it 'after_completion: true'" in p for p in problems(late))
    cadence = GOOD.replace("{until_day: 20, every_days: 7}", "{until_day: 20, every_days: 7, every_months: 1}")
    assert any("exactly one of 'every_days' or 'every_months'" in p for p in problems(cadence))
    pillar = GOOD.replace("checkin_pillars: [leadership]", "checkin_pillars: [leadershp]")
    assert any("did you mean 'leadership'" in p for p in problems(pillar))
    evidence = GOOD.replace("signed_by: [preceptee, preceptor]}", "signed_by: [preceptee, preceptor], "
                            "evidence: {observation: 2}}")
    assert any("unknown evidence kind 'observation'" in p for p in problems(evidence))
    pass_fail = GOOD.replace("{outcome: completion}", "{outcome: pass_fail}")
    assert any("needs a moderation panel" in p for p in problems(pass_fail))


def test_the_cli_validates_and_imports(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["programmes", "validate"])
    assert result.exit_code == 0 and "4 programme template(s), all valid" in result.output
