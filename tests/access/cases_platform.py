"""Foundation routes: home, auth, profile, notifications, admin, API base."""
from __future__ import annotations

from tests.access.matrix import LOGIN, Case

EVERYONE = 200
ADMIN_ONLY = {"practitioner": 404, "peer": 404, "preceptor": 404, "lead": 404, "foreign_preceptor": 404,
              "foreign_lead": 404, "foreign_admin": 404, "analyst": 404, "editor": 404}

CASES = [
    Case("home.index", lambda w: "/", anonymous=200),
    Case("home.healthz", lambda w: "/healthz", anonymous=200),
    Case("home.design_system_asset", lambda w: "/assets/images/favicon.ico", anonymous=200),
    Case("static", lambda w: "/static/css/app.css", anonymous=200),
    Case("home.notifications", lambda w: "/notifications"),
    Case("home.mark_notifications_read", lambda w: "/notifications/read", method="POST", default=302),
    Case("auth.login", lambda w: "/login", anonymous=200, default=302),
    Case("auth.logout", lambda w: "/logout", method="POST", anonymous=302, default=302),
    Case("auth.forgot_password", lambda w: "/forgot-password", anonymous=200),
    Case("auth.reset_password", lambda w: "/reset-password/not-a-real-token", anonymous=404, default=404),
    Case("auth.accept_invitation", lambda w: "/invitations/not-a-real-token", anonymous=404, default=404),
    Case("auth.profile", lambda w: "/profile"),
    Case("auth.create_token", lambda w: "/profile/tokens", method="POST", data=lambda w: {"name": "script"}),
    Case("auth.revoke_token", lambda w: f"/profile/tokens/{w.practitioner_token.id}/revoke", method="POST",
         expect={"practitioner": 302}, default=404),
    Case("admin.index", lambda w: "/admin/", default=403, expect={"admin": 302, "foreign_admin": 302}),
    Case("admin.organisation", lambda w: f"/admin/organisations/{w.home.id}", expect=ADMIN_ONLY),
    Case("admin.invite", lambda w: f"/admin/organisations/{w.home.id}/invitations", method="POST",
         data=lambda w: {"email": "new.person@example.org", "roles": ["practitioner"]},
         expect={**ADMIN_ONLY, "admin": 302}),
    Case("admin.person", lambda w: f"/admin/organisations/{w.home.id}/people/{w.practitioner.id}",
         expect=ADMIN_ONLY),
    Case("admin.add_employment",
         lambda w: f"/admin/organisations/{w.home.id}/people/{w.practitioner.id}/employments", method="POST",
         data=lambda w: {"role_title": "OT", "level_code": "registered", "start_on": "2026-01-05", "fte": "1"},
         expect={**ADMIN_ONLY, "admin": 302}),
    Case("admin.toggle_active", lambda w: f"/admin/organisations/{w.home.id}/people/{w.peer.id}/active",
         method="POST", expect={**ADMIN_ONLY, "admin": 302}),
    Case("api.get_me", lambda w: "/api/v1/me"),
    Case("api.openapi_document", lambda w: "/api/v1/openapi.json", anonymous=200),
]


def build(world) -> None:
    from competency.accounts.services import create_api_token

    world.practitioner_token, _ = create_api_token(world.practitioner, "matrix")
