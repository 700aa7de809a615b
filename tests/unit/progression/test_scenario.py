"""The demo story: an OT assistant's checklist goes from partly met to ready, a panel, the apprenticeship, qualifying."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from competency.errors import Conflict, DomainError, PermissionDenied
from competency.extensions import db
from competency.progression import apprenticeships, queries, services
from competency.progression.models import ApprenticeshipStatus, PanelOutcome, RecordStatus
from competency.reminders.models import Notification
from tests.unit.frameworks_helpers import import_shipped
from tests.unit.progression.scenario import (
    add_evidence,
    checklist_capabilities,
    make_ready,
    ota_world,
    ready_for_apprenticeship,
    recognise,
)

TODAY = date(2026, 11, 23)


def readiness(world):
    return queries.progress_of(world.record, TODAY).readiness


def test_signing_off_the_missing_capabilities_and_confirming_items_turns_the_checklist_ready(db):
    from competency.evidence.models import EvidenceKind
    from competency.signoff.capabilities import find_capability
    from competency.signoff.models import Outcome
    from competency.signoff.services import decide, request_signoff

    import_shipped(publish=True)
    world = ota_world(TODAY)
    # Partly met: three capabilities recognised from a previous employer, a year in post,
    # one reflection, sponsorship confirmed.
    recognise(world.ota, world.council, ["PP-SSW-01", "PP-SSW-02", "FL-SSW-01"])
    add_evidence(world.ota, "reflection", 1, TODAY)
    services.confirm_item(world.record, "sponsorship", note="Agreed at budget panel", by=world.lead)
    before = readiness(world)
    assert not before.is_ready_for_panel
    assert [r.code for r in before.results if r.is_met] == ["sponsorship", "hours_worked", "months_in_post"]
    assert [c.code for c in before.result("ota_capabilities").missing_capabilities] == [
        "PP-SSW-03", "PP-SSW-04", "IW-SSW-01"]

    # The missing capabilities are requested with evidence and signed off by the lead.
    for code in ("PP-SSW-03", "PP-SSW-04", "IW-SSW-01"):
        uuid = checklist_capabilities()[code]
        (evidence,) = add_evidence(world.ota, EvidenceKind.direct_observation.value, 1, TODAY,
                                   capability_uuids=[uuid])
        request = request_signoff(world.ota, find_capability(uuid), [evidence], world.lead, today=TODAY)
        decide(request, world.lead, Outcome.sign, "Observed on a home visit", today=TODAY)
    add_evidence(world.ota, "reflection", 2, TODAY)
    for item in ("entry_qualifications", "mentor_named", "managers_statement", "funding_route"):
        services.confirm_item(world.record, item, by=world.lead)
    after = readiness(world)
    assert after.is_ready_for_panel and not after.is_ready
    assert after.met_count == 9 and after.total == 10

    # Without a "ready" panel the apprenticeship cannot start.
    with pytest.raises(DomainError, match="panel has found"):
        apprenticeships.start_apprenticeship(
            world.record, provider="University of the South Coast", standard="Occupational therapist (degree) ST0517",
            start_on=TODAY, planned_end_on=TODAY + timedelta(days=4 * 365), planned_otj_hours=1200,
            by=world.lead, today=TODAY)
    panel = services.schedule_panel(world.record, scheduled_on=TODAY, members=["Priya Lead (chair)", "HR adviser"],
                                    by=world.lead, today=TODAY)
    services.record_panel_outcome(panel, outcome=PanelOutcome.ready, notes="Strong portfolio", by=world.lead,
                                  today=TODAY)
    assert readiness(world).is_ready
    assert queries.progress_of(world.record, TODAY).can_start_next_step


class TestConfirmations:
    def test_only_a_lead_confirms_and_only_once(self, db):
        world = ota_world(TODAY)
        with pytest.raises(PermissionDenied):
            services.confirm_item(world.record, "sponsorship", by=world.ota)
        services.confirm_item(world.record, "sponsorship", by=world.lead)
        with pytest.raises(Conflict, match="already confirmed"):
            services.confirm_item(world.record, "sponsorship", by=world.lead)
        with pytest.raises(DomainError, match="not a checklist item"):
            services.confirm_item(world.record, "ota_capabilities", by=world.lead)

    def test_a_confirmation_is_audited(self, db):
        from competency.audit.models import AuditEvent

        world = ota_world(TODAY)
        services.confirm_item(world.record, "mentor_named", note="Tom Hughes", by=world.lead)
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "progression.item_confirmed"))
        assert event.actor_id == world.lead.id and event.data["item"] == "mentor_named"


class TestPanels:
    def test_not_yet_needs_actions_and_a_decided_panel_is_not_rewritten(self, db):
        world = ota_world(TODAY)
        panel = services.schedule_panel(world.record, scheduled_on=TODAY, members=["Chair"], by=world.lead,
                                        today=TODAY)
        with pytest.raises(Conflict, match="no outcome yet"):
            services.schedule_panel(world.record, scheduled_on=TODAY + timedelta(days=7), members=["Chair"],
                                    by=world.lead, today=TODAY)
        with pytest.raises(DomainError, match="actions"):
            services.record_panel_outcome(panel, outcome=PanelOutcome.not_yet, by=world.lead, today=TODAY)
        services.record_panel_outcome(panel, outcome=PanelOutcome.not_yet, actions="Two observed visits",
                                      by=world.lead, today=TODAY)
        with pytest.raises(Conflict, match="already recorded"):
            services.record_panel_outcome(panel, outcome=PanelOutcome.ready, by=world.lead, today=TODAY)
        result = readiness(world).result("panel")
        assert not result.is_met and result.missing == ("Actions from the panel: Two observed visits",)
        # A further panel can then be scheduled.
        services.schedule_panel(world.record, scheduled_on=TODAY + timedelta(days=30), members=["Chair"],
                                by=world.lead, today=TODAY)

    def test_an_outcome_waits_for_the_panel_date(self, db):
        world = ota_world(TODAY)
        panel = services.schedule_panel(world.record, scheduled_on=TODAY + timedelta(days=3), members=["Chair"],
                                        by=world.lead, today=TODAY)
        with pytest.raises(DomainError, match="after it meets"):
            services.record_panel_outcome(panel, outcome=PanelOutcome.ready, by=world.lead, today=TODAY)


class TestApprenticeship:
    def start(self, world):
        return apprenticeships.start_apprenticeship(
            world.record, provider="University of the South Coast", standard="Occupational therapist (degree) ST0517",
            start_on=TODAY - timedelta(days=1), planned_end_on=TODAY + timedelta(days=4 * 365),
            planned_otj_hours=1200, by=world.lead, today=TODAY)

    def test_a_ready_panel_enables_the_apprenticeship_with_scheduled_reviews(self, db):
        world = ota_world(TODAY)
        ready_for_apprenticeship(world, TODAY)
        apprenticeship = self.start(world)
        assert world.record.stage_code == "degree_apprentice"
        assert world.record.target_stage_code == "registered_ot"
        assert len(apprenticeship.reviews) >= 4
        due = [r.due_on for r in apprenticeship.reviews]
        assert due == sorted(due) and due[-1] == apprenticeship.planned_end_on
        open_reviews = db.session.execute(queries.open_progress_reviews(TODAY + timedelta(days=90))).all()
        assert [review.sequence for review, _ in open_reviews] == [1]
        with pytest.raises(Conflict):
            self.start(world)

    def test_the_log_rejects_future_dates_and_foreign_evidence(self, db):
        world = ota_world(TODAY)
        ready_for_apprenticeship(world, TODAY)
        apprenticeship = self.start(world)
        with pytest.raises(DomainError, match="future"):
            apprenticeships.log_otj(apprenticeship, occurred_on=TODAY + timedelta(days=1), hours=2, activity="Lecture",
                                    by=world.ota, today=TODAY)
        with pytest.raises(DomainError, match="quarter"):
            apprenticeships.log_otj(apprenticeship, occurred_on=TODAY, hours="1.1", activity="Lecture",
                                    by=world.ota, today=TODAY)
        (foreign,) = add_evidence(world.lead, "reflection", 1, TODAY)
        with pytest.raises(DomainError, match="own evidence"):
            apprenticeships.log_otj(apprenticeship, occurred_on=TODAY, hours=2, activity="Lecture",
                                    evidence_id=foreign.id, by=world.ota, today=TODAY)
        (own,) = add_evidence(world.ota, "reflection", 1, TODAY)
        entry = apprenticeships.log_otj(apprenticeship, occurred_on=TODAY, hours="2.5", activity="Lecture",
                                        evidence_id=own.id, by=world.ota, today=TODAY)
        assert entry.hours == 2.5

    def test_qualifying_ends_the_post_starts_a_registered_one_and_proposes_preceptorship(self, db):
        world = ota_world(TODAY)
        ready_for_apprenticeship(world, TODAY)
        apprenticeship = self.start(world)
        later = TODAY + timedelta(days=4 * 365)
        employment = apprenticeships.record_qualification(
            apprenticeship, qualified_on=later, registration_body="HCPC", registration_number="OT123456",
            role_title="Occupational Therapist", band_label="Grade 7", by=world.lead, today=later)
        db.session.refresh(world.ota)
        jobs = sorted(world.ota.employments, key=lambda e: e.start_on)
        assert [(j.level_code, j.end_on) for j in jobs] == [("senior_support", later - timedelta(days=1)),
                                                           ("registered", None)]
        assert employment.role_title == "Occupational Therapist"
        assert world.ota.is_registered and world.ota.registration_number == "OT123456"
        assert apprenticeship.status is ApprenticeshipStatus.qualified
        assert world.record.status is RecordStatus.completed and world.record.stage_code == "registered_ot"
        proposals = db.session.scalars(sa.select(Notification).where(
            Notification.kind == "preceptorship.proposed")).all()
        assert [n.user_id for n in proposals] == [world.lead.id]
        assert f"organisation_id={world.council.id}" in proposals[0].link  # the preceptorship enrolment page


def test_the_council_step_advances_the_grade_after_a_portfolio_to_panel(db):
    from tests.factories import EmploymentFactory, make_person

    world = ota_world(TODAY)
    worker = make_person("practitioner", world.council, employed=False)
    EmploymentFactory(user=worker, organisation=world.council, role_title="Reablement Support Worker",
                      level_code="support", band_label="Grade 4", start_on=TODAY - timedelta(days=400))
    db.session.refresh(worker)
    record = services.enrol(worker, world.council, pathway_slug="council-support-worker-to-practitioner",
                            stage_code="support_worker", target_stage_code=None, by=world.lead, today=TODAY)
    assert record.target_stage_code == "social_care_practitioner"
    with pytest.raises(DomainError, match="Every criterion"):
        services.advance_stage(record, by=world.lead, today=TODAY)
    recognise(worker, world.council, ["PP-SUP-01", "PP-SUP-02", "PP-SUP-03", "PP-SUP-04", "FL-SUP-01", "LD-SUP-01",
                                      "IW-SUP-01"])
    add_evidence(worker, "feedback", 3, TODAY)
    add_evidence(worker, "reflection", 3, TODAY)
    services.confirm_item(record, "managers_statement", by=world.lead)
    panel = services.schedule_panel(record, scheduled_on=TODAY, members=["Team manager"], by=world.lead, today=TODAY)
    services.record_panel_outcome(panel, outcome=PanelOutcome.ready, by=world.lead, today=TODAY)
    with pytest.raises(PermissionDenied):
        services.advance_stage(record, by=worker, today=TODAY)
    services.advance_stage(record, by=world.lead, today=TODAY)
    assert record.stage_code == "social_care_practitioner"
    assert record.status is RecordStatus.completed and record.target_stage_code is None
