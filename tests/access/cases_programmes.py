"""Programme routes: the preceptee, their named preceptor and lead see an enrolment; nobody else does."""
from __future__ import annotations

from datetime import date

from tests.access.matrix import Case

START = date(2026, 11, 2)
OUTSIDERS = {"peer": 404, "admin": 404, "foreign_preceptor": 404, "foreign_lead": 404, "foreign_admin": 404,
             "analyst": 404, "editor": 404}
EVERYONE_ELSE_403 = {"practitioner": 403, "peer": 403, "preceptor": 403, "lead": 403, "admin": 403,
                     "foreign_preceptor": 403, "foreign_lead": 403, "foreign_admin": 403, "analyst": 403,
                     "editor": 403}
LEADS_ONLY = {**EVERYONE_ELSE_403, "lead": 200, "foreign_lead": 200}
PRECEPTORS = {**EVERYONE_ELSE_403, "preceptor": 200, "lead": 200, "foreign_preceptor": 200, "foreign_lead": 200}
PILLARS = ["professional_practice", "facilitation_of_learning", "leadership", "evidence_research_development",
           "integrated_working"]


def _today() -> str:
    """Web forms check start dates against today (at most 12 months back), so these cases use today."""
    from competency.preceptorship.queries import today

    return today().isoformat()


def parties(practitioner=200, preceptor=200, lead=200) -> dict:
    return {**OUTSIDERS, "practitioner": practitioner, "preceptor": preceptor, "lead": lead}


def _url(w, tail: str = "") -> str:
    return f"/programmes/enrolments/{w.enrolment.id}{tail}"


def _api(w, tail: str = "") -> str:
    return f"/api/v1/enrolments/{w.enrolment.id}{tail}"


CASES = [
    Case("programmes.index", lambda w: "/programmes/"),
    Case("programmes.preceptees", lambda w: "/programmes/preceptees", expect=PRECEPTORS),
    Case("programmes.cohort", lambda w: "/programmes/cohort", expect=LEADS_ONLY),
    Case("programmes.cohort_csv", lambda w: "/programmes/cohort.csv", expect=LEADS_ONLY),
    Case("programmes.enrol", lambda w: "/programmes/enrol", expect=LEADS_ONLY),
    Case("programmes.enrol", lambda w: "/programmes/enrol", method="POST", id="programmes.enrol-check",
         data=lambda w: {"practitioner_id": w.peer.id, "template": "ahp-preceptorship",
                         "preceptor_id": w.preceptor.id, "lead_id": w.lead.id, "start_on": _today()},
         expect={**EVERYONE_ELSE_403, "lead": 200, "foreign_lead": 400}),
    Case("programmes.enrol", lambda w: "/programmes/enrol", method="POST", id="programmes.enrol-peer",
         data=lambda w: {"practitioner_id": w.peer.id, "template": "ahp-preceptorship", "confirm": "yes",
                         "preceptor_id": w.preceptor.id, "lead_id": w.lead.id, "start_on": _today()},
         expect={**EVERYONE_ELSE_403, "lead": 302, "foreign_lead": 400}),
    Case("programmes.timeline", lambda w: _url(w), expect=parties()),
    Case("programmes.milestone", lambda w: _url(w, "/milestones/learning_agreement"), expect=parties()),
    Case("programmes.milestone", lambda w: _url(w, "/milestones/review_3m"), method="POST",
         id="programmes.milestone-save", data=lambda w: {"reflection": "Going well", "action": "save"},
         expect=parties(practitioner=302, preceptor=302, lead=403)),
    Case("programmes.sign_milestone", lambda w: _url(w, "/milestones/learning_agreement/sign"), method="POST",
         expect=parties(302, 302, 302)),
    Case("programmes.new_supervision", lambda w: _url(w, "/supervisions/new"), expect=parties(lead=403)),
    Case("programmes.confirm_supervision", lambda w: _url(w, f"/supervisions/{w.supervision.id}/confirm"),
         method="POST", expect=parties(practitioner=403, preceptor=302, lead=403)),
    Case("programmes.new_protected_time", lambda w: _url(w, "/protected-time/new"), expect=parties(lead=403)),
    Case("programmes.new_checkin", lambda w: _url(w, "/checkins/new"), expect=parties(preceptor=403, lead=403)),
    Case("programmes.new_pause", lambda w: _url(w, "/pauses/new"), expect=parties(practitioner=403)),
    Case("programmes.edit_pause", lambda w: _url(w, f"/pauses/{w.pause.id}"), expect=parties(practitioner=403)),
    Case("programmes.change_fte", lambda w: _url(w, "/fte"), expect=parties(practitioner=403, preceptor=403)),
    Case("programmes.withdraw", lambda w: _url(w, "/withdraw"), expect=parties(practitioner=403, preceptor=403)),
    Case("programmes.change_start", lambda w: _url(w, "/start-date"), expect=parties(practitioner=403, preceptor=403)),
    # On the peer's programme (nothing recorded on it yet), moved to today, so it holds whatever the date.
    Case("programmes.change_start", lambda w: f"/programmes/enrolments/{w.moderated.id}/start-date", method="POST",
         id="programmes.change_start-post", data=lambda w: {"start_on": _today(), "reason": "Typed the wrong day"},
         expect={**OUTSIDERS, "practitioner": 404, "peer": 403, "preceptor": 403, "lead": 302}),
    Case("programmes.record_moderation", lambda w: f"/programmes/enrolments/{w.moderated.id}/moderation",
         expect={**OUTSIDERS, "practitioner": 404, "peer": 403, "preceptor": 403, "lead": 200}),
    Case("api.create_enrolment", lambda w: "/api/v1/enrolments", method="POST",
         json=lambda w: {"practitioner_id": w.peer.id, "template": "ahp-preceptorship", "preceptor_id": w.preceptor.id,
                         "lead_id": w.lead.id, "start_on": _today()},
         expect={**EVERYONE_ELSE_403, "lead": 201, "foreign_lead": 404}),
    Case("api.get_enrolment", lambda w: _api(w), expect=parties()),
    Case("api.create_enrolment_pause", lambda w: _api(w, "/pauses"), method="POST",
         json=lambda w: {"start_on": "2026-11-16", "end_on": "2026-11-18", "reason": "sickness"},
         expect=parties(practitioner=403, preceptor=201, lead=201)),
    Case("api.sign_enrolment_milestone", lambda w: _api(w, "/milestones/learning_agreement/signatures"),
         method="POST", json=lambda w: {}, expect=parties(201, 201, 201)),
    Case("api.create_supervision", lambda w: _api(w, "/supervisions"), method="POST",
         json=lambda w: {"held_on": "2026-11-09", "minutes": 60}, expect=parties(201, 201, 403)),
    Case("api.create_checkin", lambda w: _api(w, "/checkins"), method="POST",
         json=lambda w: {"checked_on": "2026-11-09", "wellbeing": 3, "ratings": dict.fromkeys(PILLARS, 3)},
         expect=parties(201, 403, 403)),
]


