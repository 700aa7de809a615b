"""Platform roles stand apart from organisation roles.

The attack this answers: the administrator of a private care provider, alone, discarded the ICS
faculty's framework draft, added an issuer to the shared trust list and made themselves the
region's analyst. Each of those now needs a platform role that only a platform administrator
grants (or the operator, at the command line), never to themselves; every grant is audited.
"""
from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
import sqlalchemy as sa

from competency.accounts.models import OrgKind, Sector
from competency.audit.models import AuditEvent
from competency.extensions import db
from competency.frameworks import queries, services
from competency.passport.models import TrustedIssuer
from competency.platform.models import PlatformGrant, PlatformRole
from tests.evidence_support import switch_user
from tests.factories import OrganisationFactory, UserFactory, make_person
from tests.unit.frameworks_helpers import SHIPPED, SLUG, import_shipped, shipped

REGION = "Solent and Downs"


@pytest.fixture
def region(db):
    """The ICS faculty owns the shared framework and has a draft waiting; a care provider in the region."""
    faculty = OrganisationFactory(name="ICS AHP Faculty", kind=OrgKind.regional_body, region=REGION)
    care = OrganisationFactory(name="Harbourside Care", kind=OrgKind.private_provider, sector=Sector.social_care,
                               region=REGION)
    published = import_shipped()
    published.framework.owner_id = faculty.id
    (spec,) = shipped().specs("framework")
    draft, _ = services.import_framework(replace(spec, version="1.1.0"), by=None)
    db.session.commit()
    return faculty, care, published, draft


def grant(person, role: PlatformRole, *, owner=None, region: str | None = None) -> None:
    from competency.platform import services

    services.grant_role(person, role, by=None, owner=owner, region=region)
    db.session.commit()


def events(action: str) -> list[AuditEvent]:
    return db.session.scalars(sa.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)).all()


class TestAnOrganisationAdministratorActsOnlyOnTheirOrganisation:
    def test_they_cannot_discard_or_publish_another_organisations_draft(self, region, login, browser):
        faculty, care, published, draft = region
        login(make_person("admin", care))

        assert browser.post(f"/frameworks/{SLUG}/versions/1.1.0/discard").status_code == 404
        assert browser.post(f"/frameworks/{SLUG}/versions/1.1.0/publish").status_code == 404
        assert browser.post(f"/frameworks/{SLUG}/versions/1.0.0/retire").status_code == 403
        assert browser.get("/frameworks/upload").status_code == 403
        db.session.expire_all()
        assert queries.version_by_number(queries.framework_by_slug(SLUG), "1.1.0") is not None

    def test_they_cannot_add_an_issuer_to_the_shared_trust_list(self, region, login, browser):
        _, care, _, _ = region
        login(make_person("admin", care))

        response = browser.post("/passport/trust-list", {"name": "Rogue issuer", "sector": "health",
                                                         "did": "did:web:rogue.example.org:orgs:x"})

        assert response.status_code == 403
        assert db.session.scalar(sa.select(sa.func.count(TrustedIssuer.id))) == 0

    def test_the_trust_list_service_itself_refuses_them(self, region):
        """Not only the page: any caller of the service (a CLI, a future API) meets the same rule."""
        from competency.errors import PermissionDenied
        from competency.passport import verifying

        _, care, _, _ = region
        admin = make_person("admin", care)
        with pytest.raises(PermissionDenied):
            verifying.add_trusted_issuer(did="did:web:rogue.example.org:orgs:x", name="Rogue issuer",
                                         sector=Sector.health, by=admin)
        keeper = make_person("practitioner", care)
        grant(keeper, PlatformRole.trust_list_manager)
        entry = verifying.add_trusted_issuer(did="did:web:known.example.org:orgs:y", name="Known issuer",
                                             sector=Sector.health, by=keeper)
        with pytest.raises(PermissionDenied):
            verifying.remove_trusted_issuer(entry, by=admin)

    def test_they_cannot_make_themselves_the_regions_analyst(self, region, login, browser):
        _, care, _, _ = region
        admin = login(make_person("admin", care))

        through_roles = browser.post(f"/admin/organisations/{care.id}/people/{admin.id}",
                                     {"roles": ["admin", "analyst"]})
        through_platform = browser.post("/platform/grants", {"email": admin.email, "role": "analyst",
                                                             "region": REGION})

        assert through_roles.status_code == 400 and "Choose roles from the list" in through_roles.get_data(as_text=True)
        assert through_platform.status_code == 403
        assert db.session.scalar(sa.select(sa.func.count(PlatformGrant.id))) == 0
        assert browser.get("/reports/system").status_code == 403

    def test_the_roles_an_organisation_administrator_can_give_are_organisation_roles_only(self, region, login,
                                                                                          browser):
        _, care, _, _ = region
        login(make_person("admin", care))

        page = browser.get(f"/admin/organisations/{care.id}").get_data(as_text=True)

        assert "Practitioner" in page and "Administrator" in page
        assert "Analyst" not in page and "Framework editor" not in page


