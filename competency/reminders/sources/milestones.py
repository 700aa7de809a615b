"""Preceptorship milestones: due in 14 days, in 3 days, today, then weekly while overdue.

Reads ``EnrolmentMilestone.due_on``, which the preceptorship services store
(stretched for part-time FTE and moved by pauses). Stages are windows, so a
day the planner did not run is caught up the next day with the stage that
applies then (never a burst of stale ones):

* ``due-14``: due in 4 to 14 days
* ``due-3``: due in 1 to 3 days
* ``due-today``: due today
* ``overdue-N``: N weeks late (days 1-7 late are week 1, days 8-14 week 2, ...)

Both the preceptee and the preceptor are reminded. Nothing is planned for a
milestone that is done or optional, or while the enrolment is paused, withdrawn
or completed (except follow-up milestones due after completion).

"Done" and "ended" are read as of the planning day (done on or before it), so
planning a past day (``flask reminders plan --on``) sees what was open then.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa

from competency.accounts.models import User
from competency.extensions import db
from competency.preceptorship.models import (Enrolment, EnrolmentMilestone, EnrolmentPause, EnrolmentStatus,
                                             TemplateMilestone)
from competency.reminders.models import ReminderItem, ReminderKind
from competency.reminders.sources.base import (ON, ReminderText, Source, day_param, link_to, long_date, one_each,
                                               possessive, when)
from competency.reminders.sqldates import days_between, weekly_stage

FIRST_NOTICE_DAYS = 14
SECOND_NOTICE_DAYS = 3


def paused_on(on=ON):
    return sa.exists().where(EnrolmentPause.enrolment_id == Enrolment.id, EnrolmentPause.start_on <= on,
                             EnrolmentPause.end_on >= on)


def due_stage(due_on=EnrolmentMilestone.due_on):
    """The stage for a date column: due-14, due-3, due-today or overdue-N (also used for other reviews)."""
    return sa.case(
        (due_on > day_param("second_notice_on"), sa.literal(f"due-{FIRST_NOTICE_DAYS}")),
        (due_on > ON, sa.literal(f"due-{SECOND_NOTICE_DAYS}")),
        (due_on == ON, sa.literal("due-today")),
        else_=weekly_stage("overdue", days_between(due_on, ON)),
    )


def params(on: date) -> dict:
    return {"on": on, "second_notice_on": on + timedelta(days=SECOND_NOTICE_DAYS),
            "first_notice_on": on + timedelta(days=FIRST_NOTICE_DAYS)}


def milestones_due() -> sa.Select:
    """One row per open milestone due within 14 days or overdue, with its preceptee and preceptor."""
    m = EnrolmentMilestone
    running = sa.or_(
        Enrolment.status == EnrolmentStatus.active,
        sa.and_(Enrolment.status == EnrolmentStatus.completed,
                sa.or_(m.is_after_completion.is_(True), Enrolment.completed_on > ON)),
        sa.and_(Enrolment.status == EnrolmentStatus.withdrawn, Enrolment.withdrawn_on > ON),
    )
    return (
        sa.select(m.id.label("item_id"), m.due_on.label("due_on"), due_stage().label("stage"),
                  Enrolment.practitioner_id, Enrolment.preceptor_id)
        .join(Enrolment, Enrolment.id == m.enrolment_id)
        .where(sa.or_(m.completed_on.is_(None), m.completed_on > ON), m.is_required.is_(True),
               m.due_on <= day_param("first_notice_on"), running, ~paused_on())
    )


def recipients(due: sa.Subquery) -> sa.Select:
    return one_each(due, "practitioner_id", "preceptor_id")


def describe(rows: Sequence[ReminderItem]) -> dict[tuple, ReminderText]:
    found = {
        milestone.id: (milestone, enrolment, title, preceptee)
        for milestone, enrolment, title, preceptee in db.session.execute(
            sa.select(EnrolmentMilestone, Enrolment, TemplateMilestone.title, User.display_name)
            .join(Enrolment, Enrolment.id == EnrolmentMilestone.enrolment_id)
            .join(TemplateMilestone, TemplateMilestone.id == EnrolmentMilestone.template_milestone_id)
            .join(User, User.id == Enrolment.practitioner_id)
            .where(EnrolmentMilestone.id.in_({row.item_id for row in rows}))
        )
    }
    texts = {}
    for row in rows:
        if row.item_id not in found:
            continue
        milestone, enrolment, title, preceptee = found[row.item_id]
        if (milestone.completed_on is not None and milestone.completed_on <= row.planned_on) \
                or milestone.due_on != row.due_on:
            continue  # done, or moved by a pause since planning: the new date gets its own reminders
        whose = "Your" if row.user_id == enrolment.practitioner_id else possessive(preceptee)
        when_text = when(row.due_on, row.planned_on)
        if row.stage.startswith("overdue"):
            heading = f"{whose} {title} is overdue"
            body = (f"It was due on {long_date(row.due_on)} ({when_text}). Arrange the review meeting and "
                    "record it so the programme stays on track.")
        else:
            heading = f"{whose} {title} is due {when_text}"
            body = (f"It is due on {long_date(row.due_on)}. Agree a time for the review meeting and "
                    "prepare your reflections.")
        texts[row.id] = ReminderText(
            title=heading, body=body,
            link=link_to("programmes.milestone", enrolment_id=enrolment.id, code=milestone.code),
            context={"milestone_title": title, "stage": row.stage},
        )
    return texts


SOURCE = Source(kind=ReminderKind.milestone, label="Milestone",
                hint="Preceptorship reviews due in 14 days, 3 days, today, then weekly while overdue.",
                due=milestones_due, recipients=recipients, describe=describe, params=params,
                several="{n} preceptorship reviews are due or overdue")
