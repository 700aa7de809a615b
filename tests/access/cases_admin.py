"""Organisation settings (the organisation's own words): its administrators only.

The other admin routes are in cases_platform.py; these are kept apart so that the two can change
without meeting.
"""
from __future__ import annotations

from tests.access.cases_platform import ADMIN_ONLY
from tests.access.matrix import Case


def _settings_form(w) -> dict:
    from competency.accounts.organisation_settings import current_words, fingerprint

    return {"people_served": "patient", "other_word": "", "people_served_plural": "",
            "role_titles": "Occupational Therapist", "grades": "Band 5",
            "based_on": fingerprint(current_words(w.home))}


CASES = [
    Case("admin.edit_settings", lambda w: f"/admin/organisations/{w.home.id}/settings",
         expect=ADMIN_ONLY),
    Case("admin.edit_settings", lambda w: f"/admin/organisations/{w.home.id}/settings",
         method="POST", data=_settings_form, expect={**ADMIN_ONLY, "admin": 302}),
    # Nothing chosen: the form is shown again with its problems, to the administrator only.
    Case("admin.edit_settings", lambda w: f"/admin/organisations/{w.home.id}/settings",
         method="POST", data=lambda w: {"role_titles": "OT"}, expect={**ADMIN_ONLY, "admin": 400},
         id="admin.edit_settings-empty"),
]
