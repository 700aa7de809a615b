"""The shape every reminder source shares, and wording helpers."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app
from werkzeug.routing import BuildError

from competency.reminders.models import PlannedReminder, ReminderKind

# The columns every source's query yields, in this order.
DUE_COLUMNS = ("item_id", "due_on", "stage", "user_id")


@dataclass(frozen=True)
class ReminderText:
    """What the person reads: the notification title and body, and where the link goes."""

    title: str
    body: str
    link: str
    context: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    """One kind of reminder.

    ``due()`` returns a SELECT of (item_id, due_on, stage, user_id) for every
    reminder that is due on the day bound as ``:on``: one set-based query, no loop
    over items. It is built once and reused with ``params(on)``, which gives the
    values of its bind parameters (``on`` and any dates derived from it).
    ``describe(rows)`` loads what the messages need for a batch of planned rows
    (a bounded number of queries) and returns their texts by planned row id.
    """

    kind: ReminderKind
    label: str
    hint: str
    due: Callable[[], sa.Select]
    describe: Callable[[Sequence[PlannedReminder]], dict[int, ReminderText]]
    params: Callable[[date], dict] = lambda on: {"on": on}  # noqa: E731


ON = sa.bindparam("on", type_=sa.Date)


def day_param(name: str) -> sa.BindParameter:
    return sa.bindparam(name, type_=sa.Date)


def link_to(endpoint: str, fallback: str = "home.notifications", **values) -> str:
    """A site-relative link that works outside a request (in a worker); falls back if the page is missing."""
    adapter = current_app.url_map.bind("localhost")
    for name, kwargs in ((endpoint, values), (fallback, {})):
        try:
            return adapter.build(name, kwargs)
        except BuildError:
            continue
    return "/"


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def when(due_on: date, on: date) -> str:
    """'today', 'tomorrow', 'in 3 days', '1 day ago', '2 weeks ago' ..."""
    days = (due_on - on).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days > 1:
        return f"in {days} days"
    late = -days
    if late < 14:
        return "yesterday" if late == 1 else f"{late} days ago"
    return f"{late // 7} weeks ago"


def possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"
