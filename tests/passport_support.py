"""Scenario builders for the passport tests: real sign-offs made through the sign-off services."""
from __future__ import annotations

from datetime import date

from competency.signoff import services as signoff_services
from competency.signoff.models import Outcome
from tests.evidence_support import capability, log_evidence

TODAY = date(2026, 11, 20)


def signed_off(world, cap=None, *, practitioner=None, assessor=None):
    """A sign-off of ``cap`` (default: the world's registered-level capability), decided by the preceptor."""
    cap = cap or world.registered_cap
    practitioner = practitioner or world.practitioner
    evidence = [log_evidence(practitioner, [cap])]
    request = signoff_services.request_signoff(practitioner, cap, evidence, assessor or world.preceptor, today=TODAY)
    signoff_services.decide(request, assessor or world.preceptor, Outcome.sign, "Well evidenced.", today=TODAY)
    return request.signoff


def several_signoffs(world, count: int = 3):
    levels = ["support", "senior_support", "assistant_practitioner", "registered"]
    pillars = ["professional_practice", "leadership"]
    caps = [capability(world.version, level, pillar) for pillar in pillars for level in levels][:count]
    return [signed_off(world, cap) for cap in caps]
