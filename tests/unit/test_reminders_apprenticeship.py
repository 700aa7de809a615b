"""Apprenticeship progress reviews are reminded like preceptorship milestones."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from competency.progression import apprenticeships
from competency.reminders import notices, planning, queries
from competency.reminders.models import Notification, PlannedReminder, ReminderKind
from tests.unit.frameworks_helpers import import_shipped
from tests.unit.progression.scenario import ota_world, ready_for_apprenticeship
from tests.unit.progression.test_scenario import TODAY


def test_the_first_review_is_reminded_at_14_days_3_days_today_then_weekly_until_held(db):
    import_shipped(publish=True)
    world = ota_world(TODAY)
    ready_for_apprenticeship(world, TODAY)
    apprenticeship = apprenticeships.start_apprenticeship(
        world.record, provider="University of the South Coast", standard="Occupational therapist (degree) ST0517",
        start_on=TODAY, planned_end_on=TODAY + timedelta(days=4 * 365), planned_otj_hours=1200,
        by=world.lead, today=TODAY)
    first = min(apprenticeship.reviews, key=lambda review: review.due_on)

    day = first.due_on - timedelta(days=20)
    while day <= first.due_on + timedelta(days=8):
        planning.plan(day)
        day += timedelta(days=1)

    def reminders_of_the_first_review():
        return [(item.user_id, item.stage) for item in queries.planned_items(
            PlannedReminder.kind == ReminderKind.progress_review) if item.item_id == first.id]

    rows = reminders_of_the_first_review()
    apprentice_stages = [stage for user_id, stage in rows if user_id == world.ota.id]
    assert apprentice_stages == ["due-14", "due-3", "due-today", "overdue-1", "overdue-2"]
    assert [stage for user_id, stage in rows if user_id == world.lead.id] == apprentice_stages

    notices.deliver_planned()
    titles = db.session.scalars(sa.select(Notification.title).where(Notification.user_id == world.ota.id)).all()
    assert any("progress review 1 is overdue" in title for title in titles)

    apprenticeships.record_review(first, held_on=first.due_on + timedelta(days=8), notes="Held late",
                                  by=world.lead, today=first.due_on + timedelta(days=8))
    planning.plan(first.due_on + timedelta(days=15))
    assert reminders_of_the_first_review() == rows
