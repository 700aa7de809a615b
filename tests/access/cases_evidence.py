"""Evidence, progress, review and their API routes.

The practitioner owns the evidence; a request citing it waits for the home
preceptor, and another capability is already signed off by that preceptor.
Home preceptors and leads see them through those requests; a preceptor or lead
elsewhere, a peer, the home administrator, the analyst and the editor get 404.
"""
from __future__ import annotations

import io

from tests.access.matrix import Case

OUTSIDERS = ("peer", "admin", "foreign_preceptor", "foreign_lead", "foreign_admin", "analyst", "editor")
NON_REVIEWERS = ("practitioner", "peer", "admin", "foreign_admin", "analyst", "editor")


def hidden(**overrides) -> dict:
    """Everyone outside the request gets 404; ``overrides`` set the insiders."""
    expect = {role: 404 for role in OUTSIDERS}
    expect.update(overrides)
    return expect


EVIDENCE_INSIDERS = dict(practitioner=200, preceptor=200, lead=200)
OWNER_ACTS = dict(practitioner=302, preceptor=403, lead=403)


def _file(w):
    return {"file": (io.BytesIO(b"Notes from supervision."), "notes.txt")}


CASES = [
    # Evidence pages.
    Case("evidence.list_evidence", lambda w: "/evidence/"),
    Case("evidence.new_evidence", lambda w: "/evidence/new"),
    Case("evidence.show_evidence", lambda w: f"/evidence/{w.evidence.id}", expect=hidden(**EVIDENCE_INSIDERS)),
    Case("evidence.edit_evidence", lambda w: f"/evidence/{w.evidence.id}/edit",
         expect=hidden(practitioner=200, preceptor=403, lead=403)),
    Case("evidence.delete_evidence", lambda w: f"/evidence/{w.spare_evidence.id}/delete", method="POST",
         expect=hidden(practitioner=302, preceptor=404, lead=404)),
    Case("evidence.upload_file", lambda w: f"/evidence/{w.evidence.id}/files", method="POST", data=_file,
         expect=hidden(**OWNER_ACTS)),
    Case("evidence.download_file", lambda w: f"/evidence/{w.evidence.id}/files/{w.attachment.id}",
         expect=hidden(**EVIDENCE_INSIDERS)),
    Case("evidence.delete_file", lambda w: f"/evidence/{w.evidence.id}/files/{w.attachment.id}/delete",
         method="POST", expect=hidden(**OWNER_ACTS)),
    # The practitioner's own progress and requests (always their own data).
    Case("progress.my_progress", lambda w: "/progress/"),
    Case("progress.show_capability", lambda w: f"/progress/capabilities/{w.pending_cap.uuid}"),
    Case("progress.new_request", lambda w: f"/progress/capabilities/{w.spare_cap.uuid}/request"),
    Case("progress.my_requests", lambda w: "/progress/requests"),
    Case("progress.withdraw_request", lambda w: f"/progress/requests/{w.pending_request.id}/withdraw",
         method="POST", expect=hidden(**OWNER_ACTS)),
    # Review.
    Case("review.queue", lambda w: "/review/", expect={role: 403 for role in NON_REVIEWERS}),
    Case("review.show_request", lambda w: f"/review/requests/{w.pending_request.id}",
         expect=hidden(**EVIDENCE_INSIDERS)),
    Case("review.decide_request", lambda w: f"/review/requests/{w.pending_request.id}/decision", method="POST",
         data=lambda w: {"decision": "sign", "comment": "Well evidenced"},
         expect=hidden(practitioner=403, preceptor=302, lead=302)),
    Case("review.show_signoff", lambda w: f"/review/signoffs/{w.signoff.id}", expect=hidden(**EVIDENCE_INSIDERS)),
    Case("review.revoke_signoff", lambda w: f"/review/signoffs/{w.signoff.id}/revoke", method="POST",
         data=lambda w: {"reason": "Signed in error"}, expect=hidden(practitioner=403, preceptor=302, lead=302)),
    # API.
    Case("api.create_evidence", lambda w: "/api/v1/evidence", method="POST", default=201,
         json=lambda w: {"kind": "cpd_record", "title": "Falls course", "occurred_on": "2026-09-01",
                         "text": "One-day course.", "capability_ids": [w.spare_cap.uuid]}),
    Case("api.get_evidence", lambda w: f"/api/v1/evidence/{w.evidence.id}", expect=hidden(**EVIDENCE_INSIDERS)),
    Case("api.upload_evidence_file", lambda w: f"/api/v1/evidence/{w.evidence.id}/files", method="POST",
         data=_file, expect=hidden(practitioner=201, preceptor=403, lead=403)),
    Case("api.create_signoff_request", lambda w: "/api/v1/signoff-requests", method="POST", default=422,
         json=lambda w: {"capability_id": w.spare_cap.uuid, "evidence_ids": [w.spare_evidence.id],
                         "assessor_id": w.preceptor.id},
         expect={"practitioner": 201}),
    Case("api.decide_signoff_request", lambda w: f"/api/v1/signoff-requests/{w.pending_request.id}/decision",
         method="POST", json=lambda w: {"decision": "sign", "comment": "Good"},
         expect=hidden(practitioner=422, preceptor=200, lead=200)),
    Case("api.withdraw_signoff_request", lambda w: f"/api/v1/signoff-requests/{w.pending_request.id}/withdraw",
         method="POST", expect=hidden(practitioner=200, preceptor=403, lead=403)),
    Case("api.list_my_signoffs", lambda w: "/api/v1/me/signoffs"),
    Case("api.revoke_signoff", lambda w: f"/api/v1/signoffs/{w.signoff.id}/revoke", method="POST",
         json=lambda w: {"reason": "Signed in error"}, expect=hidden(practitioner=403, preceptor=201, lead=201)),
]


def build(world) -> None:
    from competency.evidence import services as evidence_services
    from competency.signoff import services
    from competency.signoff.models import Outcome
    from tests.evidence_support import capability, log_evidence, make_framework

    version = make_framework()
    world.pending_cap = capability(version, "registered")
    world.signed_cap = capability(version, "registered", "leadership")
    world.spare_cap = capability(version, "support")
    world.evidence = log_evidence(world.practitioner, [world.pending_cap], title="Kitchen visit")
    world.signed_evidence = log_evidence(world.practitioner, [world.signed_cap], title="Team huddle")
    world.attachment = evidence_services.add_attachment(world.evidence, world.practitioner, filename="visit.txt",
                                                        data=b"Visit notes.")
    world.spare_evidence = log_evidence(world.practitioner, [world.spare_cap], title="Moving and handling course")
    signed = services.request_signoff(world.practitioner, world.signed_cap, [world.signed_evidence], world.preceptor)
    world.pending_request = services.request_signoff(world.practitioner, world.pending_cap, [world.evidence],
                                                     world.preceptor)
    services.decide(signed, world.preceptor, Outcome.sign, "Good practice")
    world.signoff = signed.signoff
