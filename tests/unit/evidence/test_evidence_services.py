"""Recording evidence: sanitised text, required fields, capability links."""
from __future__ import annotations

from datetime import date

import pytest

from competency.errors import DomainError, PermissionDenied
from competency.evidence import services
from competency.evidence.models import EvidenceKind, FeedbackSource
from competency.signoff import services as signoff_services
from tests.evidence_support import log_evidence, signoff_world

TODAY = date(2026, 11, 20)


@pytest.fixture
def world(db):
    return signoff_world()


def test_text_is_sanitised(world):
    evidence = log_evidence(world.practitioner, text='<p onclick="x()">Visit <script>alert(1)</script>'
                                                     '<a href="javascript:alert(1)">link</a> <strong>went well</strong></p>')
    assert evidence.text == "<p>Visit link <strong>went well</strong></p>"


def test_a_structured_reflection_keeps_its_three_parts(world):
    evidence = services.create_evidence(
        world.practitioner, kind=EvidenceKind.reflection, title="First solo visit", occurred_on=TODAY,
        what_happened="I assessed a kitchen.", so_what="I missed the step.", now_what="<b>Check</b> thresholds.")
    assert (evidence.what_happened, evidence.so_what, evidence.now_what) == (
        "I assessed a kitchen.", "I missed the step.", "<b>Check</b> thresholds.")


def test_feedback_records_who_gave_it(world):
    with pytest.raises(DomainError) as excinfo:
        log_evidence(world.practitioner, kind=EvidenceKind.feedback)
    assert excinfo.value.rule == "feedback_source_required"
    evidence = log_evidence(world.practitioner, kind=EvidenceKind.feedback,
                            feedback_source=FeedbackSource.person_served)
    assert evidence.feedback_source_label == "A person who draws on care and support"
    with pytest.raises(DomainError):
        log_evidence(world.practitioner, kind=EvidenceKind.certificate, feedback_source=FeedbackSource.colleague)


@pytest.mark.parametrize(("kwargs", "rule"), [
    ({"title": "  "}, "title_required"),
    ({"occurred_on": date(2099, 1, 1)}, "date_in_future"),
    ({"text": ""}, "text_required"),
])
def test_required_fields(world, kwargs, rule):
    with pytest.raises(DomainError) as excinfo:
        log_evidence(world.practitioner, **kwargs)
    assert excinfo.value.rule == rule


def test_links_must_name_published_capabilities(world):
    with pytest.raises(DomainError) as excinfo:
        services.create_evidence(world.practitioner, kind=EvidenceKind.other, title="x", occurred_on=TODAY, text="y",
                                 capability_uuids=["00000000-0000-0000-0000-000000000000"])
    assert excinfo.value.rule == "unknown_capability"


def test_only_the_owner_edits(world):
    evidence = log_evidence(world.practitioner)
    with pytest.raises(PermissionDenied):
        services.update_evidence(evidence, world.preceptor, kind=EvidenceKind.other, title="Mine now",
                                 occurred_on=TODAY, text="x")


def test_a_link_a_pending_request_relies_on_stays(world):
    evidence = log_evidence(world.practitioner, [world.registered_cap])
    signoff_services.request_signoff(world.practitioner, world.registered_cap, [evidence], world.preceptor,
                                     today=TODAY)
    with pytest.raises(DomainError) as excinfo:
        services.update_evidence(evidence, world.practitioner, kind=EvidenceKind.reflection, title="Edited",
                                 occurred_on=evidence.occurred_on, text="Edited text", capability_uuids=[])
    assert excinfo.value.rule == "evidence_cited_pending"


def test_cited_evidence_cannot_be_deleted_but_uncited_can(world):
    cited = log_evidence(world.practitioner, [world.registered_cap])
    signoff_services.request_signoff(world.practitioner, world.registered_cap, [cited], world.preceptor, today=TODAY)
    with pytest.raises(DomainError) as excinfo:
        services.delete_evidence(cited, world.practitioner)
    assert excinfo.value.rule == "evidence_cited"
    services.delete_evidence(log_evidence(world.practitioner), world.practitioner)
