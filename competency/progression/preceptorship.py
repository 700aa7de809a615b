"""Handing a newly registered practitioner over to preceptorship.

Qualifying does not enrol anyone automatically: the organisation's leads choose the
programme and preceptor. This proposes the enrolment to them: a notification linking
to the preceptorship enrolment page, and an audit entry.
"""
from __future__ import annotations

from datetime import date

from competency.accounts.models import Organisation, User
from competency.audit.services import record_event
from competency.reminders.outbox import notify


def propose_preceptorship(person: User, organisation: Organisation, *, by: User, starts_on: date) -> None:
    """Tell every lead at ``organisation`` that ``person`` needs a preceptorship enrolment."""
    from competency.progression.services import leads_of
    from competency.reminders.sources.base import link_to

    link = link_to("programmes.enrol", "progression.list_people", organisation_id=organisation.id,
                   practitioner_id=person.id)
    for lead in leads_of(organisation.id):
        notify(lead, kind="preceptorship.proposed",
               title=f"Propose a preceptorship for {person.display_name}",
               body=(f"{person.display_name} qualified and registered on {starts_on:%-d %B %Y}. "
                     "Enrol them on a preceptorship programme and name a preceptor."),
               link=link,
               dedupe_key=f"preceptorship.proposed:{organisation.id}:{person.id}:{lead.id}")
    record_event("preceptorship.proposed", actor=by, organisation=organisation, subject=person,
                 subject_type="user_account", data={"user_id": person.id, "starts_on": starts_on.isoformat()})
