"""Progression routes: the person and their organisation's leads (and admins) only."""
from __future__ import annotations

from datetime import timedelta

from tests.access.matrix import Case

# The person sees their own record; the home lead and admin see and manage it; everyone else gets 404.
VIEW = {"peer": 404, "preceptor": 404, "foreign_preceptor": 404, "foreign_lead": 404, "foreign_admin": 404,
        "analyst": 404, "editor": 404}
# Managing: as VIEW, and the person themselves is refused (403).
MANAGE = {**VIEW, "practitioner": 403}
LEADS_ONLY = {"practitioner": 403, "peer": 403, "preceptor": 403, "foreign_preceptor": 403, "analyst": 403,
              "editor": 403}


def _today():
    from competency.reminders.planning import local_today

    return local_today()


def _record(w) -> str:
    return f"/progression/records/{w.progression_record.id}"


def _apprenticeship(w) -> str:
    return f"/progression/apprenticeships/{w.apprenticeship.id}"


CASES = [
    Case("progression.my_progression", lambda w: "/progression/"),
    Case("progression.list_people", lambda w: "/progression/people", expect=LEADS_ONLY),
    Case("progression.new_record", lambda w: "/progression/records/new", expect=LEADS_ONLY),
    Case("progression.show_record", _record, expect=VIEW),
    Case("progression.confirm_item", lambda w: f"{_record(w)}/confirmations/sponsorship", method="POST",
         data=lambda w: {"note": "Agreed"}, expect=MANAGE, default=302),
    Case("progression.change_target", lambda w: f"{_record(w)}/target", method="POST",
         data=lambda w: {"target_stage_code": "assistant_practitioner"}, expect=MANAGE, default=302),
    # Authorised leads reach the form's validation (no date or members given): 400.
    Case("progression.schedule_panel", lambda w: f"{_record(w)}/panels", method="POST", data=lambda w: {},
         expect=MANAGE, default=400),
    Case("progression.record_outcome", lambda w: f"/progression/panels/{w.progression_panel.id}", expect=MANAGE),
    Case("progression.record_outcome", lambda w: f"/progression/panels/{w.progression_panel.id}", method="POST",
         data=lambda w: {"outcome": "deferred", "notes": "Chair unwell"}, expect=MANAGE, default=302,
         id="progression.record_outcome-post"),
    # The checklist is not met, so starting the next step is refused with a message: 400.
    Case("progression.advance_stage", lambda w: f"{_record(w)}/advance", method="POST", expect=MANAGE, default=400),
    # The record already has an apprenticeship: the lead is sent to it.
    Case("progression.start_apprenticeship", lambda w: f"{_record(w)}/apprenticeship", expect=MANAGE, default=302),
    Case("progression.show_apprenticeship", _apprenticeship, expect=VIEW),
    Case("progression.log_otj", lambda w: f"{_apprenticeship(w)}/otj", method="POST",
         data=lambda w: {"occurred_on": _today().isoformat(), "hours": "2.5", "activity": "Anatomy lecture"},
         expect=VIEW, default=302),
    Case("progression.set_gateway", lambda w: f"{_apprenticeship(w)}/gateway", method="POST",
         data=lambda w: {"epa_gateway_on": (_today() + timedelta(days=900)).isoformat()}, expect=MANAGE,
         default=302),
    Case("progression.record_review", lambda w: f"/progression/reviews/{w.progress_review.id}", expect=MANAGE),
    Case("progression.record_qualification", lambda w: f"{_apprenticeship(w)}/qualify", expect=MANAGE),
    Case("api.get_my_progression", lambda w: "/api/v1/me/progression"),
    Case("api.get_person_progression", lambda w: f"/api/v1/people/{w.practitioner.id}/progression",
         expect={**VIEW, "preceptor": 403}),
    Case("api.post_otj_entry", lambda w: f"/api/v1/apprenticeships/{w.apprenticeship.id}/otj", method="POST",
         json=lambda w: {"occurred_on": _today().isoformat(), "hours": 3, "activity": "Placement study day"},
         expect=VIEW, default=201),
]


def build(world) -> None:
    """The practitioner on the OTA pathway at home, with a pending panel and an apprenticeship record.

    Rows are made directly (not through the services) to keep the matrix fast.
    """
    from competency.extensions import db
    from competency.progression.models import Apprenticeship, Panel, ProgressionRecord, ProgressReview

    today = _today()
    record = ProgressionRecord(user=world.practitioner, organisation=world.home,
                               pathway_slug="ota-to-ot-degree-apprenticeship", pathway_version="1.0.0",
                               stage_code="ota", target_stage_code="degree_apprentice", started_on=today,
                               stage_since_on=today, created_by_id=world.lead.id)
    panel = Panel(record=record, step_code="ota_to_apprenticeship", scheduled_on=today, members=["Chair"])
    apprenticeship = Apprenticeship(record=record, user_id=world.practitioner.id, organisation_id=world.home.id,
                                    provider="University", standard="Occupational therapist (degree) ST0517",
                                    start_on=today - timedelta(days=30), planned_end_on=today + timedelta(days=1400),
                                    planned_otj_hours=1200)
    review = ProgressReview(apprenticeship=apprenticeship, sequence=1, due_on=today + timedelta(days=54))
    db.session.add_all([record, panel, apprenticeship, review])
    db.session.flush()
    world.progression_record, world.progression_panel = record, panel
    world.apprenticeship, world.progress_review = apprenticeship, review
