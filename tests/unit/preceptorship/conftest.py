"""A council with a lead, a preceptor and a newly registered practitioner, and the shipped templates."""
from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest

from competency.accounts.models import OrgKind, Sector
from competency.preceptorship import catalogue
from tests.factories import EmploymentFactory, OrganisationFactory, make_person

START = date(2027, 1, 4)
AT = datetime(2027, 1, 4, 12, tzinfo=timezone.utc)


@pytest.fixture
def templates(db):
    return {version.template.slug: version for version in catalogue.ensure_shipped_templates()}


@pytest.fixture
def team(db, templates):
    council = OrganisationFactory(name="Downshire County Council", kind=OrgKind.local_authority,
                                  sector=Sector.social_care)
    lead = make_person(["lead", "preceptor"], council, display_name="Priya Lead")
    preceptor = make_person("preceptor", council, display_name="Tom Preceptor", profession="Physiotherapist")
    practitioner = make_person("practitioner", council, employed=False, display_name="Sam Preceptee",
                               registration_body="HCPC", registration_number="OT99876",
                               registered_on=date(2026, 12, 1))
    EmploymentFactory(user=practitioner, organisation=council, start_on=date(2026, 12, 14), fte=1.0)
    from competency.extensions import db as _db
    _db.session.refresh(practitioner)
    return SimpleNamespace(org=council, lead=lead, preceptor=preceptor, practitioner=practitioner,
                           templates=templates)


@pytest.fixture
def enrol(team):
    from competency.preceptorship import services

    def _enrol(template: str = "ahp-preceptorship", start_on: date = START, fte: float | None = 1.0, **kwargs):
        result = services.enrol(
            practitioner=kwargs.pop("practitioner", team.practitioner), template=team.templates[template],
            organisation=team.org, preceptor=kwargs.pop("preceptor", team.preceptor), lead=team.lead,
            start_on=start_on, fte=fte, by=kwargs.pop("by", team.lead), on=kwargs.pop("on", start_on), **kwargs)
        return result.enrolment

    return _enrol
