"""Issue 16.7: apprentices counted from apprenticeship records, support workers by AHP service, people signed off
above their post level and starters not enrolled within 60 days, exact for leads and suppressed beyond."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from competency.db import utcnow
from competency.extensions import db
from competency.progression.models import Apprenticeship, ProgressionRecord
from competency.reporting import dashboard, insight, system
from competency.reporting.dashboard import Scope
from competency.reporting.queries import organisations
from competency.signoff.models import SignOff, SignOffSource
from tests.factories import EmploymentFactory, OrganisationFactory, make_person

ON = date(2027, 3, 1)


def scope_of(*orgs) -> Scope:
    return Scope(organisations([o.id for o in orgs]), ON, datetime(2027, 3, 1, 12, tzinfo=timezone.utc))


def signed_at_level(person, org, level_code: str) -> None:
    db.session.add(SignOff(source=SignOffSource.recognised, practitioner_id=person.id, capability_uuid=level_code,
                           capability_code=f"X-{level_code}", level_code=level_code, assessor_name="A",
                           organisation_id=org.id, organisation_name=org.name, signed_at=utcnow(),
                           issuer_name="Elsewhere"))
    db.session.flush()


def apprenticeship(person, org) -> None:
    record = ProgressionRecord(user_id=person.id, organisation_id=org.id, pathway_slug="ota-to-ot-degree-apprenticeship",
                               pathway_version="1.0.0", stage_code="degree_apprentice", started_on=date(2025, 1, 1),
                               stage_since_on=date(2026, 9, 1))
    db.session.add(record)
    db.session.add(Apprenticeship(record=record, user_id=person.id, organisation_id=org.id, provider="Uni",
                                  standard="ST0517", start_on=date(2026, 9, 1), planned_end_on=date(2030, 9, 1),
                                  planned_otj_hours=1250))
    db.session.flush()


def service(person, name: str, is_ahp: bool | None) -> None:
    for job in person.employments:
        job.service_name, job.is_ahp_service = name, is_ahp
    db.session.flush()


@pytest.fixture
def council(db):
    return OrganisationFactory(name="Downshire council")


def test_an_apprentice_in_an_ota_post_counts_as_an_apprentice(council):
    apprentice = make_person("practitioner", council, level_code="senior_support")
    apprenticeship(apprentice, council)
    section = dashboard.workforce_section(scope_of(council))
    assert dict(section.facts)["Pre-registration learners and apprentices"] == "1"  # was 0 beside 1 apprentice
    pipeline = dashboard.pipeline_section(scope_of(council)).table("progression-milestones")
    assert pipeline.rows[0][-1] == 1


def test_support_workers_by_ahp_service(council):
    for name, is_ahp in [("Community OT", True), ("Community OT", True), ("Reablement", False), (None, None)]:
        person = make_person("practitioner", council, level_code="support")
        service(person, name, is_ahp)
    make_person("practitioner", council, level_code="registered")  # not the support workforce
    assert dict(insight.support_by_service([council.id], ON)[council.id]) == {"ahp": 2, "other": 1,
                                                                               "not_recorded": 1}
    table = dashboard.find_table(scope_of(council), "insight-ahp-services")
    assert table.rows == [["Downshire council", 2, 1, 1, 4]]


def test_people_signed_off_above_their_post_level(council):
    ota = make_person("practitioner", council, level_code="senior_support")
    signed_at_level(ota, council, "assistant_practitioner")
    at_level = make_person("practitioner", council, level_code="senior_support")
    signed_at_level(at_level, council, "senior_support")
    below = make_person("practitioner", council, level_code="registered")
    signed_at_level(below, council, "support")
    assert dict(insight.above_post_level([council.id], ON)[council.id]) == {"senior_support": 1}
    section = dashboard.build(scope_of(council))[-1]
    assert dict(section.facts)["People signed off above their post level"] == "1"


def test_starters_not_enrolled_within_60_days_are_counted(council):
    starter = make_person("practitioner", council, employed=False, registration_body="HCPC",
                          registration_number="OT1", registered_on=date(2026, 11, 1))
    EmploymentFactory(user=starter, organisation=council, start_on=date(2026, 12, 1), level_code="registered")
    table = dashboard.find_table(scope_of(council), "insight-starters")
    assert table.rows == [["Downshire council", 1, 0]]


def test_the_system_view_suppresses_small_numbers_in_page_and_csv(council):
    from competency.reporting.tables import to_csv

    other = OrganisationFactory(name="Harbour care", region=council.region)
    for _ in range(3):
        service(make_person("practitioner", council, level_code="support"), "Community OT", True)
    for _ in range(7):
        service(make_person("practitioner", other, level_code="support"), "Residential care", False)
    table = system.find_table(scope_of(council, other), "insight-ahp-services-organisations")
    texts = {row[0]: [str(cell) for cell in row[1:]] for row in table.rows}
    assert texts["Downshire council"][0] == "<5" and texts["Harbour care"][1] == "5"
    import csv
    import io

    published = [cell for row in csv.reader(io.StringIO(to_csv(table))) for cell in row]
    assert "<5" in published and not {"1", "2", "3", "4"} & set(published)


def test_the_insight_section_costs_a_fixed_number_of_statements(council, count_queries):
    def statements() -> int:
        with count_queries() as seen:
            dashboard.find_table(scope_of(council), "insight-above-level")
        return len(seen)

    small = statements()
    for _ in range(8):
        person = make_person("practitioner", council, level_code="support")
        signed_at_level(person, council, "senior_support")
    assert statements() == small
