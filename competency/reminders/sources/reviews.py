"""Apprenticeship progress reviews: the same rhythm as preceptorship milestones.

Reads ``ProgressReview.due_on`` (scheduled when the apprenticeship starts). The
apprentice and the lead who started the apprenticeship are reminded at 14 days,
3 days, on the day, then weekly while the review is not recorded.
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from competency.accounts.models import User
from competency.extensions import db
from competency.progression.models import Apprenticeship, ApprenticeshipStatus, ProgressReview
from competency.reminders.models import ReminderItem, ReminderKind
from competency.reminders.sources.base import (ON, ReminderText, Source, day_param, link_to, long_date, one_each,
                                               possessive, when)
from competency.reminders.sources.milestones import due_stage, params


def reviews_due() -> sa.Select:
    r = ProgressReview
    return (
        sa.select(r.id.label("item_id"), r.due_on.label("due_on"), due_stage(r.due_on).label("stage"),
                  Apprenticeship.user_id, Apprenticeship.created_by_id)
        .join(Apprenticeship, Apprenticeship.id == r.apprenticeship_id)
        .where(sa.or_(r.held_on.is_(None), r.held_on > ON), r.due_on <= day_param("first_notice_on"),
               Apprenticeship.status == ApprenticeshipStatus.active, Apprenticeship.start_on <= ON)
    )


def recipients(due: sa.Subquery) -> sa.Select:
    """The apprentice and the lead who started the apprenticeship."""
    return one_each(due, "user_id", "created_by_id")


def describe(rows: Sequence[ReminderItem]) -> dict[tuple, ReminderText]:
    found = {
        review.id: (review, apprenticeship, name)
        for review, apprenticeship, name in db.session.execute(
            sa.select(ProgressReview, Apprenticeship, User.display_name)
            .join(Apprenticeship, Apprenticeship.id == ProgressReview.apprenticeship_id)
            .join(User, User.id == Apprenticeship.user_id)
            .where(ProgressReview.id.in_({row.item_id for row in rows}))
        )
    }
    texts = {}
    for row in rows:
        if row.item_id not in found:
            continue
        review, apprenticeship, name = found[row.item_id]
        if (review.held_on is not None and review.held_on <= row.planned_on) or review.due_on != row.due_on:
            continue
        whose = "Your" if row.user_id == apprenticeship.user_id else possessive(name)
        title = f"{whose} apprenticeship progress review {review.sequence}"
        when_text = when(row.due_on, row.planned_on)
        if row.stage.startswith("overdue"):
            heading, body = (f"{title} is overdue",
                             f"It was due on {long_date(row.due_on)} ({when_text}). Hold the review with the "
                             "training provider and record it.")
        else:
            heading, body = (f"{title} is due {when_text}",
                             f"It is due on {long_date(row.due_on)}. Agree a time with the training provider.")
        # Only those who manage the apprenticeship record reviews; the apprentice is sent to the
        # reviews on their own apprenticeship page, which they can open.
        link = (link_to("progression.show_apprenticeship", apprenticeship_id=apprenticeship.id) + "#reviews"
                if row.user_id == apprenticeship.user_id
                else link_to("progression.record_review", review_id=review.id))
        texts[row.id] = ReminderText(
            title=heading, body=body, link=link,
            context={"milestone_title": f"progress review {review.sequence}", "stage": row.stage},
        )
    return texts


SOURCE = Source(kind=ReminderKind.progress_review, label="Apprenticeship review",
                hint="Apprenticeship progress reviews due in 14 days, 3 days, today, then weekly while overdue.",
                due=reviews_due, recipients=recipients, describe=describe, params=params,
                several="{n} apprenticeship progress reviews are due or overdue")
