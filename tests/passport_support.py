"""Scenario builders for the passport tests: real sign-offs made through the sign-off services."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from competency.signoff import services as signoff_services
from competency.signoff.models import Outcome
from tests.evidence_support import capability, log_evidence, make_framework
from tests.factories import OrganisationFactory, make_person

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


HOLDER = "sam.okafor@example.org"
FRAMEWORK = "shared-test-framework"


def seed_issuer(app) -> None:
    """Installation A: a trust with a registered practitioner who has one capability signed off."""
    version = make_framework(slug=FRAMEWORK)
    org = OrganisationFactory(slug="north-downs", name="North Downs NHS Trust")
    world = SimpleNamespace(
        version=version, registered_cap=capability(version, "registered"),
        practitioner=make_person("practitioner", org, level_code="registered", email=HOLDER,
                                 display_name="Sam Okafor", registration_body="HCPC", registration_number="OT99876"),
        preceptor=make_person("preceptor", org, level_code="enhanced", display_name="Tom Hughes",
                              email="tom@north.example.org"))
    signed_off(world)


def seed_receiver(app) -> None:
    """Installation B: a care provider where the same person (same email) now works, a lead and an admin."""
    make_framework(slug=FRAMEWORK)
    org = OrganisationFactory(slug="harbourside", name="Harbourside Care")
    # An organisation administrator who also keeps the installation's trust list (a platform role).
    make_person(["admin", "trust_list_manager"], org, email="admin@harbourside.example.org", display_name="Alex Morgan")
    make_person("practitioner", org, level_code="registered", email=HOLDER, display_name="Sam Okafor",
                registration_body="HCPC", registration_number="OT99876")
    make_person(["lead", "preceptor"], org, level_code="advanced", email="lead@harbourside.example.org",
                display_name="Priya Shah")
