"""Grants and placements over the API: the same people may do the same things as on the pages
(tests/access/cases_workforce.py builds the grant and the placement). Objects the caller may
not see answer 404; ones they see but may not change, 403."""
from __future__ import annotations

from datetime import timedelta

from tests.access.cases_workforce import only
from tests.access.matrix import Case

CASES = [
    Case("api.list_grants", lambda w: "/api/v1/grants"),
    Case("api.get_grant", lambda w: f"/api/v1/grants/{w.grant.id}",
         expect=only({"lead": 200, "admin": 200, "granted_assessor": 200})),
    Case("api.create_grant", lambda w: "/api/v1/grants", method="POST", json=lambda w: {
        "kind": "assessor", "organisation_id": w.home.id, "email": w.foreign_preceptor.email,
        "grantee_organisation_id": w.foreign.id, "starts_on": w.today.isoformat(),
        "ends_on": (w.today + timedelta(days=90)).isoformat(), "reason": "Covering a vacancy."},
         expect=only({"lead": 201, "admin": 201})),
    Case("api.revoke_grant", lambda w: f"/api/v1/grants/{w.grant.id}/revoke", method="POST",
         json=lambda w: {"reason": "No longer needed"},
         expect=only({"lead": 200, "admin": 200, "granted_assessor": 403})),
    Case("api.list_placements", lambda w: "/api/v1/placements"),
    Case("api.get_placement", lambda w: f"/api/v1/placements/{w.placement.id}",
         expect=only({"preceptor": 200, "lead": 200, "admin": 200, "foreign_lead": 200, "foreign_admin": 200})),
    Case("api.create_placement", lambda w: "/api/v1/placements", method="POST", json=lambda w: {
        "organisation_id": w.home.id, "email": w.apprentice.email, "learner_kind": "apprentice",
        "home_organisation_id": w.foreign.id, "supervisor_id": w.preceptor.id, "starts_on": w.today.isoformat(),
        "ends_on": (w.today + timedelta(days=60)).isoformat()},
         expect=only({"lead": 201, "admin": 201})),
    Case("api.end_placement", lambda w: f"/api/v1/placements/{w.placement.id}/end", method="POST",
         json=lambda w: {"reason": "The student withdrew"},
         expect=only({"preceptor": 403, "lead": 200, "admin": 200, "foreign_lead": 200, "foreign_admin": 200})),
]
