"""Sign-off as a conversation, the home page's links and inline file previews.

Built on the evidence world (cases_evidence): a request from the practitioner waits
for the home preceptor. Both sides (and a home lead, who may decide it) write in its
conversation; everyone else gets 404. Opening a notification is for its owner only.
"""
from __future__ import annotations

from tests.access.matrix import Case
from tests.access.cases_evidence import EVIDENCE_INSIDERS, hidden

CASES = [
    Case("home.open_notification", lambda w: f"/notifications/{w.notification_id}",
         expect={role: 404 for role in ("peer", "preceptor", "lead", "admin", "foreign_preceptor", "foreign_lead",
                                        "foreign_admin", "analyst", "editor")} | {"practitioner": 302}),
    Case("progress.new_requests", lambda w: "/progress/requests/new"),
    Case("review.post_message", lambda w: f"/review/requests/{w.pending_request.id}/messages", method="POST",
         data=lambda w: {"body": "Could you add the date of the visit?"},
         expect=hidden(practitioner=302, preceptor=302, lead=302)),
    Case("evidence.preview_file", lambda w: f"/evidence/{w.evidence.id}/files/{w.attachment.id}/preview",
         expect=hidden(**EVIDENCE_INSIDERS)),
    Case("api.get_signoff_request", lambda w: f"/api/v1/signoff-requests/{w.pending_request.id}",
         expect=hidden(**EVIDENCE_INSIDERS)),
    Case("api.post_signoff_message", lambda w: f"/api/v1/signoff-requests/{w.pending_request.id}/messages",
         method="POST", json=lambda w: {"body": "Added the visit date."},
         expect=hidden(practitioner=201, preceptor=201, lead=201)),
    Case("api.create_several_signoff_requests", lambda w: "/api/v1/signoff-requests/batch", method="POST",
         default=422, json=lambda w: {"items": [{"capability_id": w.spare_cap.uuid}], "assessor_id": w.preceptor.id},
         expect={"practitioner": 201}),
]


def build(world) -> None:
    from competency.reminders.outbox import notify

    note = notify(world.practitioner, kind="signoff_decided", title="Your request was returned",
                  link="/progress/requests")
    world.notification_id = note.id
