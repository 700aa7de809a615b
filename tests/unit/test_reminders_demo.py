"""The demo seed files three months of reminders for the demo preceptee and preceptor, safe to run twice."""
from __future__ import annotations

import sqlalchemy as sa

from competency.demo.context import DemoContext
from competency.demo.steps import run_steps
from competency.reminders.models import Notification, PlannedReminder

STEPS = ["competency.demo.accounts:seed_accounts", "competency.demo.programmes:seed_programmes",
         "competency.demo.reminders:seed_reminders"]


def seed() -> DemoContext:
    return run_steps(DemoContext(password="correct-horse-battery"), STEPS)


def titles_for(db, user) -> list[str]:
    return list(db.session.scalars(sa.select(Notification.title).where(
        Notification.user_id == user.id, Notification.dedupe_key.like("reminder:%"))))


def test_the_demo_preceptee_and_preceptor_see_reminders_and_seeding_again_adds_none(db):
    ctx = seed()
    preceptee, preceptor = ctx.users["preceptee@demo.test"], ctx.users["preceptor@demo.test"]

    mine, theirs = titles_for(db, preceptee), titles_for(db, preceptor)
    assert mine and all(title.startswith("Your ") for title in mine)
    assert any(title.startswith("Sam Okafor's ") for title in theirs)
    planned = db.session.scalar(sa.select(sa.func.count(PlannedReminder.id)))
    notes = db.session.scalar(sa.select(sa.func.count(Notification.id)))

    seed()
    assert db.session.scalar(sa.select(sa.func.count(PlannedReminder.id))) == planned
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == notes
