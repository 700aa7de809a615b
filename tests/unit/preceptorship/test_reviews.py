"""Milestone reviews, signatures in any order, completion, moderation, supervision and check-ins."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from competency.errors import Conflict, PermissionDenied
from competency.extensions import db
from competency.preceptorship import logs, queries, reviews, services
from competency.preceptorship.errors import EnrolmentRuleError
from competency.preceptorship.models import EnrolmentStatus, Outcome, ProgrammeCompletion
from competency.preceptorship.progress import needs_from, progress_of
from competency.preceptorship.scheduling import MilestoneState
from tests.unit.preceptorship.conftest import AT, START

PILLARS = ["professional_practice", "facilitation_of_learning", "leadership", "evidence_research_development",
           "integrated_working"]


def sign_as_everyone(milestone, team, order=("preceptee", "preceptor", "lead"), on=START):
    people = {"preceptee": team.practitioner, "preceptor": team.preceptor, "lead": team.lead}
    for party in order:
        if party in milestone.definition.signed_by:
            reviews.sign_milestone(milestone, by=people[party], at=AT, on=on)


def write(milestone, team, **fields):
    """Each party writes their own section (the preceptor's with a default reflection)."""
    from competency.preceptorship.review_sections import FIELD_OWNER

    fields.setdefault("reflection", "Settling in; home visits are going well.")
    fields.setdefault("preceptor_feedback", "A good start; we agreed more joint visits.")
    people = {"preceptee": team.practitioner, "preceptor": team.preceptor, "lead": team.lead}
    for party, person in people.items():
        mine = {name: value for name, value in fields.items() if FIELD_OWNER[name] == party}
        if mine:
            reviews.save_review(milestone, by=person, at=AT, **mine)
    return milestone


class TestSigning:
    @pytest.mark.parametrize("order", [("preceptee", "preceptor", "lead"), ("lead", "preceptor", "preceptee"),
                                       ("preceptor", "lead", "preceptee")])
    def test_any_order_completes_once_everyone_named_has_signed(self, enrol, team, order):
        milestone = enrol().milestone("learning_agreement")
        write(milestone, team, goals="Manage a caseload of 12")
        people = {"preceptee": team.practitioner, "preceptor": team.preceptor, "lead": team.lead}
        for index, party in enumerate(order):
            assert not milestone.is_done
            reviews.sign_milestone(milestone, by=people[party], at=AT, on=date(2027, 1, 15))
            assert reviews.outstanding_parties(milestone) == [p for p in milestone.definition.signed_by
                                                             if p not in order[:index + 1]]
        assert milestone.completed_on == date(2027, 1, 15)

    def test_only_named_parties_sign(self, enrol, team):
        from tests.factories import make_person

        milestone = enrol().milestone("review_3m")
        write(milestone, team)
        with pytest.raises(PermissionDenied):
            reviews.sign_milestone(milestone, by=team.lead, at=AT, on=START)  # review_3m: preceptee + preceptor
        with pytest.raises(PermissionDenied):
            reviews.sign_milestone(milestone, by=make_person("preceptor", team.org), at=AT, on=START)

    def test_an_empty_review_cannot_be_signed(self, enrol, team):
        with pytest.raises(EnrolmentRuleError, match="Write your reflection or goals"):
            reviews.sign_milestone(enrol().milestone("review_3m"), by=team.practitioner, at=AT, on=START)

    def test_editing_a_section_someone_read_asks_first_and_then_needs_them_to_sign_again(self, enrol, team):
        from competency.preceptorship.errors import ResignConfirmationNeeded

        milestone = enrol().milestone("review_3m")
        write(milestone, team)
        reviews.sign_milestone(milestone, by=team.practitioner, at=AT, on=START)
        with pytest.raises(ResignConfirmationNeeded) as need:
            reviews.save_review(milestone, by=team.preceptor, at=AT, development_plan="Lead a case conference")
        assert need.value.signatures == [
            ("preceptee", "Sam Preceptee", "they signed having read the preceptor's section as it was")]
        assert milestone.development_plan == "" and reviews.outstanding_parties(milestone) == ["preceptor"]
        reviews.save_review(milestone, by=team.preceptor, at=AT, development_plan="Lead a case conference",
                            confirmed={"preceptee"})
        assert reviews.outstanding_parties(milestone) == ["preceptee", "preceptor"]
        reviews.sign_milestone(milestone, by=team.preceptor, at=AT, on=START)
        assert not milestone.is_done
        reviews.sign_milestone(milestone, by=team.practitioner, at=AT, on=START)
        assert milestone.is_done and len(milestone.signatures) == 3

    def test_a_concern_makes_the_nine_month_review_required(self, enrol, team):
        enrolment = enrol()
        nine = enrolment.milestone("review_9m")
        assert not nine.is_required
        with pytest.raises(EnrolmentRuleError, match="Describe the concern"):
            reviews.save_review(enrolment.milestone("review_3m"), by=team.preceptor, at=AT, has_concern=True)
        reviews.save_review(enrolment.milestone("review_3m"), by=team.preceptor, at=AT, has_concern=True,
                            concerns="Record keeping is behind; agreed weekly catch-up")
        assert nine.is_required
        view = progress_of(enrolment, nine.due_on + timedelta(days=1)).view("review_9m")
        assert view.state == MilestoneState.overdue


class TestEvidenceCounts:
    def test_enforced_counts_block_signing_until_the_evidence_is_logged(self, enrol, team):
        from competency.evidence.models import Evidence, EvidenceKind, FeedbackSource

        enrolment = enrol("social-work-asye")
        milestone = enrolment.milestone("review_6m")
        write(milestone, team)
        with pytest.raises(EnrolmentRuleError, match="2 more direct observations"):
            reviews.sign_milestone(milestone, by=team.practitioner, at=AT, on=START)
        day = START + timedelta(days=30)
        rows = [(EvidenceKind.direct_observation, None), (EvidenceKind.direct_observation, None),
                (EvidenceKind.reflection, None), (EvidenceKind.case_study, None),
                (EvidenceKind.feedback, FeedbackSource.person_served), (EvidenceKind.feedback, FeedbackSource.colleague)]
        for kind, source in rows:
            db.session.add(Evidence(owner_id=team.practitioner.id, kind=kind, title=kind.value, occurred_on=day,
                                    feedback_source=source))
        # Evidence from before the programme does not count.
        db.session.add(Evidence(owner_id=team.practitioner.id, kind=EvidenceKind.case_study, title="old",
                                occurred_on=START - timedelta(days=1)))
        db.session.flush()
        counts = queries.evidence_counts(team.practitioner.id, enrolment.start_on)
        assert counts["feedback_people"] == 1 and counts["feedback_professionals"] == 1 and counts["case_study"] == 1
        reviews.sign_milestone(milestone, by=team.practitioner, at=AT, on=START)
        assert milestone.signatures

    def test_counts_are_shown_but_not_enforced_where_the_template_says_so(self, enrol, team):
        enrolment = enrol("ahp-preceptorship")
        milestone = enrolment.milestone("review_6m")
        view = progress_of(enrolment, START, queries.evidence_counts(team.practitioner.id, START)).view("review_6m")
        assert [(line.kind, line.required, line.have) for line in view.evidence] == [("feedback", 1, 0)]
        write(milestone, team)
        reviews.sign_milestone(milestone, by=team.practitioner, at=AT, on=START)


class TestCompletion:
    def test_the_final_review_completes_the_programme_and_records_a_completion(self, enrol, team):
        enrolment = enrol()
        final = enrolment.milestone("final_review")
        write(final, team)
        sign_as_everyone(final, team, on=date(2028, 1, 6))
        assert enrolment.status == EnrolmentStatus.completed and enrolment.outcome == Outcome.completed
        completion = db.session.scalar(sa.select(ProgrammeCompletion).where(
            ProgrammeCompletion.practitioner_id == team.practitioner.id))
        assert (completion.template_slug, completion.template_version, completion.organisation_id,
                completion.completed_on) == ("ahp-preceptorship", "1.0.0", team.org.id, date(2028, 1, 6))
        assert queries.completions_for(team.practitioner.id) == [completion]
        # The follow-up stays open and can still be written and signed.
        follow_up = enrolment.milestone("follow_up")
        due = {row.code for row in db.session.execute(queries.milestone_due_dates())}
        assert due == {"follow_up"}
        write(follow_up, team, reflection="Six months on")
        sign_as_everyone(follow_up, team, on=date(2028, 7, 1))
        assert follow_up.is_done
        with pytest.raises(Conflict):
            logs.record_supervision(enrolment, held_on=date(2028, 2, 1), minutes=60, by=team.preceptor,
                                    on=date(2028, 2, 1))

    def test_a_moderated_pass_fail_programme_waits_for_the_panel(self, enrol, team):
        from competency.evidence.models import Evidence, EvidenceKind

        enrolment = enrol("social-work-asye")
        # Enough evidence for the final review.
        kinds = ([EvidenceKind.direct_observation] * 3 + [EvidenceKind.case_study] * 3 + [EvidenceKind.reflection] * 2)
        for kind in kinds:
            db.session.add(Evidence(owner_id=team.practitioner.id, kind=kind, title="x", occurred_on=START))
        from competency.evidence.models import FeedbackSource
        for source in [FeedbackSource.person_served] * 3 + [FeedbackSource.colleague] * 3:
            db.session.add(Evidence(owner_id=team.practitioner.id, kind=EvidenceKind.feedback, title="x",
                                    occurred_on=START, feedback_source=source))
        db.session.flush()
        final = enrolment.milestone("final_review")
        write(final, team)
        sign_as_everyone(final, team, on=date(2028, 1, 4))
        assert final.is_done and enrolment.status == EnrolmentStatus.active
        assert "Record the moderation panel's decision" in needs_from(progress_of(enrolment, date(2028, 1, 5)),
                                                                       team.lead.id)
        with pytest.raises(EnrolmentRuleError):
            services.record_moderation(enrolment, decision="confirm", by=team.lead, on=date(2028, 2, 1))
        completion = services.record_moderation(enrolment, decision="pass", by=team.lead, on=date(2028, 2, 1))
        assert completion.outcome == Outcome.passed and enrolment.status == EnrolmentStatus.completed

    def test_a_failed_asye_is_closed_without_a_completion_record(self, enrol, team):
        enrolment = enrol("nursing-preceptorship-core")
        assert not services.awaits_moderation(enrolment)
        with pytest.raises(Conflict):
            services.record_moderation(enrolment, decision="confirm", by=team.lead, on=START)


class TestSupervisionAndCheckins:
    def test_either_party_records_and_the_other_confirms(self, enrol, team):
        enrolment = enrol()
        session = logs.record_supervision(enrolment, held_on=date(2027, 1, 8), minutes=60, topics="Caseload",
                                          by=team.practitioner, on=date(2027, 1, 8))
        with pytest.raises(PermissionDenied):
            logs.confirm_supervision(session, by=team.practitioner, at=AT)
        with pytest.raises(PermissionDenied):
            logs.confirm_supervision(session, by=team.lead, at=AT)
        logs.confirm_supervision(session, by=team.preceptor, at=AT)
        assert session.is_confirmed
        assert enrolment.next_supervision_due_on == date(2027, 1, 15)

    def test_supervision_cannot_be_in_the_future(self, enrol, team):
        with pytest.raises(EnrolmentRuleError, match="future"):
            logs.record_supervision(enrol(), held_on=date(2027, 1, 9), minutes=60, by=team.preceptor,
                                    on=date(2027, 1, 8))

    def test_sessions_shorter_than_the_template_minimum_do_not_meet_the_cadence(self, enrol, team):
        enrolment = enrol("social-work-asye")  # 90 minutes
        logs.record_supervision(enrolment, held_on=date(2027, 1, 8), minutes=45, by=team.preceptor,
                                on=date(2027, 1, 8))
        progress = progress_of(enrolment, date(2027, 1, 13))
        assert progress.short_sessions == 1 and progress.supervision.is_overdue

    def test_a_check_in_rates_every_pillar_and_wellbeing(self, enrol, team):
        enrolment = enrol()
        ratings = dict.fromkeys(PILLARS, 3)
        checkin = logs.record_checkin(enrolment, checked_on=START, wellbeing=4, ratings=ratings,
                                      by=team.practitioner, on=START)
        assert checkin.ratings == ratings
        with pytest.raises(EnrolmentRuleError, match="missing"):
            logs.record_checkin(enrolment, checked_on=START, wellbeing=4, ratings={"leadership": 3},
                                by=team.practitioner, on=START)
        with pytest.raises(EnrolmentRuleError, match="1 \\(not at all"):
            logs.record_checkin(enrolment, checked_on=START, wellbeing=6, ratings=ratings, by=team.practitioner,
                                on=START)
        with pytest.raises(PermissionDenied):
            logs.record_checkin(enrolment, checked_on=START, wellbeing=4, ratings=ratings, by=team.preceptor,
                                on=START)


def test_people_are_told_when_they_are_needed(enrol, team):
    import sqlalchemy as sa

    from competency.reminders.models import Notification

    enrolment = enrol()
    milestone = enrolment.milestone("learning_agreement")
    write(milestone, team, goals="Own caseload")
    reviews.sign_milestone(milestone, by=team.practitioner, at=AT, on=START)
    logs.record_supervision(enrolment, held_on=START, minutes=60, by=team.practitioner, on=START)
    titles = {(n.user_id, n.title) for n in db.session.scalars(sa.select(Notification))}
    assert (team.practitioner.id, "You are enrolled on AHP multiprofessional preceptorship (ASYE-aligned)") in titles
    assert (team.preceptor.id, "Sign the learning agreement for Sam Preceptee") in titles
    assert (team.lead.id, "Sign the learning agreement for Sam Preceptee") in titles
    assert (team.preceptor.id, "Confirm the supervision session on 4 January 2027") in titles
