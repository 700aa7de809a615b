"""Scenario builders for evidence and sign-off tests: a small published framework and the people around a preceptee."""
from __future__ import annotations

import itertools
from datetime import date
from types import SimpleNamespace

from competency.db import utcnow
from competency.evidence import services as evidence_services
from competency.evidence.models import EvidenceKind
from competency.extensions import db
from competency.frameworks import identifiers as ids
from competency.frameworks.models import Capability, Framework, FrameworkVersion, Level, Pillar, VersionStatus
from tests.factories import OrganisationFactory, make_person

LEVELS = [("support", "Support worker"), ("senior_support", "Senior support worker"),
          ("assistant_practitioner", "Assistant practitioner"), ("pre_registration", "Pre-registration learner"),
          ("registered", "Registered practitioner"), ("enhanced", "Enhanced practitioner"),
          ("advanced", "Advanced practitioner"), ("consultant", "Consultant practitioner")]
PILLARS = [("professional_practice", "Professional practice", "PP"), ("leadership", "Leadership", "LD")]
_SLUGS = itertools.count(1)


def make_framework(*, per_cell: int = 1, pillars=PILLARS, slug: str | None = None,
                   status: VersionStatus = VersionStatus.published, version_number: str = "1.0.0") -> FrameworkVersion:
    """A framework version with every pillar x level cell holding ``per_cell`` capabilities."""
    slug = slug or f"test-framework-{next(_SLUGS)}"
    framework = db.session.query(Framework).filter_by(slug=slug).one_or_none()
    if framework is None:
        framework = Framework(slug=slug, uuid=ids.framework_uuid(slug), title=f"Framework {slug}")
        db.session.add(framework)
    version = FrameworkVersion(framework=framework, uuid=ids.version_uuid(slug, version_number),
                               version=version_number, title=f"Framework {slug}", status=VersionStatus.draft,
                               changed_at=utcnow())
    db.session.add(version)
    pillar_rows = [Pillar(version=version, uuid=ids.pillar_uuid(slug, code), code=code, name=name, abbreviation=abbr,
                          position=i) for i, (code, name, abbr) in enumerate(pillars, start=1)]
    level_rows = [Level(version=version, uuid=ids.level_uuid(slug, code), code=code, name=name, position=i)
                  for i, (code, name) in enumerate(LEVELS, start=1)]
    position = itertools.count(1)
    for pillar in pillar_rows:
        for level in level_rows:
            for n in range(1, per_cell + 1):
                code = f"{pillar.abbreviation}-{level.position}-{n:02d}"
                db.session.add(Capability(
                    version=version, uuid=ids.capability_uuid(slug, code), code=code, pillar=pillar, level=level,
                    statement=f"Statement for {code}", guidance="", position=next(position)))
    db.session.flush()
    if status != VersionStatus.draft:
        version.status = VersionStatus.published
        version.published_at = utcnow()
        db.session.flush()
    if status == VersionStatus.retired:
        version.status = VersionStatus.retired
        version.retired_at = utcnow()
        db.session.flush()
    return version


def capability(version: FrameworkVersion, level_code: str, pillar_code: str = "professional_practice",
               n: int = 1) -> Capability:
    return next(c for c in version.capabilities
                if c.level.code == level_code and c.pillar.code == pillar_code and c.code.endswith(f"-{n:02d}"))


def log_evidence(owner, capabilities=(), *, title: str = "Home visit reflection", kind=EvidenceKind.reflection,
                 text: str = "What I did and learned.", occurred_on: date = date(2026, 10, 1), **kwargs):
    return evidence_services.create_evidence(
        owner, kind=kind, title=title, occurred_on=occurred_on, text=text,
        capability_uuids=[c.uuid for c in capabilities], **kwargs)


def signoff_world(**framework_kwargs) -> SimpleNamespace:
    """A council with a registered preceptee, their (enhanced) preceptor, a lead, a peer, and a framework."""
    org = OrganisationFactory(name="Downshire test council")
    other = OrganisationFactory(name="Elsewhere trust")
    world = SimpleNamespace(org=org, other=other, version=make_framework(**framework_kwargs))
    world.practitioner = make_person("practitioner", org, level_code="registered", display_name="Sam Preceptee")
    world.peer = make_person("practitioner", org, level_code="registered")
    world.preceptor = make_person("preceptor", org, level_code="enhanced", display_name="Tom Preceptor")
    world.lead = make_person(["lead", "preceptor"], org, level_code="advanced", display_name="Priya Lead")
    world.foreign_preceptor = make_person("preceptor", other, level_code="enhanced")
    world.registered_cap = capability(world.version, "registered")
    world.support_cap = capability(world.version, "support")
    world.advanced_cap = capability(world.version, "advanced")
    return world


def switch_user(client, user) -> None:
    """Sign out whoever is signed in (a real POST with its CSRF token) and sign ``user`` in."""
    from tests.conftest import csrf_token_from
    from tests.factories import PASSWORD

    home = client.get("/")
    if 'action="/logout"' in home.get_data(as_text=True):
        client.post("/logout", data={"csrf_token": csrf_token_from(home.get_data(as_text=True))})
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf_token_from(page.get_data(as_text=True)),
                                           "email": user.email, "password": PASSWORD})
    assert response.status_code == 302, f"could not sign in as {user.email}"