def build(world) -> None:
    """An enrolment of the practitioner (preceptor and lead at home), with a session, a pause and a review,
    and the peer's moderated programme waiting for the panel."""
    from competency.preceptorship import catalogue, logs, reviews, services
    from competency.preceptorship.catalogue import shipped_specs
    from competency.preceptorship.models import PauseReason

    specs = {spec.slug: spec for spec in shipped_specs()}
    ahp, _ = catalogue.import_template(specs["ahp-preceptorship"], by=None)
    ot, _ = catalogue.import_template(specs["ot-social-care-asye"], by=None)
    world.enrolment = services.enrol(practitioner=world.practitioner, template=ahp, organisation=world.home,
                                     preceptor=world.preceptor, lead=world.lead, start_on=START, by=world.lead,
                                     on=START).enrolment
    world.supervision = logs.record_supervision(world.enrolment, held_on=date(2026, 11, 5), minutes=60,
                                                by=world.practitioner, on=date(2026, 11, 5))
    world.pause = services.record_pause(world.enrolment, start_on=date(2026, 11, 10), end_on=date(2026, 11, 12),
                                        reason=PauseReason.other, by=world.lead, on=date(2026, 11, 10))
    reviews.save_review(world.enrolment.milestone("learning_agreement"), by=world.practitioner, at=world.lead.created_at,
                        goals="Build confidence with home visits")
    reviews.save_review(world.enrolment.milestone("learning_agreement"), by=world.preceptor, at=world.lead.created_at,
                        preceptor_feedback="Agreed weekly supervision")
    world.moderated = services.enrol(practitioner=world.peer, template=ot, organisation=world.home,
                                     preceptor=world.preceptor, lead=world.lead, start_on=START, by=world.lead,
                                     on=START).enrolment
    # Set up directly: the final review signed by everyone, so the panel can decide.
    world.moderated.milestone("final_review").completed_on = START
