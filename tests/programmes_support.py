"""Scenario builders for programme tests: a council team, the shipped templates, enrolments."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from competency.accounts.models import OrgKind, Sector
from competency.extensions import db
from competency.preceptorship import catalogue, services
from tests.factories import EmploymentFactory, OrganisationFactory, make_person

START = date(2027, 1, 4)


def shipped_templates() -> dict:
    return {version.template.slug: version for version in catalogue.ensure_shipped_templates()}


def make_team(templates: dict | None = None, organisation=None, *, employment_start: date = date(2026, 12, 14),
              **practitioner_kwargs) -> SimpleNamespace:
    """A lead (also a preceptor), a preceptor of another profession and a newly registered OT."""
    organisation = organisation or OrganisationFactory(name="Downshire County Council",
                                                       kind=OrgKind.local_authority, sector=Sector.social_care)
    lead = make_person(["lead", "preceptor"], organisation, display_name="Priya Lead")
    preceptor = make_person("preceptor", organisation, display_name="Tom Preceptor", profession="Physiotherapist")
    practitioner_kwargs.setdefault("display_name", "Sam Preceptee")
    practitioner = make_person("practitioner", organisation, employed=False, registration_body="HCPC",
                               registration_number=f"OT9{organisation.id:04d}", registered_on=date(2026, 12, 1),
                               **practitioner_kwargs)
    EmploymentFactory(user=practitioner, organisation=organisation, start_on=employment_start, fte=1.0)
    db.session.flush()
    db.session.refresh(practitioner)
    return SimpleNamespace(org=organisation, lead=lead, preceptor=preceptor, practitioner=practitioner,
                           templates=templates if templates is not None else shipped_templates())


def enrol_on(team, template: str = "ahp-preceptorship", start_on: date = START, fte: float | None = 1.0,
             practitioner=None, on: date | None = None, **kwargs):
    return services.enrol(practitioner=practitioner or team.practitioner, template=team.templates[template],
                          organisation=team.org, preceptor=kwargs.pop("preceptor", team.preceptor),
                          lead=team.lead, start_on=start_on, fte=fte, by=kwargs.pop("by", team.lead),
                          on=on or start_on, **kwargs).enrolment
