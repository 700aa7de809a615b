"""Vocabulary of the access matrix."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

# Who asks. "home" is the practitioner's organisation; "foreign" is another one.
ROLES = [
    "anonymous",
    "practitioner",       # owns the objects under test
    "peer",               # another practitioner at the same organisation
    "preceptor",          # preceptor at home
    "lead",               # lead at home
    "admin",              # admin at home
    "foreign_preceptor",  # preceptor at another organisation
    "foreign_lead",
    "foreign_admin",
    "analyst",            # platform role: analyst for the home region (aggregate figures only)
    "editor",             # platform role: framework editor for the regional body's frameworks
    "foreign_editor",     # platform role: framework editor for another owner's (the foreign organisation's)
    "trust_list_manager",  # platform role: keeps the installation's trust list
    "platform_admin",     # platform role: grants and revokes platform roles
    "granted_assessor",   # preceptor elsewhere holding a grant from home to assess some of its people
    "expired_assessor",   # preceptor elsewhere whose grant from home has ended
]
# Roles that behave like another on every route that does not list them: a granted assessor is a
# preceptor at another organisation everywhere except within their grant (tests/access/cases_workforce.py);
# people who hold only a platform role belong to no organisation, so they get what the analyst (the same
# kind of outsider) gets.
ROLE_FALLBACK = {"granted_assessor": "foreign_preceptor", "expired_assessor": "foreign_preceptor",
                 "foreign_editor": "analyst", "trust_list_manager": "analyst", "platform_admin": "analyst"}

LOGIN = "login"  # expected: redirect to the sign-in page


@dataclass
class Case:
    """One route. ``expect`` maps role -> status; roles not listed take ``default``.

    ``url`` and ``data`` receive the world (people, organisations and each area's objects).
    For anonymous web requests the default is a redirect to sign in; for the API, 401.
    """

    endpoint: str
    url: Callable[[SimpleNamespace], str]
    expect: dict[str, int | str] = field(default_factory=dict)
    default: int | str = 200
    method: str = "GET"
    data: Callable[[SimpleNamespace], dict] | None = None
    json: Callable[[SimpleNamespace], dict] | None = None
    anonymous: int | str | None = None
    id: str | None = None

    def expected(self, role: str) -> int | str:
        if role in self.expect:
            return self.expect[role]
        if role in ROLE_FALLBACK:
            return self.expected(ROLE_FALLBACK[role])
        if role == "anonymous":
            if self.anonymous is not None:
                return self.anonymous
            return 401 if self.endpoint.startswith("api.") else LOGIN
        return self.default


def staff_only(**overrides) -> dict:
    """Home staff may; practitioners and foreign staff get 404 (foreign objects are invisible)."""
    expect = {"practitioner": 404, "peer": 404, "foreign_preceptor": 404, "foreign_lead": 404,
              "foreign_admin": 404, "analyst": 404, "editor": 404}
    expect.update(overrides)
    return expect


def owner_only(**overrides) -> dict:
    """Only the owning practitioner may; everyone else gets 404."""
    expect = {role: 404 for role in ROLES if role not in ("anonymous", "practitioner")}
    expect.update(overrides)
    return expect
