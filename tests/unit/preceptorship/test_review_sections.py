"""Reviews with a section per party: each signature covers its own section and what it read (issue 15.3).

The defect: the review was one shared text, so when the preceptee added a sentence the
preceptor's signature was silently voided while the page said "Review signed."
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from competency.audit.models import AuditEvent
from competency.errors import PermissionDenied
from competency.extensions import db
from competency.preceptorship import reviews
from competency.preceptorship.errors import EnrolmentRuleError, ResignConfirmationNeeded
from competency.reminders.models import Notification
from tests.unit.preceptorship.conftest import AT, START

REFLECTION = "Three months in, I hold my own caseload."


@pytest.fixture
def review(enrol, team):
    """The 3-month review with the preceptee's and the preceptor's sections written."""
    milestone = enrol().milestone("review_3m")
    reviews.save_review(milestone, by=team.practitioner, at=AT, reflection=REFLECTION)
    reviews.save_review(milestone, by=team.preceptor, at=AT, preceptor_feedback="Sam has grown in confidence.",
                        development_plan="Lead a joint visit")
    return milestone


def test_a_preceptee_sentence_added_after_the_preceptor_signed_is_not_saved_silently(review, team):
    reviews.sign_milestone(review, by=team.preceptor, at=AT, on=START)
    assert reviews.outstanding_parties(review) == ["preceptee"]
    with pytest.raises(ResignConfirmationNeeded) as need:
        reviews.save_review(review, by=team.practitioner, at=AT, reflection=REFLECTION + " Home visits are easier.")
    assert need.value.signatures == [
        ("preceptor", "Tom Preceptor", "they signed having read the preceptee's section as it was")]
    assert "Tom Preceptor (preceptor) will need to sign again" in need.value.message
    # Nothing was saved, and Tom's signature still stands.
    assert review.reflection == REFLECTION
    assert reviews.outstanding_parties(review) == ["preceptee"]


def test_once_confirmed_the_change_is_saved_and_the_message_says_exactly_what_happened(review, team):
    reviews.sign_milestone(review, by=team.preceptor, at=AT, on=START)
    saved = reviews.save_review(review, by=team.practitioner, at=AT, confirmed={"preceptor"},
                                reflection=REFLECTION + " Home visits are easier.")
    signed = reviews.sign_milestone(review, by=team.practitioner, at=AT, on=START)
    assert saved.changed == ["preceptee"] and [s.party for s in saved.voided] == ["preceptor"]
    assert reviews.outstanding_parties(review) == ["preceptor"] and not review.is_done
    message = reviews.describe_outcome(review, by=team.practitioner, saved=saved, signed=signed)
    assert message == ("Saved the preceptee's section. Tom Preceptor (preceptor) needs to sign again and has been "
                       "told. You signed the 3-month review as preceptee. Still to sign: Tom Preceptor (preceptor).")
    told = db.session.scalars(sa.select(Notification.title).where(Notification.user_id == team.preceptor.id)).all()
    assert "Sign the 3-month review for Sam Preceptee again" in told
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "programme.review_changed")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.data["sections"] == ["preceptee"] and event.data["signatures_voided"] == ["preceptor"]


def test_writing_a_section_after_someone_signed_does_not_void_them(enrol, team):
    """The normal order: the preceptee signs, then the preceptor writes their part and signs."""
    milestone = enrol().milestone("review_3m")
    reviews.save_review(milestone, by=team.practitioner, at=AT, reflection=REFLECTION)
    reviews.sign_milestone(milestone, by=team.practitioner, at=AT, on=START)
    assert reviews.preview_change(milestone, by=team.preceptor, preceptor_feedback="Well done") == []
    reviews.save_review(milestone, by=team.preceptor, at=AT, preceptor_feedback="Well done")
    reviews.sign_milestone(milestone, by=team.preceptor, at=AT, on=START)
    assert milestone.is_done


def test_changing_your_own_signed_section_needs_your_own_signature_again(review, team):
    reviews.sign_milestone(review, by=team.practitioner, at=AT, on=START)
    assert reviews.preview_change(review, by=team.practitioner, goals="Lead a case conference") == [
        ("preceptee", "Sam Preceptee", "their signature covers the preceptee's section as it was")]


def test_each_party_writes_only_their_own_section(review, team):
    with pytest.raises(PermissionDenied, match="preceptor's section; only Tom Preceptor writes it"):
        reviews.save_review(review, by=team.practitioner, at=AT, development_plan="Mine now")
    with pytest.raises(PermissionDenied, match="preceptee's section; only Sam Preceptee writes it"):
        reviews.save_review(review, by=team.preceptor, at=AT, reflection="Rewritten by the preceptor")
    assert review.reflection == REFLECTION


def test_the_preceptor_signs_their_own_written_section_and_the_lead_signs_after_the_preceptor_wrote(enrol, team):
    milestone = enrol().milestone("learning_agreement")
    with pytest.raises(EnrolmentRuleError, match="Sam Preceptee has not written their reflection"):
        reviews.sign_milestone(milestone, by=team.preceptor, at=AT, on=START)
    reviews.save_review(milestone, by=team.practitioner, at=AT, goals="Own caseload")
    with pytest.raises(EnrolmentRuleError, match="Write your section"):
        reviews.sign_milestone(milestone, by=team.preceptor, at=AT, on=START)
    with pytest.raises(EnrolmentRuleError, match="Tom Preceptor has not written the preceptor's section"):
        reviews.sign_milestone(milestone, by=team.lead, at=AT, on=START)
    reviews.save_review(milestone, by=team.preceptor, at=AT, preceptor_feedback="Agreed weekly supervision")
    reviews.sign_milestone(milestone, by=team.lead, at=AT, on=START)
    assert reviews.outstanding_parties(milestone) == ["preceptee", "preceptor"]


def test_a_signature_records_its_own_section_and_a_digest_of_what_it_read(review, team):
    from competency.preceptorship.review_sections import digest, section_state

    [signature] = reviews.sign_milestone(review, by=team.preceptor, at=AT, on=START)
    state = section_state(review)
    assert signature.read_sections == {"preceptee": state["preceptee"]}
    assert signature.read_digest == digest({"preceptee": state["preceptee"]})
    assert signature.section_hash and signature.section_hash != state["preceptee"]


def test_a_concern_is_in_the_preceptors_section(review, team):
    with pytest.raises(PermissionDenied):
        reviews.save_review(review, by=team.practitioner, at=AT, has_concern=True, concerns="Late notes")
    reviews.save_review(review, by=team.preceptor, at=AT, has_concern=True, concerns="Late notes")
    assert review.enrolment.milestone("review_9m").is_required
