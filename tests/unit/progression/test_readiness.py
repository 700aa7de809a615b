"""Readiness criteria evaluated over plain facts: what is met, and what is missing."""
from __future__ import annotations

from datetime import date

from competency.progression.catalogue import catalogue
from competency.progression.readiness import (
    ConfirmationFact,
    EmploymentFact,
    Facts,
    PanelFact,
    add_months,
    evaluate_step,
    months_in_post,
)

TODAY = date(2026, 11, 23)
ORG, OTHER = 1, 2


def ota_step():
    return catalogue().get("ota-to-ot-degree-apprenticeship").step("ota_to_apprenticeship")


class TestMonthsInPost:
    def test_a_year_to_the_day_is_twelve_months(self):
        jobs = [EmploymentFact(ORG, "senior_support", date(2025, 11, 23))]
        assert months_in_post(jobs, TODAY) == 12
        assert months_in_post(jobs, date(2026, 11, 22)) == 11

    def test_only_the_listed_levels_count(self):
        jobs = [EmploymentFact(OTHER, "support", date(2022, 3, 1), date(2024, 9, 30)),
                EmploymentFact(ORG, "senior_support", date(2024, 10, 1))]
        assert months_in_post(jobs, TODAY, levels=["senior_support"]) == 25
        assert months_in_post(jobs, TODAY, levels=["support"]) == 31
        assert months_in_post(jobs, TODAY) == 56

    def test_same_employer_only(self):
        jobs = [EmploymentFact(OTHER, "support", date(2025, 1, 1), date(2025, 12, 31)),
                EmploymentFact(ORG, "support", date(2026, 1, 1))]
        assert months_in_post(jobs, TODAY, organisation_id=ORG) == 10
        assert months_in_post(jobs, TODAY) == 22

    def test_overlapping_posts_count_once_and_future_posts_not_at_all(self):
        jobs = [EmploymentFact(ORG, "support", date(2026, 1, 1)),
                EmploymentFact(OTHER, "support", date(2026, 3, 1), date(2026, 6, 30)),
                EmploymentFact(OTHER, "support", date(2027, 1, 1))]
        assert months_in_post(jobs, TODAY) == 10

    def test_add_months_clamps_to_the_end_of_the_month(self):
        assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
        assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


class TestOtaChecklist:
    def capability_ids(self, step, codes):
        refs = {ref.code: ref.uuid for c in step.criteria for ref in c.capabilities}
        return frozenset(refs[code] for code in codes)

    def test_partly_met_lists_what_is_missing(self):
        step = ota_step()
        facts = Facts(
            organisation_id=ORG,
            signed_capability_ids=self.capability_ids(step, ["PP-SSW-01", "PP-SSW-02", "FL-SSW-01"]),
            employments=(EmploymentFact(ORG, "senior_support", date(2024, 10, 1)),),
            evidence_counts={"reflection": 1, "direct_observation": 4},
            confirmations={"sponsorship": ConfirmationFact("sponsorship", "Priya Shah", date(2026, 11, 1))},
        )
        readiness = evaluate_step(step, facts, TODAY)
        assert not readiness.is_ready_for_panel and not readiness.is_ready
        caps = readiness.result("ota_capabilities")
        assert (caps.is_met, caps.done, caps.needed) == (False, 3, 6)
        assert [ref.code for ref in caps.missing_capabilities] == ["PP-SSW-03", "PP-SSW-04", "IW-SSW-01"]
        assert readiness.result("months_in_post").is_met
        reflections = readiness.result("reflections")
        assert reflections.missing == ("2 more reflections",)
        assert readiness.result("sponsorship").summary == "Confirmed by Priya Shah on 1 November 2026"
        assert not readiness.result("mentor_named").is_met
        assert readiness.result("panel").summary == "No panel scheduled yet"
        # Hours worked is read from the FTE of the post (1.0 x 37.5 hours), not ticked by hand.
        assert readiness.result("hours_worked").summary == ("37.5 hours a week from the FTE of your post "
                                                            "(at least 30 needed)")
        assert readiness.met_count == 3 and readiness.total == 10 and readiness.percent == 30

    def test_all_met_then_panel_ready(self):
        step = ota_step()
        every_capability = frozenset(ref.uuid for c in step.criteria for ref in c.capabilities)
        confirmations = {c.code: ConfirmationFact(c.code, "Priya Shah", date(2026, 11, 1))
                         for c in step.criteria if c.kind.value == "confirmation"}
        base = dict(organisation_id=ORG, signed_capability_ids=every_capability,
                    employments=(EmploymentFact(ORG, "senior_support", date(2024, 10, 1)),),
                    evidence_counts={"reflection": 3}, confirmations=confirmations)
        waiting = evaluate_step(step, Facts(**base, panel=PanelFact(1, date(2026, 12, 1))), TODAY)
        assert waiting.is_ready_for_panel and not waiting.is_ready
        assert waiting.result("panel").summary == "Panel scheduled for 1 December 2026"
        not_yet = evaluate_step(step, Facts(**base, panel=PanelFact(1, date(2026, 11, 20), "not_yet",
                                                                    "Two more observed visits")), TODAY)
        assert not not_yet.is_ready
        assert not_yet.result("panel").missing == ("Actions from the panel: Two more observed visits",)
        ready = evaluate_step(step, Facts(**base, panel=PanelFact(1, date(2026, 11, 20), "ready")), TODAY)
        assert ready.is_ready and ready.percent == 100

    def test_any_kind_of_evidence_counts_for_a_portfolio(self):
        step = catalogue().get("council-support-worker-to-practitioner").step("support_worker_to_practitioner")
        facts = Facts(organisation_id=ORG, evidence_counts={"reflection": 2, "feedback": 3, "certificate": 1})
        assert evaluate_step(step, facts, TODAY).result("portfolio").is_met

    def test_the_council_year_in_post_counts_only_at_the_council(self):
        step = catalogue().get("council-support-worker-to-practitioner").step("support_worker_to_practitioner")
        facts = Facts(organisation_id=ORG, employments=(
            EmploymentFact(OTHER, "support", date(2023, 1, 1), date(2026, 5, 31)),
            EmploymentFact(ORG, "support", date(2026, 6, 1))))
        result = evaluate_step(step, facts, TODAY).result("months_in_post")
        assert not result.is_met
        assert result.missing == ("7 more months in post",)