class TestPlatformAdministrators:
    def test_a_platform_administrator_grants_a_role_that_works_and_is_audited(self, region, login, browser):
        faculty, care, _, _ = region
        boss = make_person("platform_admin", faculty)
        person = make_person("practitioner", care, display_name="Morgan Ellis")
        login(boss)

        page = browser.get("/platform/")
        assert page.status_code == 200 and "Nobody holds this role" in page.get_data(as_text=True)
        response = browser.submit("/platform/", {"email": person.email, "role": "analyst", "region": REGION,
                                                 "owner": "platform"}, post_url="/platform/grants")

        assert response.status_code == 302
        assert "Morgan Ellis is now analyst (Region: Solent and Downs)" in browser.get("/platform/").get_data(
            as_text=True)
        (event,) = events("platform.role_granted")[-1:]
        assert event.actor_id == boss.id and event.subject_id == str(person.id)
        assert event.data["role"] == "analyst" and event.data["region"] == REGION

        switch_user(browser.client, person)
        assert browser.get("/reports/system").status_code == 200

    def test_revoking_takes_the_access_away_and_is_audited(self, region, login, browser):
        faculty, care, _, _ = region
        boss = make_person("platform_admin", faculty)
        keeper = make_person("practitioner", care)
        grant(keeper, PlatformRole.trust_list_manager)
        login(keeper)
        assert browser.get("/passport/trust-list").status_code == 200

        switch_user(browser.client, boss)
        held = db.session.scalar(sa.select(PlatformGrant).filter_by(user_id=keeper.id))
        assert browser.post(f"/platform/grants/{held.id}/revoke").status_code == 302

        assert events("platform.role_revoked")[-1].data["role"] == "trust_list_manager"
        switch_user(browser.client, keeper)
        assert browser.get("/passport/trust-list").status_code == 403

    def test_nobody_changes_their_own_platform_roles(self, region, login, browser):
        faculty, _, _, _ = region
        boss = login(make_person("platform_admin", faculty))

        response = browser.post("/platform/grants", {"email": boss.email, "role": "trust_list_manager"})
        own = db.session.scalar(sa.select(PlatformGrant).filter_by(user_id=boss.id))
        revoked = browser.post(f"/platform/grants/{own.id}/revoke")

        assert response.status_code == 403
        assert "Nobody changes their own platform roles" in response.get_data(as_text=True)
        assert revoked.status_code == 403
        assert [g.role for g in db.session.scalars(sa.select(PlatformGrant).filter_by(user_id=boss.id))] == [
            PlatformRole.platform_admin]

    def test_a_framework_editor_needs_an_owner_and_an_analyst_a_real_region(self, region, login, browser):
        faculty, care, _, _ = region
        login(make_person("platform_admin", faculty))
        person = make_person("practitioner", care)

        no_region = browser.post("/platform/grants", {"email": person.email, "role": "analyst", "region": "Atlantis"})
        no_owner = browser.post("/platform/grants", {"email": person.email, "role": "framework_editor",
                                                     "owner": "999999"})
        nobody = browser.post("/platform/grants", {"email": "nobody@example.org", "role": "trust_list_manager"})

        assert no_region.status_code == 400 and "Choose a region" in no_region.get_data(as_text=True)
        assert no_owner.status_code == 400 and "Choose whose frameworks" in no_owner.get_data(as_text=True)
        assert nobody.status_code == 400 and "no account with this email" in nobody.get_data(as_text=True)
        assert db.session.scalar(sa.select(sa.func.count(PlatformGrant.id))) == 1  # the administrator's own


