"""Progression through the real pages: the checklist, a lead's confirmations and panel, the apprenticeship."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from competency.extensions import db
from competency.progression import apprenticeships, services
from competency.progression.models import Apprenticeship, Panel, ProgressionRecord
from competency.reminders.planning import local_today
from tests.factories import OrganisationFactory, make_person
from tests.unit.progression.scenario import (
    OTA_PATHWAY,
    add_evidence,
    make_ready,
    ota_world,
    ready_for_apprenticeship,
    recognise,
)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def today():
    return local_today()


@pytest.fixture
def world(db, today):
    built = ota_world(today)
    db.session.commit()  # an error page rolls back the request's work; the world must outlive it
    return built


class TestMyProgression:
    def test_the_checklist_shows_what_is_met_and_what_is_missing_with_links_to_act(self, client, login, world, today):
        recognise(world.ota, world.council, ["PP-SSW-01", "PP-SSW-02"])
        add_evidence(world.ota, "reflection", 1, today)
        services.confirm_item(world.record, "sponsorship", by=world.lead)
        login(world.ota)
        page = text(client.get("/progression/"))
        assert "<h1>Your progression</h1>" in page
        assert "Ready for the OT degree apprenticeship" in page
        assert "Readiness: 3 of 10 items met" in page  # sponsorship, hours (from the FTE) and months in post
        assert '<progress class="app-progress" id="readiness-' in page
        assert "2 of 6 signed off" in page
        assert "PP-SSW-03" in page and "Missing: 2 more reflections" in page
        assert "Confirmed by Priya Lead" in page
        if "progress.new_request" in client.application.view_functions:
            assert "Request sign-off<span class=\"nhsuk-u-visually-hidden\"> for PP-SSW-03" in page
        if "evidence.new_evidence" in client.application.view_functions:
            assert "Log a reflection" in page

    def test_someone_not_on_a_pathway_sees_the_routes_available(self, client, login_as):
        login_as("practitioner")
        page = text(client.get("/progression/"))
        assert "You are not on a progression pathway yet" in page
        assert "OT degree apprentice" in page


class TestLeadJourney:
    def test_confirm_items_run_a_panel_and_start_the_apprenticeship(self, client, browser, login, world, today):
        make_ready(world, today)
        db.session.commit()
        login(world.lead)
        listing = text(client.get("/progression/people"))
        assert "Jordan Assistant" in listing and "Ready for panel" in listing
        record_url = f"/progression/records/{world.record.id}"
        page = text(client.get(record_url))
        assert "Readiness: 9 of 10 items met" in page and "Schedule a panel" in page

        response = browser.submit(record_url, {"scheduled_on": today.isoformat(),
                                               "members": "Priya Lead, Principal OT (chair)\nHR adviser"},
                                  post_url=f"{record_url}/panels")
        assert response.status_code == 302
        panel = db.session.scalar(db.select(Panel).filter_by(record_id=world.record.id))
        assert panel.members == ["Priya Lead, Principal OT (chair)", "HR adviser"]
        outcome_url = f"/progression/panels/{panel.id}"
        missing_actions = browser.submit(outcome_url, {"outcome": "not_yet"})
        assert missing_actions.status_code == 400
        assert "Write the actions the person needs to take" in text(missing_actions)
        assert browser.submit(outcome_url, {"outcome": "ready", "notes": "Strong portfolio"}).status_code == 302

        page = text(client.get(record_url))
        assert "Readiness: 10 of 10 items met (ready)" in page
        assert "Start the apprenticeship" in page
        start_url = f"{record_url}/apprenticeship"
        form = text(client.get(start_url))
        assert 'value="Occupational therapist (degree) ST0517"' in form
        response = browser.submit(start_url, {
            "provider": "University of the South Coast", "standard": "Occupational therapist (degree) ST0517",
            "start_on": today.isoformat(), "planned_end_on": (today + timedelta(days=4 * 365)).isoformat(),
            "planned_otj_hours": "1248", "epa_gateway_on": ""})
        assert response.status_code == 302
        apprenticeship = db.session.scalar(db.select(Apprenticeship).filter_by(record_id=world.record.id))
        assert response.headers["Location"].endswith(f"/progression/apprenticeships/{apprenticeship.id}")
        page = text(client.get(f"/progression/apprenticeships/{apprenticeship.id}"))
        assert "University of the South Coast" in page and "Review 1" in page

    def test_a_lead_confirms_a_checklist_item_through_the_form(self, client, browser, login, world):
        login(world.lead)
        record_url = f"/progression/records/{world.record.id}"
        response = browser.submit(record_url, {"note": "Signed off by the head of service"},
                                  post_url=f"{record_url}/confirmations/sponsorship")
        assert response.status_code == 302
        page = text(client.get(record_url))
        assert "Confirmed by Priya Lead" in page
        again = browser.submit(record_url, {}, post_url=f"{record_url}/confirmations/sponsorship")
        assert again.status_code == 409 and "is already confirmed" in text(again)

    def test_the_person_cannot_confirm_their_own_items(self, client, browser, login, world):
        record_url = f"/progression/records/{world.record.id}"
        login(world.ota)
        assert client.get(record_url).status_code == 200
        assert browser.post(f"{record_url}/confirmations/sponsorship").status_code == 403
        assert client.get("/progression/people").status_code == 403

    def test_another_councils_lead_cannot_see_the_record(self, client, login, world):
        login(make_person(["lead", "preceptor"], OrganisationFactory()))
        assert client.get(f"/progression/records/{world.record.id}").status_code == 404
        assert "Jordan Assistant" not in text(client.get("/progression/people"))

    def test_put_someone_on_a_pathway(self, client, browser, login, world):
        newcomer = make_person("practitioner", world.council, level_code="support", display_name="Casey New")
        login(world.lead)
        url = f"/progression/records/new?pathway={OTA_PATHWAY}"
        assert "Casey New" in text(client.get(url))
        response = browser.submit(url, {"person": f"{world.council.id}:{newcomer.id}", "stage_code": "support_worker",
                                        "target_stage_code": ""})
        assert response.status_code == 302
        record = db.session.scalar(db.select(ProgressionRecord).filter_by(user_id=newcomer.id))
        assert (record.stage_code, record.target_stage_code) == ("support_worker", "ota")
        duplicate = browser.submit(url, {"person": f"{world.council.id}:{newcomer.id}",
                                         "stage_code": "support_worker", "target_stage_code": ""})
        assert duplicate.status_code == 400 and "already on this pathway" in text(duplicate)


class TestOffTheJobLog:
    @pytest.fixture
    def apprenticeship(self, world, today):
        ready_for_apprenticeship(world, today)
        return apprenticeships.start_apprenticeship(
            world.record, provider="University of the South Coast", standard="Occupational therapist (degree) ST0517",
            start_on=today - timedelta(weeks=20), planned_end_on=today - timedelta(weeks=20) + timedelta(weeks=200),
            planned_otj_hours=1200, by=world.lead, today=today)

    def test_a_log_below_the_plan_shows_behind_and_the_hours_a_week_to_catch_up(self, client, browser, login, world,
                                                                            apprenticeship, today):
        apprenticeships.log_otj(apprenticeship, occurred_on=today - timedelta(weeks=10), hours=18,
                                activity="Induction week at university", by=world.ota, today=today)
        db.session.commit()
        login(world.ota)
        url = f"/progression/apprenticeships/{apprenticeship.id}"
        response = browser.submit(url, {"occurred_on": (today - timedelta(days=2)).isoformat(), "hours": "12",
                                        "activity": "University teaching block", "evidence_id": ""},
                                  post_url=f"{url}/otj")
        assert response.status_code == 302
        page = text(client.get(url))
        # The regular block (start to planned end, inclusive) expects 1,200 x 141 / 1,401 days = 120.8 hours by the
        # end of today; 30 logged leaves 1,170 over 180 weeks.
        assert "30 of 1200 planned off-the-job hours logged; the plan expects 120.8 by now" in page
        assert "Behind the plan" in page
        assert "log 6.5 hours a week (the plan averages 6 a week)" in page
        assert "University teaching block" in page

    def test_the_form_refuses_future_dates(self, client, browser, login, world, apprenticeship, today):
        login(world.ota)
        url = f"/progression/apprenticeships/{apprenticeship.id}"
        response = browser.submit(url, {"occurred_on": (today + timedelta(days=1)).isoformat(), "hours": "3",
                                        "activity": "Lecture"}, post_url=f"{url}/otj")
        assert response.status_code == 400
        assert "Log hours once they are done: the date must be today or in the past" in text(response)

    def test_a_lead_records_a_review_and_qualification(self, client, browser, login, world, apprenticeship, today):
        login(world.lead)
        review = apprenticeship.reviews[0]
        assert browser.submit(f"/progression/reviews/{review.id}", {"held_on": today.isoformat(),
                                                                    "notes": "On track"}).status_code == 302
        response = browser.submit(f"/progression/apprenticeships/{apprenticeship.id}/qualify", {
            "qualified_on": today.isoformat(), "registration_body": "HCPC", "registration_number": "OT765432",
            "role_title": "Occupational Therapist", "band_label": "Grade 7"})
        assert response.status_code == 302
        page = text(client.get(response.headers["Location"]))
        assert "This pathway was completed on" in page
        assert "Propose a preceptorship for Jordan Assistant" in text(client.get("/notifications"))


class TestLeadListStatementCount:
    def build(self, council, lead, count: int, today):
        for n in range(count):
            person = make_person("practitioner", council, level_code="senior_support", display_name=f"OTA {n:03d}")
            db.session.add(ProgressionRecord(user=person, organisation=council, pathway_slug=OTA_PATHWAY,
                                             pathway_version="1.0.0", stage_code="ota",
                                             target_stage_code="degree_apprentice", started_on=today,
                                             stage_since_on=today))
        db.session.flush()

    def count_statements(self, client, count_queries) -> int:
        with count_queries() as statements:
            response = client.get("/progression/people")
        assert response.status_code == 200
        return len(statements)

    def test_the_list_costs_the_same_for_ten_and_a_hundred_people(self, client, login, world, today, count_queries):
        make_ready(world, today)
        ready_for_apprenticeship_world = ota_world(today, organisation=world.council)
        ready_for_apprenticeship(ready_for_apprenticeship_world, today)
        apprenticeships.start_apprenticeship(
            ready_for_apprenticeship_world.record, provider="Uni", standard="ST0517", start_on=today,
            planned_end_on=today + timedelta(days=1000), planned_otj_hours=1200, by=world.lead, today=today)
        self.build(world.council, world.lead, 8, today)
        login(world.lead)
        at_ten = self.count_statements(client, count_queries)
        self.build(world.council, world.lead, 90, today)
        at_hundred = self.count_statements(client, count_queries)
        assert at_hundred == at_ten
        assert at_ten <= 20
