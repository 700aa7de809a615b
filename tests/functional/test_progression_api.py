"""The progression API: readiness per record, a lead reading a person, logging off-the-job hours."""
from __future__ import annotations

from datetime import timedelta

import pytest

from competency.accounts.services import create_api_token
from competency.progression import apprenticeships
from competency.reminders.planning import local_today
from tests.factories import OrganisationFactory, make_person
from tests.unit.progression.scenario import ota_world, ready_for_apprenticeship, recognise


def bearer(user) -> dict:
    _, secret = create_api_token(user, "test")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def world(db):
    return ota_world(local_today())


def test_my_progression_lists_each_criterion_with_what_is_missing(client, world):
    recognise(world.ota, world.council, ["PP-SSW-01"])
    response = client.get("/api/v1/me/progression", headers=bearer(world.ota))
    assert response.status_code == 200
    (record,) = response.json["records"]
    assert record["pathway"]["slug"] == "ota-to-ot-degree-apprenticeship"
    assert (record["stage"]["code"], record["target"]["code"]) == ("ota", "degree_apprentice")
    readiness = record["readiness"]
    assert (readiness["met"], readiness["total"], readiness["is_ready"]) == (2, 10, False)  # hours from the FTE
    capabilities = next(c for c in readiness["criteria"] if c["code"] == "ota_capabilities")
    assert capabilities["summary"] == "1 of 6 signed off"
    assert [m["code"] for m in capabilities["missing_capabilities"]][:2] == ["PP-SSW-02", "PP-SSW-03"]
    assert record["apprenticeship"] is None


def test_a_lead_reads_a_person_and_others_cannot(client, world):
    response = client.get(f"/api/v1/people/{world.ota.id}/progression", headers=bearer(world.lead))
    assert response.status_code == 200
    assert [r["person"]["name"] for r in response.json["records"]] == ["Jordan Assistant"]
    stranger = make_person(["lead", "preceptor"], OrganisationFactory())
    response = client.get(f"/api/v1/people/{world.ota.id}/progression", headers=bearer(stranger))
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert client.get("/api/v1/people/999999/progression", headers=bearer(world.lead)).status_code == 404


class TestOffTheJobApi:
    @pytest.fixture
    def apprenticeship(self, world):
        today = local_today()
        ready_for_apprenticeship(world, today)
        return apprenticeships.start_apprenticeship(
            world.record, provider="University of the South Coast", standard="Occupational therapist (degree) ST0517",
            start_on=today - timedelta(weeks=20), planned_end_on=today - timedelta(weeks=20) + timedelta(weeks=200),
            planned_otj_hours=1200, by=world.lead, today=today)

    def test_an_entry_updates_the_running_total_and_status(self, client, world, apprenticeship):
        response = client.post(f"/api/v1/apprenticeships/{apprenticeship.id}/otj", headers=bearer(world.ota),
                               json={"occurred_on": local_today().isoformat(), "hours": 7.5,
                                     "activity": "Study day: activity analysis"})
        assert response.status_code == 201, response.json
        assert response.json["hours"] == 7.5
        otj = response.json["otj"]
        assert (otj["logged_hours"], otj["expected_hours"], otj["status"]) == (7.5, 120.8, "behind")
        assert otj["catch_up_per_week"] == pytest.approx(6.7)  # 1,192.5 hours over 180 weeks, rounded up
        me = client.get("/api/v1/me/progression", headers=bearer(world.ota)).json
        assert me["records"][0]["apprenticeship"]["otj"]["logged_hours"] == 7.5
        assert len(me["records"][0]["apprenticeship"]["reviews"]) >= 4

    def test_invalid_entries_are_problems(self, client, world, apprenticeship):
        url = f"/api/v1/apprenticeships/{apprenticeship.id}/otj"
        future = client.post(url, headers=bearer(world.ota), json={
            "occurred_on": (local_today() + timedelta(days=1)).isoformat(), "hours": 2, "activity": "Lecture"})
        assert future.status_code == 422 and future.json["field"] == "occurred_on"
        too_many = client.post(url, headers=bearer(world.ota), json={
            "occurred_on": local_today().isoformat(), "hours": 30, "activity": "Lecture"})
        assert too_many.status_code == 422 and too_many.json["errors"][0]["field"] == "hours"
        stranger = make_person("practitioner", OrganisationFactory())
        assert client.post(url, headers=bearer(stranger), json={
            "occurred_on": local_today().isoformat(), "hours": 2, "activity": "Lecture"}).status_code == 404


def test_the_openapi_document_describes_the_progression_routes(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "get" in paths["/me/progression"] and "get" in paths["/people/{person_id}/progression"]
    otj = paths["/apprenticeships/{apprenticeship_id}/otj"]
    assert otj["post"]["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("OtjEntryOut")
