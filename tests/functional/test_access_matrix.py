"""Every route x every role -> the expected status; a new route must be listed to pass."""
from __future__ import annotations

import importlib
import pkgutil
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

import tests.access
from competency.accounts.models import OrgKind, Role, Sector
from competency.accounts.services import create_api_token
from competency.extensions import db
from tests.access.matrix import LOGIN, ROLES, Case
from tests.conftest import csrf_token_from
from competency.platform.models import PlatformRole
from tests.factories import PASSWORD, OrganisationFactory, UserFactory, make_person

MODULES = [importlib.import_module(f"tests.access.{m.name}")
           for m in pkgutil.iter_modules(tests.access.__path__) if m.name.startswith("cases_")]
CASES: list[Case] = [case for module in MODULES for case in module.CASES]
BUILDERS = [module.build for module in MODULES if hasattr(module, "build")]


def platform_person(role, owner=None):
    """Someone who belongs to no organisation and holds one platform role."""
    from competency.platform.models import PlatformGrant, scope_key

    person = UserFactory()
    db.session.add(PlatformGrant(user=person, role=role, organisation=owner,
                                 scope_key=scope_key(role, owner.id if owner else None, None)))
    db.session.flush()
    return person


def build_world() -> SimpleNamespace:
    home = OrganisationFactory(name="Home Trust")
    foreign = OrganisationFactory(name="Foreign Council", kind=OrgKind.local_authority, sector=Sector.social_care)
    region = OrganisationFactory(name="Regional body", kind=OrgKind.regional_body)
    world = SimpleNamespace(home=home, foreign=foreign, region=region)
    world.practitioner = make_person("practitioner", home)
    world.peer = make_person("practitioner", home)
    world.preceptor = make_person("preceptor", home)
    world.lead = make_person(["lead", "preceptor"], home)
    world.admin = make_person("admin", home)
    world.foreign_preceptor = make_person("preceptor", foreign)
    world.foreign_lead = make_person(["lead", "preceptor"], foreign)
    world.foreign_admin = make_person("admin", foreign)
    world.analyst = make_person("analyst", region, employed=False)  # for the region home and region share
    world.editor = platform_person(PlatformRole.framework_editor, owner=region)
    world.foreign_editor = platform_person(PlatformRole.framework_editor, owner=foreign)
    world.trust_list_manager = platform_person(PlatformRole.trust_list_manager)
    world.platform_admin = platform_person(PlatformRole.platform_admin)
    for build in BUILDERS:
        build(world)
    db.session.flush()
    return world


class World:
    """The matrix world, built and committed once per module.

    ORM objects are kept as (class, primary key) and loaded again in each test's own
    session, so a test sees the world exactly as built, whatever earlier tests did
    inside their rolled-back transactions.
    """

    def __init__(self, built: SimpleNamespace):
        self._refs = {name: self._ref(value) for name, value in vars(built).items()}

    @staticmethod
    def _ref(value):
        if isinstance(value, list):
            return [World._ref(item) for item in value]
        if hasattr(value, "__mapper__"):
            return ("orm", type(value), sa.inspect(value).identity)
        return ("value", value)

    @staticmethod
    def _load(ref):
        if isinstance(ref, list):
            return [World._load(item) for item in ref]
        if ref[0] == "orm":
            return db.session.get(ref[1], ref[2])
        return ref[1]

    def __getattr__(self, name: str):
        try:
            ref = self._refs[name]
        except KeyError:
            raise AttributeError(name) from None
        return self._load(ref)


@pytest.fixture(scope="module")
def world(app):
    with app.app_context():
        built = build_world()
        db.session.commit()
        snapshot = World(built)
        db.session.remove()
    yield snapshot
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")


def test_every_route_is_in_the_matrix(app):
    listed = {case.endpoint for case in CASES}
    routes = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(routes - listed)
    assert not missing, f"Add these endpoints to a tests/access/cases_*.py module: {missing}"


def test_matrix_lists_only_real_routes(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules()}
    unknown = sorted({case.endpoint for case in CASES} - routes)
    assert not unknown, f"These matrix entries name no route: {unknown}"


PARAMS = [pytest.param(case, role, id=f"{case.id or case.endpoint}-{case.method}-{role}")
          for case in CASES for role in ROLES]


@pytest.mark.parametrize(("case", "role"), PARAMS)
def test_access(world, client, db, case: Case, role: str):
    headers = {}
    user = getattr(world, "editor" if role == "editor" else role, None) if role != "anonymous" else None
    if user is not None:
        if case.endpoint.startswith("api."):
            _, secret = create_api_token(user, "matrix")
            headers["Authorization"] = f"Bearer {secret}"
        else:
            page = client.get("/login")
            response = client.post("/login", data={"csrf_token": csrf_token_from(page.get_data(as_text=True)),
                                                   "email": user.email, "password": PASSWORD})
            assert response.status_code == 302, f"could not sign in as {role}"
    db.session.flush()
    url = case.url(world)
    if case.method == "GET":
        response = client.get(url, headers=headers)
    else:
        kwargs = {"headers": headers}
        if case.json is not None:
            kwargs["json"] = case.json(world)
        else:
            data = case.data(world) if case.data else {}
            if not case.endpoint.startswith("api."):
                token_page = client.get("/login" if user is None else "/")
                data = {"csrf_token": csrf_token_from(token_page.get_data(as_text=True)), **data}
            kwargs["data"] = data
        response = client.open(url, method=case.method, **kwargs)
    expected = case.expected(role)
    if expected == LOGIN:
        assert response.status_code == 302 and "/login" in response.headers["Location"], (
            f"{role} {case.method} {url}: expected a redirect to sign in, got {response.status_code}")
    else:
        assert response.status_code == expected, (
            f"{role} {case.method} {url}: expected {expected}, got {response.status_code}: "
            f"{response.get_data(as_text=True)[:300]}")
