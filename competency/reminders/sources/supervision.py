"""Supervision overdue by the programme's cadence: weekly while no session is recorded.

Reads ``Enrolment.next_supervision_due_on``, which the preceptorship services keep
(one interval after the last session, under the cadence rule of its phase, moved
by pauses). Stage ``overdue-N`` counts weeks late; recording a session moves the
due date, and a new due date starts its own reminders.
"""
from __future__ import annotations

from collections.abc import Sequence
import sqlalchemy as sa

from competency.accounts.models import User
from competency.extensions import db
from competency.preceptorship.models import Enrolment, EnrolmentStatus
from competency.reminders.models import ReminderItem, ReminderKind
from competency.reminders.sources.base import ON, ReminderText, Source, link_to, long_date, one_each, possessive, when
from competency.reminders.sources.milestones import paused_on
from competency.reminders.sqldates import days_between, weekly_stage


def supervision_due() -> sa.Select:
    e = Enrolment
    return (
        sa.select(e.id.label("item_id"), e.next_supervision_due_on.label("due_on"),
                  weekly_stage("overdue", days_between(e.next_supervision_due_on, ON)).label("stage"),
                  e.practitioner_id, e.preceptor_id)
        .where(e.status == EnrolmentStatus.active, e.next_supervision_due_on < ON, ~paused_on())
    )


def recipients(due: sa.Subquery) -> sa.Select:
    return one_each(due, "practitioner_id", "preceptor_id")


def describe(rows: Sequence[ReminderItem]) -> dict[tuple, ReminderText]:
    found = {
        enrolment.id: (enrolment, preceptee)
        for enrolment, preceptee in db.session.execute(
            sa.select(Enrolment, User.display_name).join(User, User.id == Enrolment.practitioner_id)
            .where(Enrolment.id.in_({row.item_id for row in rows}))
        )
    }
    texts = {}
    for row in rows:
        if row.item_id not in found:
            continue
        enrolment, preceptee = found[row.item_id]
        if enrolment.next_supervision_due_on != row.due_on:
            continue  # a session was recorded since planning
        whose = "Your" if row.user_id == enrolment.practitioner_id else possessive(preceptee)
        texts[row.id] = ReminderText(
            title=f"{whose} supervision is overdue",
            body=(f"Supervision was due on {long_date(row.due_on)} ({when(row.due_on, row.planned_on)}). "
                  "Book a session and record it on the programme."),
            link=link_to("programmes.timeline", enrolment_id=enrolment.id),
        )
    return texts


SOURCE = Source(kind=ReminderKind.supervision, label="Supervision",
                hint="Supervision sessions overdue under the programme's cadence, weekly.",
                due=supervision_due, recipients=recipients, describe=describe,
                several="Supervision is overdue on {n} programmes")
