"""Reports: the organisation dashboard (leads and administrators) and the system view (analysts)."""
from __future__ import annotations

from tests.access.matrix import Case

LEADS = ("lead", "admin", "foreign_lead", "foreign_admin")
# Only an analyst grant opens the system view: other platform roles do not.
NOT_ANALYSTS = {"platform_admin": 403, "trust_list_manager": 403, "foreign_editor": 403}
OTHERS = ("practitioner", "peer", "preceptor", "foreign_preceptor", "analyst", "editor")


def dashboard(status: int, *, foreign: int | None = None) -> dict:
    expect = {role: status for role in LEADS}
    if foreign is not None:
        expect.update(foreign_lead=foreign, foreign_admin=foreign)
    return expect


CASES = [
    Case("reports.index", lambda w: "/reports/", default=403,
         expect={**dashboard(302), "analyst": 302, **NOT_ANALYSTS}),
    Case("reports.organisation", lambda w: "/reports/organisation", default=403, expect=dashboard(200)),
    Case("reports.organisation", lambda w: f"/reports/organisation?organisation={w.home.id}", default=403,
         expect=dashboard(200, foreign=404), id="reports.organisation-home"),
    Case("reports.organisation_csv", lambda w: "/reports/organisation/workforce-sectors.csv", default=403,
         expect=dashboard(200)),
    Case("reports.organisation_csv", lambda w: f"/reports/organisation/signoff-oldest.csv?organisation={w.home.id}",
         default=403, expect=dashboard(200, foreign=404), id="reports.organisation_csv-home"),
    Case("reports.system_view", lambda w: "/reports/system", default=403, expect={"analyst": 200, **NOT_ANALYSTS}),
    Case("reports.system_csv", lambda w: "/reports/system/workforce-organisations.csv", default=403,
         expect={"analyst": 200, **NOT_ANALYSTS}),
]
