"""Reports through the web: who sees what, the figures on the page and in CSV, and bounded queries."""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from flask import g

from competency.accounts.models import OrgKind, Sector
from tests.factories import PASSWORD, EmploymentFactory, MembershipFactory, OrganisationFactory, make_person
from tests.conftest import csrf_token_from
from tests.reports_support import region

SMALL = {"1", "2", "3", "4"}


def cells(html: str) -> list[str]:
    """The text of every table cell on a page."""
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, re.S)]


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


class TestOrganisationDashboard:
    def test_a_lead_sees_people_by_level_profession_and_sector_including_support_staff(self, client, db, login):
        council = OrganisationFactory(name="Downshire council", kind=OrgKind.local_authority,
                                      sector=Sector.social_care)
        lead = make_person(["lead", "preceptor"], council, profession="Occupational therapist")
        for level, profession in [("support", "Occupational therapy assistant"),
                                  ("senior_support", "Occupational therapy assistant"),
                                  ("senior_support", "Occupational therapy assistant"),
                                  ("pre_registration", "Occupational therapist"),
                                  ("registered", "Occupational therapist")]:
            make_person("practitioner", council, level_code=level, profession=profession)
        leaver = make_person("practitioner", council, employed=False, profession="Physiotherapist")
        EmploymentFactory(user=leaver, organisation=council, level_code="registered",
                          start_on=date(2020, 1, 1), end_on=date(2021, 1, 1))
        login(lead)
        page = client.get("/reports/organisation")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "<svg" in html and 'role="img"' in html
        rows = read_csv(client.get("/reports/organisation/workforce-professions.csv"))
        assert rows[0][0] == "Profession" and rows[0][-1] == "Total"
        by_profession = {r[0]: r for r in rows[1:]}
        header = rows[0]
        ota = by_profession["Occupational therapy assistant"]
        assert ota[header.index("Senior support worker / OT assistant")] == "2"
        assert ota[header.index("Support worker")] == "1"
        assert "Physiotherapist" not in by_profession  # the leaver's post has ended
        assert rows[-1][0] == "Total" and rows[-1][-1] == "6"  # five practitioners and the lead
        sectors = read_csv(client.get("/reports/organisation/workforce-sectors.csv"))
        assert sectors[0] == ["Level of practice", "Social care", "Total"]

    def test_the_dashboard_lists_the_oldest_waiting_requests_by_name(self, client, db, login):
        world = region(6, organisations=1)
        login(world.lead)
        html = client.get("/reports/organisation").get_data(as_text=True)
        assert "The longest-waiting requests" in html
        assert "Practitioner " in html  # the generated people are named "Practitioner <id>"

    def test_a_lead_can_narrow_to_one_of_their_organisations_but_not_another(self, client, db, login):
        trust, council, elsewhere = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
        lead = make_person("lead", trust)
        MembershipFactory(user=lead, organisation=council, role="lead")
        login(lead)
        assert client.get(f"/reports/organisation?organisation={council.id}").status_code == 200
        assert client.get(f"/reports/organisation?organisation={elsewhere.id}").status_code == 404
        assert client.get(f"/reports/organisation/workforce-sectors.csv?organisation={elsewhere.id}").status_code == 404

    def test_practitioners_cannot_open_reports(self, client, db, login_as):
        login_as("practitioner")
        assert client.get("/reports/organisation").status_code == 403
        assert client.get("/reports/system").status_code == 403
        assert client.get("/reports/").status_code == 403

    def test_an_unknown_table_is_not_found(self, client, db, login_as):
        login_as("lead")
        assert client.get("/reports/organisation/nothing-here.csv").status_code == 404


class TestSystemView:
    def test_no_page_or_csv_of_the_system_view_contains_a_count_from_one_to_four(self, client, db, login):
        world = region(40, organisations=4)
        login(world.analyst)
        page = client.get("/reports/system")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        shown = cells(html)
        assert "<5" in [c.replace("&lt;", "<") for c in shown], "the dataset should have small numbers to hide"
        assert not SMALL & set(shown), [c for c in shown if c in SMALL]
        keys = set(re.findall(r"/reports/system/([a-z-]+)\.csv", html))
        assert len(keys) >= 10
        for key in keys:
            for row in read_csv(client.get(f"/reports/system/{key}.csv")):
                assert not SMALL & set(row), (key, row)

    def test_the_system_view_names_nobody(self, client, db, login):
        world = region(12, organisations=3)
        login(world.analyst)
        html = client.get("/reports/system").get_data(as_text=True)
        assert "Practitioner " not in html and "Preceptor " not in html
        assert world.practitioner.display_name not in html

    def test_an_analyst_sees_only_the_organisations_of_their_region(self, client, db, login):
        world = region(9, organisations=3)
        outsider = OrganisationFactory(name="Trust in another region", region="Elsewhere ICS")
        make_person("practitioner", outsider)
        login(world.analyst)
        html = client.get("/reports/system").get_data(as_text=True)
        for org in world.orgs:
            assert org.name in html
        assert "Trust in another region" not in html

    def test_a_region_with_no_organisations_yet_shows_empty_tables(self, client, db, login):
        body = OrganisationFactory(name="New ICS faculty", kind=OrgKind.regional_body, region="New ICS")
        analyst = make_person("analyst", body, employed=False)
        login(analyst)
        page = client.get("/reports/system")
        assert page.status_code == 200
        assert "Nothing recorded yet." in page.get_data(as_text=True)

    def test_leads_cannot_open_the_system_view(self, client, db, login_as):
        login_as("lead")
        assert client.get("/reports/system").status_code == 403
        assert client.get("/reports/system/workforce-sectors.csv").status_code == 403


def statements_for(app, db, person, count_queries, url: str) -> int:
    """Sign ``person`` in on a fresh client, then count the statements of one request for ``url``."""
    db.session.commit()
    # Requests share the test's app context: forget the last request's user and CSRF token.
    for key in ("_login_user", "csrf_token"):
        g.pop(key, None)
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    signed_in = client.post("/login", data={"csrf_token": token, "email": person.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    client.get(url)  # warm caches (pathway catalogue, templates)
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


@pytest.mark.parametrize("url", ["/reports/organisation", "/reports/organisation/workforce-professions.csv",
                                 "/reports/organisation/signoff-oldest.csv"])
def test_dashboard_statement_count_is_the_same_at_10_and_100_people(app, db, count_queries, url):
    small = region(10)
    big = region(100, region_name="Bigger region")
    at_10 = statements_for(app, db, small.lead, count_queries, url)
    at_100 = statements_for(app, db, big.lead, count_queries, url)
    assert at_10 == at_100, f"{url}: {at_10} statements at 10 people, {at_100} at 100"


@pytest.mark.parametrize("url", ["/reports/system", "/reports/system/workforce-organisations.csv"])
def test_system_view_statement_count_is_the_same_at_10_and_100_people(app, db, count_queries, url):
    small = region(10)
    big = region(100, region_name="Bigger region")
    at_10 = statements_for(app, db, small.analyst, count_queries, url)
    at_100 = statements_for(app, db, big.analyst, count_queries, url)
    assert at_10 == at_100, f"{url}: {at_10} statements at 10 people, {at_100} at 100"
