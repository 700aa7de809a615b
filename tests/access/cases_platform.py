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
    Case("auth.change_password", lambda w: "/profile/password"),
    Case("auth.change_password", lambda w: "/profile/password", method="POST", default=400,
         data=lambda w: {"current_password": "not-the-password", "password": "lantern-orchard-pebble",
                         "confirm": "lantern-orchard-pebble"}, id="auth.change_password-wrong"),
    Case("auth.sign_out_everywhere", lambda w: "/profile/sign-out-everywhere", method="POST", default=302),
    Case("admin.sign_out_everywhere", lambda w: f"/admin/organisations/{w.home.id}/people/{w.peer.id}/sign-out",
         method="POST", expect={**ADMIN_ONLY, "admin": 302}),
    # An organisation administrator cannot make themselves an analyst (or editor) through their organisation:
    # those are no longer organisation roles, so the form refuses the choice and nothing changes.
    Case("admin.person", lambda w: f"/admin/organisations/{w.home.id}/people/{w.admin.id}", method="POST",
         data=lambda w: {"roles": ["admin", "analyst"]}, expect={**ADMIN_ONLY, "admin": 400},
         id="admin.person-self-analyst"),
    # Platform roles: only platform administrators, and never for themselves.
    Case("platform.index", lambda w: "/platform/", default=403, expect={"platform_admin": 200}),
    Case("platform.grant_role", lambda w: "/platform/grants", method="POST", default=403,
         data=lambda w: {"email": w.peer.email, "role": "analyst", "region": w.home.region, "owner": "platform"},
         expect={"platform_admin": 302}),
    Case("platform.grant_role", lambda w: "/platform/grants", method="POST", default=403,
         data=lambda w: {"email": w.admin.email, "role": "analyst", "region": w.home.region},
         expect={"platform_admin": 302}, id="platform.grant_role-home-admin-as-analyst"),
    Case("platform.grant_role", lambda w: "/platform/grants", method="POST", default=403,
         data=lambda w: {"email": w.foreign_admin.email, "role": "framework_editor", "owner": str(w.foreign.id)},
         expect={"platform_admin": 302}, id="platform.grant_role-foreign-admin-as-editor"),
    Case("platform.grant_role", lambda w: "/platform/grants", method="POST", default=403,
         data=lambda w: {"email": w.platform_admin.email, "role": "trust_list_manager"},
         id="platform.grant_role-own"),
    Case("platform.revoke_grant", lambda w: f"/platform/grants/{w.spare_grant.id}/revoke", method="POST",
         default=403, expect={"platform_admin": 302}),
    Case("platform.revoke_grant", lambda w: f"/platform/grants/{w.platform_admin.platform_grants[0].id}/revoke",
         method="POST", default=403, id="platform.revoke_grant-own"),
    Case("api.get_me", lambda w: "/api/v1/me"),
    Case("api.openapi_document", lambda w: "/api/v1/openapi.json", anonymous=200),
]


def build(world) -> None:
    from competency.accounts.services import create_api_token
    from competency.platform.models import PlatformGrant, PlatformRole, scope_key

    world.practitioner_token, _ = create_api_token(world.practitioner, "matrix")
    from competency.extensions import db
    from tests.factories import UserFactory

    region = world.home.region
    world.spare_grant = PlatformGrant(user=UserFactory(), role=PlatformRole.analyst, region=region,
                                      scope_key=scope_key(PlatformRole.analyst, None, region))
    db.session.add(world.spare_grant)
