"""Newly registered starters not enrolled on a preceptorship within 60 days, listed to their leads.

The daily check (HIoW charter: every preceptee starts a programme within two months
of starting). Reads :func:`competency.preceptorship.starters.not_enrolled_within_60_days`;
every active lead of the employer is told, on day 61 and then weekly (``late-N``)
until the person is enrolled, the post ends or the first year is over. Enrolling
them stops it (the query no longer finds them).
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from competency.accounts.models import Employment, Membership, Organisation, Role, User
from competency.extensions import db
from competency.preceptorship.starters import ENROL_WITHIN_DAYS, not_enrolled_within_60_days
from competency.reminders.models import ReminderItem, ReminderKind
from competency.reminders.sources.base import ON, ReminderText, Source, link_to, long_date
from competency.reminders.sqldates import add_days, days_between, weekly_stage


def starters_due() -> sa.Select:
    starters = not_enrolled_within_60_days(ON).subquery("starters")
    due = add_days(starters.c.start_on, ENROL_WITHIN_DAYS)
    return sa.select(starters.c.employment_id.label("item_id"), due.label("due_on"),
                     weekly_stage("late", days_between(due, ON)).label("stage"),
                     starters.c.organisation_id, starters.c.user_id.label("starter_id"))


def recipients(due: sa.Subquery) -> sa.Select:
    """Every active lead of the employer (other than the starter)."""
    return (
        sa.select(due.c.item_id, due.c.due_on, due.c.stage, Membership.user_id.label("user_id"))
        .join(Membership, sa.and_(Membership.organisation_id == due.c.organisation_id,
                                  Membership.role == Role.lead, Membership.is_active.is_(True)))
        .where(Membership.user_id != due.c.starter_id)
    )


def describe(rows: Sequence[ReminderItem]) -> dict[tuple, ReminderText]:
    found = {
        employment.id: (employment, person, organisation)
        for employment, person, organisation in db.session.execute(
            sa.select(Employment, User, Organisation).join(User, User.id == Employment.user_id)
            .join(Organisation, Organisation.id == Employment.organisation_id)
            .where(Employment.id.in_({row.item_id for row in rows})))
    }
    texts = {}
    for row in rows:
        if row.item_id not in found:
            continue
        employment, person, organisation = found[row.item_id]
        days = (row.planned_on - employment.start_on).days
        texts[row.id] = ReminderText(
            title=f"{person.display_name} is not on a preceptorship yet",
            body=(f"{person.display_name} started as {employment.role_title} at {organisation.name} on "
                  f"{long_date(employment.start_on)}, {days} days ago, and is newly registered. Programmes should "
                  f"start within {ENROL_WITHIN_DAYS} days: enrol them and name a preceptor."),
            link=link_to("programmes.enrol", organisation_id=organisation.id, practitioner_id=person.id),
            context={"milestone_title": "preceptorship enrolment", "stage": row.stage},
        )
    return texts


SOURCE = Source(kind=ReminderKind.not_enrolled, label="Starter not enrolled",
                hint="Newly registered starters with no preceptorship 60 days after starting, weekly until enrolled.",
                due=starters_due, recipients=recipients, describe=describe,
                several="{n} newly registered starters are not on a preceptorship yet")
