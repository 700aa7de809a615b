"""Enrolling, pausing, changing FTE and withdrawing: the rules a lead meets."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from competency.audit.models import AuditEvent
from competency.errors import Conflict, PermissionDenied
from competency.extensions import db
from competency.preceptorship import catalogue, queries, services
from competency.preceptorship.errors import EnrolmentRuleError, TemplateImmutable
from competency.preceptorship.models import EnrolmentStatus, PauseReason
from tests.factories import make_person
from tests.unit.preceptorship.conftest import START


def dates(enrolment) -> dict[str, date]:
    return {m.code: m.due_on for m in enrolment.milestones}


def audit_actions(enrolment) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.subject_type == "enrolment", AuditEvent.subject_id == str(enrolment.id)).order_by(AuditEvent.id)))


class TestEnrolling:
    def test_enrolment_stores_the_issue_dates_for_sql(self, enrol):
        enrolment = enrol()
        assert dates(enrolment)["learning_agreement"] == date(2027, 1, 18)
        assert dates(enrolment)["final_review"] == date(2028, 1, 4)
        due = queries.milestone_due_dates().subquery()
        stored = dict(db.session.execute(sa.select(due.c.code, due.c.due_on)).all())
        assert stored["review_3m"] == date(2027, 4, 5)
        assert "review_9m" not in stored  # optional until a concern is raised
        assert enrolment.next_supervision_due_on == date(2027, 1, 11)

    def test_preceptor_need_not_share_the_profession(self, enrol, team):
        assert team.preceptor.profession != team.practitioner.profession
        assert enrol().preceptor == team.preceptor

    def test_a_preceptor_registered_under_twelve_months_needs_an_audited_override(self, enrol, team):
        junior = make_person("preceptor", team.org, registered_on=date(2026, 6, 1))
        with pytest.raises(EnrolmentRuleError, match="12 months"):
            enrol(preceptor=junior)
        enrolment = enrol(preceptor=junior, override_reason="Only OT in the team; senior OT co-supervises")
        assert enrolment.preceptor_override_reason.startswith("Only OT")
        assert "programme.preceptor_override" in audit_actions(enrolment)

    def test_twelve_months_to_the_day_is_enough(self, enrol, team):
        exactly = make_person("preceptor", team.org, registered_on=date(2026, 1, 4))
        assert enrol(preceptor=exactly).preceptor_override_reason is None

    def test_unregistered_preceptors_are_refused(self, enrol, team):
        unregistered = make_person("preceptor", team.org, registered=False)
        with pytest.raises(EnrolmentRuleError, match="registration"):
            enrol(preceptor=unregistered, override_reason="anyway")

    def test_a_late_start_is_a_recorded_warning_not_a_refusal(self, team):
        result = services.enrol(practitioner=team.practitioner, template=team.templates["ahp-preceptorship"],
                                organisation=team.org, preceptor=team.preceptor, lead=team.lead,
                                start_on=date(2027, 2, 15), by=team.lead, on=date(2027, 2, 15))
        assert result.warnings and "63 days" in result.warnings[0]
        assert result.enrolment.start_warning == result.warnings[0]
        on_time = services.enrol(practitioner=make_person("practitioner", team.org),
                                 template=team.templates["ahp-preceptorship"], organisation=team.org,
                                 preceptor=team.preceptor, lead=team.lead, start_on=date(2025, 3, 1),
                                 by=team.lead, on=date(2025, 3, 1))
        assert on_time.warnings == [] and on_time.enrolment.start_warning is None

    def test_only_a_lead_enrols(self, enrol, team):
        with pytest.raises(PermissionDenied):
            enrol(by=team.preceptor)

    def test_one_open_enrolment_per_template(self, enrol):
        enrol()
        with pytest.raises(Conflict):
            enrol()

    def test_fte_defaults_to_the_employment(self, enrol, team):
        team.practitioner.employments[0].fte = 0.5
        assert enrol(fte=None).fte == 0.5


class TestPausesAndFte:
    def test_recording_a_pause_moves_later_dates_and_editing_it_recomputes(self, enrol, team):
        enrolment = enrol()
        pause = services.record_pause(enrolment, start_on=date(2027, 2, 1), end_on=date(2027, 3, 2),
                                      reason=PauseReason.sickness, by=team.lead, on=date(2027, 2, 1))
        assert dates(enrolment)["learning_agreement"] == date(2027, 1, 18)
        assert dates(enrolment)["review_3m"] == date(2027, 5, 5)
        assert enrolment.status_on(date(2027, 2, 10)) == EnrolmentStatus.paused
        assert enrolment.status_on(date(2027, 3, 3)) == EnrolmentStatus.active
        services.update_pause(pause, start_on=date(2027, 2, 1), end_on=date(2027, 2, 10),
                              reason=PauseReason.sickness, by=team.lead, on=date(2027, 2, 5))
        assert dates(enrolment)["review_3m"] == date(2027, 4, 15)

    def test_overlapping_pauses_are_refused(self, enrol, team):
        enrolment = enrol()
        services.record_pause(enrolment, start_on=date(2027, 2, 1), end_on=date(2027, 3, 2),
                              reason=PauseReason.sickness, by=team.lead, on=START)
        with pytest.raises(EnrolmentRuleError, match="overlaps"):
            services.record_pause(enrolment, start_on=date(2027, 3, 1), end_on=date(2027, 3, 9),
                                  reason=PauseReason.other, by=team.lead, on=START)

    def test_the_practitioner_cannot_pause_their_own_programme(self, enrol, team):
        with pytest.raises(PermissionDenied):
            services.record_pause(enrol(), start_on=date(2027, 2, 1), end_on=date(2027, 2, 2),
                                  reason=PauseReason.other, by=team.practitioner, on=START)

    def test_changing_fte_recomputes_every_date(self, enrol, team):
        enrolment = enrol()
        services.change_fte(enrolment, 0.5, by=team.lead, on=START)
        # The learning agreement belongs to the start, so it is not stretched.
        assert dates(enrolment)["learning_agreement"] == date(2027, 1, 18)
        assert dates(enrolment)["review_3m"] == date(2027, 7, 5)
        assert dates(enrolment)["final_review"] == date(2029, 1, 3)


class TestWithdrawing:
    def test_withdrawing_keeps_every_record(self, enrol, team):
        from competency.preceptorship import logs, reviews
        from tests.unit.preceptorship.conftest import AT

        enrolment = enrol()
        logs.record_supervision(enrolment, held_on=date(2027, 1, 8), minutes=60, by=team.preceptor,
                                on=date(2027, 1, 8))
        milestone = enrolment.milestone("learning_agreement")
        reviews.save_review(milestone, by=team.practitioner, at=AT, goals="Build confidence with home visits")
        reviews.sign_milestone(milestone, by=team.practitioner, at=AT, on=START)
        services.record_pause(enrolment, start_on=date(2027, 2, 1), end_on=date(2027, 2, 5),
                              reason=PauseReason.sickness, by=team.lead, on=START)
        services.withdraw(enrolment, reason="Left the council", by=team.lead, on=date(2027, 3, 1))
        db.session.expire_all()
        assert enrolment.status == EnrolmentStatus.withdrawn
        assert enrolment.withdrawn_on == date(2027, 3, 1)
        assert len(enrolment.supervisions) == 1 and len(enrolment.pauses) == 1
        assert enrolment.milestone("learning_agreement").goals == "Build confidence with home visits"
        assert len(enrolment.milestone("learning_agreement").signatures) == 1
        assert "programme.withdrawn" in audit_actions(enrolment)
        assert db.session.execute(queries.milestone_due_dates().where(
            queries.milestone_due_dates().selected_columns.enrolment_id == enrolment.id)).all() == []
        with pytest.raises(Conflict):
            services.change_fte(enrolment, 0.8, by=team.lead, on=date(2027, 3, 2))
        from competency.preceptorship.progress import progress_of
        from competency.preceptorship.scheduling import MilestoneState

        states = {view.code: view.state for view in progress_of(enrolment, date(2027, 3, 2)).milestones}
        assert states["learning_agreement"] == MilestoneState.closed and states["review_3m"] == MilestoneState.closed


class TestTemplates:
    def test_importing_the_shipped_templates_twice_changes_nothing(self, templates):
        again = {v.template.slug: v for v in catalogue.ensure_shipped_templates()}
        assert {slug: v.id for slug, v in again.items()} == {slug: v.id for slug, v in templates.items()}
        assert set(templates) == {"ahp-preceptorship", "social-work-asye", "nursing-preceptorship-core",
                                  "ot-social-care-asye"}

    def test_a_published_version_cannot_change(self, templates):
        version = templates["ahp-preceptorship"]
        version.milestones[1].due_day = 100
        with pytest.raises(TemplateImmutable):
            db.session.flush()
        db.session.rollback()

    def test_reimporting_different_content_under_the_same_version_is_refused(self, templates):
        import dataclasses

        spec = next(s for s in catalogue.shipped_specs() if s.slug == "nursing-preceptorship-core")
        with pytest.raises(TemplateImmutable, match="new version number"):
            catalogue.import_template(dataclasses.replace(spec, duration_days=183), by=None)

    def test_a_new_version_number_is_a_new_version_and_becomes_the_default(self, templates):
        import dataclasses

        spec = next(s for s in catalogue.shipped_specs() if s.slug == "nursing-preceptorship-core")
        version, changed = catalogue.import_template(dataclasses.replace(spec, version="1.1.0"), by=None)
        assert changed and catalogue.find_published("nursing-preceptorship-core") == version
        assert catalogue.find_published("nursing-preceptorship-core@1.0.0") == templates["nursing-preceptorship-core"]
