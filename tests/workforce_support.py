"""Scenario builders for one workforce across employers: a trust, a council, the ICS and a university
in one region, with the people the cross-organisation scenarios need."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from competency.accounts.models import OrgKind, Sector
from competency.grants import services as grant_services
from competency.grants.models import GrantKind
from competency.placements import services as placement_services
from competency.placements.models import LearnerKind
from competency.signoff import services as signoff_services
from competency.signoff.models import Outcome
from tests.evidence_support import capability, log_evidence, make_framework
from tests.factories import OrganisationFactory, make_person

TODAY = date(2026, 11, 20)
REGION = "Test ICS region"


def one_workforce_world(**framework_kwargs) -> SimpleNamespace:
    """Organisations and people, no grants or placements yet."""
    w = SimpleNamespace(version=make_framework(**framework_kwargs))
    w.trust = OrganisationFactory(name="Valley NHS Trust", kind=OrgKind.nhs_trust, sector=Sector.health, region=REGION)
    w.council = OrganisationFactory(name="Downshire Council", kind=OrgKind.local_authority, sector=Sector.social_care,
                                    region=REGION)
    w.ics = OrganisationFactory(name="Downs ICS AHP Faculty", kind=OrgKind.regional_body, sector=Sector.health,
                                region=REGION)
    w.university = OrganisationFactory(name="University of the Downs", kind=OrgKind.education_provider,
                                       sector=Sector.education, region=REGION)
    w.elsewhere = OrganisationFactory(name="Far Away Trust", region="Another region")
    # The council: a single-handed OT team with no consultant.
    w.council_ot = make_person("practitioner", w.council, level_code="enhanced", display_name="Olu Council-OT",
                               registration_body="HCPC", registration_number="OT20001")
    w.council_preceptor = make_person("preceptor", w.council, level_code="enhanced", display_name="Tom Council")
    w.council_lead = make_person(["lead", "preceptor"], w.council, level_code="advanced", display_name="Priya Lead")
    w.council_admin = make_person("admin", w.council, display_name="Alex Admin")
    w.senior_support = make_person("practitioner", w.council, level_code="senior_support", registered=False,
                                   display_name="Riley Senior-Support", profession="Senior support worker")
    w.support_worker = make_person("practitioner", w.council, level_code="support", registered=False,
                                   display_name="Jordan Support", profession="Support worker")
    # The trust: a consultant OT the ICS lends to the region.
    w.trust_consultant = make_person("preceptor", w.trust, level_code="consultant", display_name="Dr Ana Consultant")
    w.trust_lead = make_person(["lead", "preceptor"], w.trust, level_code="advanced", display_name="Sue Trust-Lead")
    w.ics_lead = make_person("lead", w.ics, employed=False, display_name="Morgan ICS-Lead")
    # A student of the university.
    w.student = make_person("practitioner", w.university, employed=False, registered=False,
                            display_name="Casey Student", profession="Student occupational therapist")
    w.university_lead = make_person("lead", w.university, display_name="Dee University-Lead")
    w.outsider = make_person("preceptor", w.elsewhere, level_code="consultant", display_name="Zed Outsider")
    w.advanced_cap = capability(w.version, "advanced")
    w.consultant_cap = capability(w.version, "consultant")
    w.leadership_advanced_cap = capability(w.version, "advanced", "leadership")
    w.pre_registration_cap = capability(w.version, "pre_registration")
    w.support_cap = capability(w.version, "support")
    w.senior_support_cap = capability(w.version, "senior_support")
    return w


def ics_grant(w, *, on: date = TODAY, ends_on: date = date(2027, 11, 19), **kwargs):
    """The ICS lends the trust's consultant OT to every organisation in the region, for professional practice
    at the advanced and consultant levels."""
    options = dict(pillar_codes=["professional_practice"], level_codes=["advanced", "consultant"])
    options.update(kwargs)
    return grant_services.create_grant(
        kind=GrantKind.assessor, granting=w.ics, grantee=w.trust_consultant, grantee_organisation=w.trust,
        starts_on=on, ends_on=ends_on, reason="No consultant OT in council teams.", by=w.ics_lead, on=on, **options)


def trained_assessor_grant(w, *, on: date = TODAY):
    return grant_services.create_grant(
        kind=GrantKind.trained_assessor, granting=w.council, grantee=w.senior_support, grantee_organisation=w.council,
        starts_on=on, ends_on=date(2027, 11, 19), reason="Signs Care Certificate-level work in the reablement team.",
        training_course="Care Certificate assessor training", training_completed_on=date(2026, 6, 1),
        by=w.council_lead, on=on)


def council_placement(w, *, on: date = TODAY, starts_on: date = date(2026, 11, 2), ends_on: date = date(2026, 12, 18)):
    return placement_services.create_placement(
        learner=w.student, learner_kind=LearnerKind.student, host=w.council, home=w.university,
        supervisor=w.council_preceptor, starts_on=starts_on, ends_on=ends_on, by=w.council_lead, on=on)


def ask(w, practitioner, cap, assessor, *, today: date = TODAY, title: str = "Evidence"):
    evidence = [log_evidence(practitioner, [cap], title=title)]
    return signoff_services.request_signoff(practitioner, cap, evidence, assessor, today=today)


def sign(request, assessor, *, today: date = TODAY):
    signoff_services.decide(request, assessor, Outcome.sign, "Well evidenced.", today=today)
    return request.signoff