class TestFrameworkEditorsPerOwner:
    def test_an_editor_of_one_owner_cannot_change_another_owners_framework(self, region, login, browser):
        _, care, _, _ = region
        editor = make_person("practitioner", care)
        grant(editor, PlatformRole.framework_editor, owner=care)
        login(editor)

        assert browser.get(f"/frameworks/{SLUG}?version=1.1.0").status_code == 404
        assert browser.post(f"/frameworks/{SLUG}/versions/1.1.0/discard").status_code == 404
        text = (SHIPPED / "shared-capability-framework.yaml").read_text().replace('version: "1.0.0"',
                                                                                 'version: "2.0.0"')
        response = upload(browser, "takeover.yaml", text.encode())

        assert response.status_code == 403
        assert "belongs to ICS AHP Faculty" in response.get_data(as_text=True)
        assert queries.version_by_number(queries.framework_by_slug(SLUG), "2.0.0") is None

    def test_the_owners_editor_reviews_and_publishes_the_draft(self, region, login, browser):
        faculty, _, _, _ = region
        editor = UserFactory()
        grant(editor, PlatformRole.framework_editor, owner=faculty)
        login(editor)

        assert browser.get(f"/frameworks/{SLUG}/versions/1.1.0/review").status_code == 200
        confirm = browser.get(f"/frameworks/{SLUG}/versions/1.1.0/publish")
        assert confirm.status_code == 200
        impact = re.search(r'name="impact" value="([^"]+)"', confirm.get_data(as_text=True))[1]
        response = browser.post(f"/frameworks/{SLUG}/versions/1.1.0/publish", {"confirm": "yes", "impact": impact})
        assert response.status_code == 302
        db.session.expire_all()
        assert queries.current_version(queries.framework_by_slug(SLUG)).version == "1.1.0"

    def test_a_new_framework_belongs_to_its_editors_owner(self, region, login, browser):
        _, care, _, _ = region
        editor = UserFactory()
        grant(editor, PlatformRole.framework_editor, owner=care)
        login(editor)

        response = upload(browser, "care.yaml", new_framework("care-induction").encode())

        assert response.status_code == 302
        assert queries.framework_by_slug("care-induction").owner_id == care.id

    def test_an_editor_for_several_owners_chooses_one_for_a_new_framework(self, region, login, browser):
        faculty, care, _, _ = region
        editor = UserFactory()
        grant(editor, PlatformRole.framework_editor, owner=care)
        grant(editor, PlatformRole.framework_editor, owner=faculty)
        login(editor)

        page = browser.get("/frameworks/upload").get_data(as_text=True)
        unchosen = upload(browser, "new.yaml", new_framework("two-owners").encode(), owner="")
        chosen = upload(browser, "new.yaml", new_framework("two-owners").encode(), owner=str(faculty.id))

        assert "Owner of a new framework" in page
        assert unchosen.status_code == 422 and "Choose which owner" in unchosen.get_data(as_text=True)
        assert chosen.status_code == 302 and queries.framework_by_slug("two-owners").owner_id == faculty.id

    def test_shared_reference_lists_are_for_the_platforms_own_editors(self, region, login, browser):
        _, care, _, _ = region
        editor = UserFactory()
        grant(editor, PlatformRole.framework_editor, owner=care)
        login(editor)

        text = (SHIPPED / "external" / "care-certificate.yaml").read_text()
        response = upload(browser, "care-certificate.yaml", text.encode())

        assert response.status_code == 403 and "shared reference lists" in response.get_data(as_text=True)

    def test_the_api_applies_the_same_owner_rule(self, region, client, db):
        from competency.accounts.services import create_api_token

        _, care, _, _ = region
        editor = UserFactory()
        grant(editor, PlatformRole.framework_editor, owner=care)
        _, secret = create_api_token(editor, "ci")
        db.session.commit()
        headers = {"Authorization": f"Bearer {secret}"}

        publish = client.post(f"/api/v1/frameworks/{SLUG}/versions/1.1.0/publish", headers=headers)
        put = client.put(f"/api/v1/frameworks/{SLUG}/versions/1.0.0", headers=headers,
                         data={"file": (io.BytesIO(b"kind: framework"), "x.yaml")})

        assert publish.status_code == 404
        assert put.status_code == 403 and put.get_json()["rule"] == "not_framework_editor"


def upload(browser, name: str, content: bytes, **fields):
    from tests.conftest import csrf_token_from

    page = browser.get("/frameworks/upload")
    token = csrf_token_from(page.get_data(as_text=True))
    return browser.client.post("/frameworks/upload", data={"csrf_token": token, "file": (io.BytesIO(content), name),
                                                           **fields}, content_type="multipart/form-data")


