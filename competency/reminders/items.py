"""What each planned reminder is about: its items, as the sources describe them.

A reminder lists its items as ``[item_id, due_on, stage]``. A reminder of a kind planned by
day lists days instead (``[0, due_on, stage]``); its items are the person's items of those
days, read with the same source query planning used, as of the planned day and time (one
query per kind and planning run in a batch).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from competency.extensions import db
from competency.reminders.models import PlannedReminder, ReminderItem
from competency.reminders.planning import due_rows, statement_params
from competency.reminders.sources import sources_by_kind


def items_of(rows: Sequence[PlannedReminder]) -> dict[int, list[ReminderItem]]:
    """Planned reminder id -> its items, oldest due first."""
    sources = sources_by_kind()
    found: dict[int, list[ReminderItem]] = {row.id: [] for row in rows}
    by_run: dict[tuple, list[PlannedReminder]] = defaultdict(list)
    for row in rows:
        source = sources.get(row.kind)
        if source is None:  # its source was removed: nothing to say
            continue
        listed = row.listed_keys()
        found[row.id] = [ReminderItem(row.id, row.kind, item, due_on, stage, row.user_id, row.planned_on)
                         for item, due_on, stage in listed if item]
        if source.by_day and any(not item for item, _due_on, _stage in listed):  # days to read
            by_run[(row.kind, row.planned_on, row.created_at)].append(row)
    for (kind, planned_on, planned_at), run_rows in by_run.items():
        _read_days(sources[kind], planned_on, planned_at, run_rows, found)
    for items in found.values():
        items.sort(key=lambda item: (item.due_on, item.item_id))
    return found


def _read_days(source, planned_on: date, planned_at, rows: list[PlannedReminder], found: dict) -> None:
    """Fill ``found`` with the items of the listed days for these rows' people (one query)."""
    days = {row.id: {(stage, due_on) for item, due_on, stage in row.listed_keys() if not item} for row in rows}
    wanted = set().union(*days.values())
    if not wanted:
        return
    due = due_rows(source).subquery("due")
    query = sa.select(due.c.item_id, due.c.due_on, due.c.stage, due.c.user_id).where(
        due.c.user_id.in_({row.user_id for row in rows}),
        sa.tuple_(due.c.stage, due.c.due_on).in_(sorted(wanted)),
    )
    by_person: dict[int, list[tuple]] = defaultdict(list)
    for item_id, due_on, stage, user_id in db.session.execute(
            query, statement_params(source, planned_on, planned_at)):
        by_person[user_id].append((item_id, due_on, stage))
    for row in rows:
        found[row.id] += [ReminderItem(row.id, row.kind, item_id, due_on, stage, row.user_id, row.planned_on)
                          for item_id, due_on, stage in by_person[row.user_id] if (stage, due_on) in days[row.id]]
