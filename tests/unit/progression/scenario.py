"""Builders for progression tests: an OT assistant at a council, their lead, and sign-offs."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

from competency.accounts.models import OrgKind, Sector
from competency.extensions import db
from competency.progression import services
from competency.progression.catalogue import catalogue
from competency.progression.readiness import add_months
from tests.factories import EmploymentFactory, OrganisationFactory, make_person

OTA_PATHWAY = "ota-to-ot-degree-apprenticeship"
OTA_STEP = "ota_to_apprenticeship"


def checklist_capabilities() -> dict[str, str]:
    """code -> uuid of the capabilities the OTA checklist asks for."""
    step = catalogue().get(OTA_PATHWAY).step(OTA_STEP)
    return {ref.code: ref.uuid for ref in step.criterion("ota_capabilities").capabilities}


def pathway_capabilities() -> dict[str, tuple[str, str]]:
    """code -> (uuid, level) of every capability any shipped pathway asks for."""
    return {ref.code: (ref.uuid, ref.level) for p in catalogue().pathways for step in p.steps
            for c in step.criteria for ref in c.capabilities}


def recognise(person, organisation, codes, *, by=None) -> None:
    """Sign-offs recognised from a previous employer's passport (they count like local ones)."""
    from competency.signoff.services import record_recognised_signoff

    known = pathway_capabilities()
    for code in codes:
        uuid, level = known[code]
        record_recognised_signoff(
            person, organisation=organisation, actor=by, capability_uuid=uuid, capability_code=code,
            level_code=level, signed_at=datetime(2024, 6, 1, tzinfo=timezone.utc),
            assessor_name="Alex Former", issuer_name="Harbourside Care Ltd")


def add_evidence(person, kind: str, count: int, today: date, capability_uuids=()) -> list:
    from competency.evidence.models import EvidenceKind, FeedbackSource
    from competency.evidence.services import create_evidence

    source = FeedbackSource.colleague if kind == "feedback" else None
    return [create_evidence(person, kind=EvidenceKind(kind), title=f"{kind} {n}", occurred_on=today - timedelta(days=n),
                            text="What I did and what I learned.", what_happened="A home visit.",
                            so_what="I learned to check first.", now_what="I will plan ahead.",
                            feedback_source=source, capability_uuids=capability_uuids, today=today)
            for n in range(1, count + 1)]


def ota_world(today: date, *, months_in_post: int = 25, organisation=None) -> SimpleNamespace:
    """An OTA on the apprenticeship pathway at a council with a lead who is a registered OT."""
    council = organisation or OrganisationFactory(name="Downshire Test Council", kind=OrgKind.local_authority,
                                                  sector=Sector.social_care)
    lead = make_person(["lead", "preceptor"], council, display_name="Priya Lead")
    ota = make_person("practitioner", council, employed=False, display_name="Jordan Assistant",
                      profession="Occupational therapy assistant")
    start = add_months(today, -months_in_post)
    EmploymentFactory(user=ota, organisation=council, role_title="Occupational Therapy Assistant",
                      level_code="senior_support", band_label="Grade 5", start_on=start)
    db.session.flush()
    db.session.refresh(ota)
    record = services.enrol(ota, council, pathway_slug=OTA_PATHWAY, stage_code="ota",
                            target_stage_code="degree_apprentice", by=lead, today=today)
    return SimpleNamespace(council=council, lead=lead, ota=ota, record=record)


def make_ready(world, today: date) -> None:
    """Everything on the OTA checklist met except the panel."""
    step = catalogue().get(OTA_PATHWAY).step(OTA_STEP)
    recognise(world.ota, world.council, checklist_capabilities())
    add_evidence(world.ota, "reflection", 3, today)
    for criterion in step.criteria:
        if criterion.kind.value == "confirmation":
            services.confirm_item(world.record, criterion.code, by=world.lead)


def ready_for_apprenticeship(world, today: date) -> None:
    """The checklist met and a panel that found the person ready."""
    from competency.progression.models import PanelOutcome

    make_ready(world, today)
    panel = services.schedule_panel(world.record, scheduled_on=today, members=["Priya Lead (chair)"],
                                    by=world.lead, today=today)
    services.record_panel_outcome(panel, outcome=PanelOutcome.ready, by=world.lead, today=today)
