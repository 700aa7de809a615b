"""The shape every reminder source shares, and wording helpers."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app
from werkzeug.routing import BuildError

from competency.reminders.models import ReminderItem, ReminderKind

# The columns every source's ``recipients`` query yields, in this order.
DUE_COLUMNS = ("item_id", "due_on", "stage", "user_id")


@dataclass(frozen=True)
class ReminderText:
    """What the person reads: the notification title and body, and where the link goes."""

    title: str
    body: str
    link: str
    context: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ByDay:
    """How a kind planned by day dates its items: each is due ``after_days`` after the UTC day of ``made``.

    ``made`` must be an indexed column that never changes once the row exists; planning then
    looks only at rows made on days it has not planned yet (an index range), however many
    older rows are still due.
    """

    stage: str
    made: sa.ColumnElement
    after_days: int


@dataclass(frozen=True)
class Source:
    """One kind of reminder.

    ``due()`` returns a SELECT with one row per item due on the day bound as ``:on``
    (``item_id``, ``due_on``, ``stage`` and whatever ``recipients`` needs, such as the
    assessor's id): one set-based query, no loop over items. ``recipients(due)`` turns a
    subquery of those rows into (item_id, due_on, stage, user_id), one row per person told,
    without duplicates. Both are built once and reused with ``params(on)``, which gives the
    values of their bind parameters (``on`` and any dates derived from it).
    ``describe(items)`` loads what the messages need for a batch of items (a bounded number
    of queries) and returns their texts by ``item.id``; ``several`` is the title of one
    reminder that carries ``{n}`` items, and ``list_endpoint`` where its link goes.

    ``by_day``: the items due on a day are fixed once the day they were made has ended
    (sign-off requests: the day a request was made, its assessor and organisation never
    change, and a decided request is never reopened). Planning then records one key per due
    day, for every day up to the one planned, with or without items, instead of one per
    item; a reminder lists those days rather than each item.
    """

    kind: ReminderKind
    label: str
    hint: str
    due: Callable[[], sa.Select]
    recipients: Callable[[sa.Subquery], sa.Select]
    describe: Callable[[Sequence[ReminderItem]], dict[tuple, ReminderText]]
    params: Callable[[date], dict] = lambda on: {"on": on}  # noqa: E731
    by_day: ByDay | None = None
    several: str = "{n} reminders"
    list_endpoint: str = "home.index"


def one_each(due: sa.Subquery, *people: str) -> sa.Select:
    """(item_id, due_on, stage, user_id) for each of the ``people`` columns of ``due``, in one scan.

    Someone named in two columns of a row (a lead who started their own apprenticeship) is
    told once; a NULL column is skipped.
    """
    which = sa.union_all(*(sa.select(sa.literal(n, sa.Integer).label("n")) for n in range(len(people))))
    which = which.subquery("which")
    column = [due.c[name] for name in people]
    user_id = sa.case(*((which.c.n == n, column[n]) for n in range(len(people))))
    first_time = sa.or_(*(sa.and_(which.c.n == n, *(sa.or_(column[m].is_(None), column[m] != column[n])
                                                   for m in range(n)))
                          for n in range(len(people))))
    return (sa.select(due.c.item_id, due.c.due_on, due.c.stage, user_id.label("user_id"))
            .select_from(due).join(which, sa.true()).where(user_id.is_not(None), first_time))


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
