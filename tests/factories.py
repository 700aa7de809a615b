"""factory_boy factories and scenario builders. Objects are flushed, never committed."""
from __future__ import annotations

import itertools
from datetime import date

import factory
from factory.alchemy import SQLAlchemyModelFactory

from competency.accounts.models import Employment, Membership, Organisation, OrgKind, Role, Sector, User
from competency.accounts.passwords import hash_password
from competency.extensions import db

PASSWORD = "correct-horse-battery"
_REGISTRATION_NUMBERS = itertools.count(10000)
_PASSWORD_HASH: list[str] = []


def _password_hash() -> str:
    if not _PASSWORD_HASH:
        _PASSWORD_HASH.append(hash_password(PASSWORD))
    return _PASSWORD_HASH[0]


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class OrganisationFactory(BaseFactory):
    class Meta:
        model = Organisation

    slug = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrgKind.nhs_trust
    sector = Sector.health
    region = "Test region"
    settings = factory.LazyFunction(dict)


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    password_hash = factory.LazyFunction(_password_hash)
    profession = "Occupational therapist"
    preferences = factory.LazyFunction(dict)


class MembershipFactory(BaseFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.practitioner


class EmploymentFactory(BaseFactory):
    class Meta:
        model = Employment

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role_title = "Occupational Therapist"
    level_code = "registered"
    band_label = "Band 5"
    start_on = date(2025, 1, 6)
    fte = 1.0


LEVEL_FOR_ROLE = {"practitioner": "registered", "preceptor": "enhanced", "lead": "advanced",
                  "admin": "advanced", "analyst": "advanced", "framework_editor": "advanced",
                  "trust_list_manager": "advanced", "platform_admin": "advanced"}


def make_person(
    role: str | Role | list,
    organisation: Organisation | None = None,
    *,
    employed: bool = True,
    registered: bool | None = None,
    level_code: str | None = None,
    **user_kwargs,
) -> User:
    """A person with ``role`` (or several) at ``organisation``, employed there, registered when staff.

    Platform roles are granted too: ``analyst`` for ``organisation``'s region, ``framework_editor``
    for the platform's own frameworks (those no organisation owns), ``trust_list_manager`` and
    ``platform_admin`` installation-wide.
    """
    from competency.platform.models import PlatformGrant, PlatformRole, scope_key

    wanted = role if isinstance(role, list) else [role]
    platform = [PlatformRole(r) for r in wanted if not isinstance(r, Role) and r in PlatformRole._value2member_map_]
    roles = [Role(r) if not isinstance(r, Role) else r for r in wanted
             if isinstance(r, Role) or r not in PlatformRole._value2member_map_]
    organisation = organisation or OrganisationFactory()
    if registered is None:
        registered = any(r in (Role.preceptor, Role.lead) for r in roles)
    if registered:
        user_kwargs.setdefault("registration_body", "HCPC")
        user_kwargs.setdefault("registration_number", f"OT{next(_REGISTRATION_NUMBERS):05d}")
        user_kwargs.setdefault("registered_on", date(2015, 9, 1))
    user = UserFactory(**user_kwargs)
    for r in roles:
        MembershipFactory(user=user, organisation=organisation, role=r)
    for r in platform:
        region = organisation.region if r == PlatformRole.analyst else None
        db.session.add(PlatformGrant(user=user, role=r, region=region, scope_key=scope_key(r, None, region)))
    if employed:
        first = roles[0].value if roles else platform[0].value
        EmploymentFactory(user=user, organisation=organisation, level_code=level_code or LEVEL_FOR_ROLE[first])
    db.session.flush()
    db.session.refresh(user)
    return user