def new_framework(slug: str) -> str:
    return f"""kind: framework
slug: {slug}
version: "1.0.0"
title: Care induction {slug}
pillars:
  - {{code: practice, name: Practice, abbreviation: PP}}
levels:
  - {{code: support, name: Support worker, abbreviation: SUP}}
capabilities:
  - code: PP-SUP-01
    pillar: practice
    level: support
    statement: Follows the care plan.
    guidance: An observation.
"""


class TestTheCommandLine:
    def test_the_operator_makes_the_first_platform_administrator_and_it_is_audited(self, app, db):
        person = UserFactory(email="first.admin@example.org")
        db.session.commit()
        runner = app.test_cli_runner()

        result = runner.invoke(args=["platform", "grant", person.email, "platform_admin"])

        assert result.exit_code == 0, result.output
        assert "is now Platform administrator (Whole installation)" in result.output
        event = events("platform.role_granted")[-1]
        assert event.actor_id is None and event.data["role"] == "platform_admin"
        listed = runner.invoke(args=["platform", "list"])
        assert "first.admin@example.org\tplatform_admin\tWhole installation" in listed.output

        result = runner.invoke(args=["platform", "revoke", person.email, "platform_admin"])
        assert result.exit_code == 0 and "is no longer Platform administrator" in result.output
        assert events("platform.role_revoked")[-1].data["role"] == "platform_admin"

    def test_scopes_are_checked(self, app, db, region):
        faculty, _, _, _ = region
        person = UserFactory(email="scoped@example.org")
        db.session.commit()
        runner = app.test_cli_runner()

        no_region = runner.invoke(args=["platform", "grant", person.email, "analyst"])
        wrong = runner.invoke(args=["platform", "grant", person.email, "trust_list_manager", "--region", REGION])
        editor = runner.invoke(args=["platform", "grant", person.email, "framework_editor", "--owner", faculty.slug])
        twice = runner.invoke(args=["platform", "grant", person.email, "framework_editor", "--owner", faculty.slug])
        unknown = runner.invoke(args=["platform", "grant", "nobody@example.org", "platform_admin"])

        assert no_region.exit_code != 0 and "needs --region" in no_region.output
        assert wrong.exit_code != 0 and "applies to analysts only" in wrong.output
        assert editor.exit_code == 0 and "Frameworks owned by ICS AHP Faculty" in editor.output
        assert twice.exit_code != 0 and "already holds this role" in twice.output
        assert unknown.exit_code != 0 and "No account" in unknown.output

    def test_set_owner_hands_a_framework_to_another_organisation(self, app, db, region):
        _, care, _, _ = region
        runner = app.test_cli_runner()

        result = runner.invoke(args=["platform", "set-owner", SLUG, care.slug])
        back = runner.invoke(args=["platform", "set-owner", SLUG])

        assert result.exit_code == 0 and "now owned by Harbourside Care" in result.output
        assert back.exit_code == 0 and "now owned by the platform" in back.output
        assert [e.data["after"] for e in events("framework.owner_changed")][-2:] == [care.id, None]


def test_the_demo_accounts_work_through_platform_roles(client, db, login, browser):
    """editor@ reviews the faculty's draft, analyst@ reads the region, platform@ keeps the trust list;
    admin@, administrator of three organisations, does none of it."""
    from competency.demo.accounts import seed_accounts
    from competency.demo.context import DemoContext
    from competency.demo.platform import seed_platform_roles
    from competency.frameworks.demo import DRAFT_VERSION, seed_frameworks

    ctx = DemoContext(password="correct-horse-battery")
    for step in (seed_accounts, seed_frameworks, seed_platform_roles):
        step(ctx)
    seed_platform_roles(ctx)  # idempotent
    db.session.commit()
    draft = f"/frameworks/shared-capability-framework/versions/{DRAFT_VERSION}/review"

    login(ctx.users["editor@demo.test"])
    assert browser.get(draft).status_code == 200
    switch_user(browser.client, ctx.users["analyst@demo.test"])
    assert browser.get("/reports/system").status_code == 200
    switch_user(browser.client, ctx.users["platform@demo.test"])
    assert browser.get("/passport/trust-list").status_code == 200
    assert browser.get("/platform/").status_code == 200
    switch_user(browser.client, ctx.users["admin@demo.test"])
    assert browser.get(draft).status_code == 404
    assert browser.get("/passport/trust-list").status_code == 403
    assert browser.get("/reports/system").status_code == 403
    assert browser.get("/platform/").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(PlatformGrant.id))) == 4
    described = dict(ctx.accounts)
    assert "framework editor for Solent and Downs ICS AHP Faculty" in described["editor@demo.test"]
