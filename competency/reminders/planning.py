"""Planning: which reminders are due on a day, as set-based SQL, recorded once.

A run is a handful of set-based statements, the same on PostgreSQL and SQLite; no loop over
items in Python:

1. *Stage*: for each source, the due items not planned yet, one row per person told (active
   accounts only), go into a temporary table. For a per-item kind that is an anti-join on
   ``planned_reminder_key``'s primary key, before anyone is looked up; for a kind planned by
   day it is an index range: only items made after the last day planned (or before the
   first). When nothing is new the run ends here, so planning again costs the sources'
   queries and nothing else.
2. *Keys*: the staged items' keys, and for kinds planned by day every day from the last one
   planned up to this one (with items or without, so the days planned stay one unbroken
   range), go into ``planned_reminder_key`` with a plain INSERT. That primary key settles
   races: a key another planner recorded since this one staged is a unique violation (on
   PostgreSQL, once the other commits), and the run goes back to its savepoint and stages
   again, now seeing the other's keys. So each key is planned by exactly one run, and the
   usual run pays no speculative insertion.
3. *Reminders*: one ``planned_reminder`` row per (person, kind) carrying its items, so a lead
   told about 300 requests that waited 3 weeks gets one reminder listing them, not 300.
   Kinds planned by day list the run's days instead of each item; delivery reads the
   person's items of those days (:mod:`competency.reminders.items`).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from competency.accounts.models import User
from competency.db import utcnow
from competency.extensions import db
from competency.reminders.models import PlannedReminder, PlannedReminderKey, PlannedState
from competency.reminders.sources import available_sources
from competency.reminders.sources.base import ByDay, Source
from competency.uniqueness import UniqueViolation, unique_savepoint

LONDON = ZoneInfo("Europe/London")
SUPPORTED = ("postgresql", "sqlite")
# PostgreSQL's memory for one sort or hash while a run groups its staged rows (the default 4MB
# spills a bench-sized day, about 100,000 rows, to disk); set for the run only.
PLANNING_WORK_MEM = "64MB"
# Times a run stages again after meeting keys a concurrent planner recorded, before giving up.
RACE_RETRIES = 5
# "Made before this" when a kind planned by day has no day planned yet: every item is new.
NO_DAY_YET = datetime(1970, 1, 1, tzinfo=timezone.utc)


def local_today(now: datetime | None = None) -> date:
    """Today's date in the UK, where the working day of every user is."""
    return (now or utcnow()).astimezone(LONDON).date()


@dataclass
class PlanResult:
    on: date
    dry_run: bool
    counts: Counter = field(default_factory=Counter)  # (kind, stage) -> (item, person) reminders
    reminders: int = 0                               # planned_reminder rows made

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# The scratch table of a planning run: temporary (each connection has its own), dropped at commit on
# PostgreSQL, emptied after each run. Not in the app's metadata: no migration makes it.
_SCRATCH = sa.MetaData()
staged = sa.Table(
    "_reminder_staged", _SCRATCH,
    sa.Column("kind", sa.String(32)), sa.Column("stage", sa.String(24)), sa.Column("due_on", sa.Date),
    sa.Column("item_id", sa.Integer), sa.Column("user_id", sa.Integer),
    prefixes=["TEMPORARY"], postgresql_on_commit="DROP",
)
STAGED_COLUMNS = ["kind", "stage", "due_on", "item_id", "user_id"]
KEY_COLUMNS = ["kind", "stage", "due_on", "item_id"]


class item_list(FunctionElement):
    """Aggregate: the group's rows as a JSON array of ``[item_id, due_on, stage]``."""

    type = sa.JSON()
    inherit_cache = True
    name = "item_list"


@compiles(item_list, "postgresql")
def _item_list_postgresql(element, compiler, **kw):
    item, due, stage = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"json_agg(json_build_array({item}, {due}, {stage}))"


@compiles(item_list, "sqlite")
def _item_list_sqlite(element, compiler, **kw):
    item, due, stage = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"json_group_array(json_array({item}, {due}, {stage}))"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.utc)


def statement_params(source: Source, on: date, now: datetime) -> dict:
    """The bind parameters of a source's statements for planning ``on`` at ``now``."""
    day_began = _midnight(now.astimezone(timezone.utc).date())
    return {**source.params(on), "planned_on": on, "planned_at": now, "day_began": day_began,
            "made_before": NO_DAY_YET, "made_from": NO_DAY_YET}


def told(source: Source, due: sa.Subquery) -> sa.Select:
    """Staged-row columns for the due items in ``due``: one row per active person told."""
    rows = source.recipients(due).subquery("told")
    return (
        sa.select(sa.literal(source.kind.value, sa.String).label("kind"), rows.c.stage, rows.c.due_on,
                  rows.c.item_id, rows.c.user_id)
        .join(User, User.id == rows.c.user_id)
        .where(User.is_active_account.is_(True))
    )


def due_rows(source: Source) -> sa.Select:
    """Every row due on the day, planned or not (what the benchmark's raw SELECT reads)."""
    return told(source, source.due().subquery("due"))


def new_rows(source: Source) -> sa.Select:
    """The due rows not planned yet, found before anyone is looked up."""
    rule = source.by_day
    if rule is not None:  # made before the first day planned, or after the last: index ranges
        made = sa.bindparam("made_before", type_=rule.made.type), sa.bindparam("made_from", type_=rule.made.type)
        return told(source, source.due().where(sa.or_(rule.made < made[0], rule.made >= made[1])).subquery("due"))
    due = source.due().subquery("due")
    k = PlannedReminderKey
    planned = sa.exists().where(k.kind == source.kind, k.stage == due.c.stage, k.due_on == due.c.due_on,
                                k.item_id == due.c.item_id)
    return told(source, sa.select(due).where(~planned).subquery("new"))


_STATEMENTS: dict[tuple, sa.Executable] = {}


def _stage_statement(source: Source) -> sa.Executable:
    key = ("stage", source.kind)
    if key not in _STATEMENTS:
        # (preserve_rowcount: SQLAlchemy keeps an INSERT's row count only when asked to.)
        _STATEMENTS[key] = (sa.insert(staged).from_select(STAGED_COLUMNS, new_rows(source))
                            .execution_options(preserve_rowcount=True))
    return _STATEMENTS[key]


@dataclass
class _Days:
    """A kind planned by day: the unbroken range of days planned so far, and this run's new ones.

    ``top`` is the last day this run may plan: the day planned, but never a day whose items
    are not all made yet (made on a day that has not ended, in UTC).
    """

    rule: ByDay
    first: date | None
    last: date | None
    top: date
    new: list[date] = field(default_factory=list)

    @property
    def is_left_alone(self) -> bool:
        """Planning a day well before the first one planned: its days up to the first cannot all be
        planned now (some of their items are not due yet), so this kind plans nothing in this run."""
        return self.first is not None and self.top < self.first - timedelta(days=1)

    def params(self) -> dict:
        if self.first is None:
            return {"made_before": NO_DAY_YET, "made_from": NO_DAY_YET}
        return {"made_before": _midnight(self.first - timedelta(days=self.rule.after_days)),
                "made_from": _midnight(self.last + timedelta(days=1 - self.rule.after_days))}

    def extend(self, earliest_staged: date | None) -> None:
        """This run's days: from its earliest staged item's day, or the last day planned, up to ``top``."""
        if self.first is None:
            self.new = _days(min(earliest_staged or self.top, self.top), self.top)
            return
        below = _days(earliest_staged, self.first - timedelta(days=1)) if earliest_staged else []
        self.new = below + _days(self.last + timedelta(days=1), self.top)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _planned_days(connection, sources: list[Source], on: date, now: datetime) -> dict[str, _Days]:
    found = {}
    k = PlannedReminderKey
    today = now.astimezone(timezone.utc).date()
    for source in sources:
        rule = source.by_day
        if rule is not None:
            first, last = connection.execute(
                sa.select(sa.func.min(k.due_on), sa.func.max(k.due_on))
                .where(k.kind == source.kind, k.stage == rule.stage, k.item_id == 0)).one()
            top = min(on, today + timedelta(days=rule.after_days - 1))
            found[source.kind.value] = _Days(rule, first, last, top)
    return found


@contextmanager
def _room_to_group(connection) -> Iterator[None]:
    """On PostgreSQL, PLANNING_WORK_MEM for the run's statements, then the caller's setting again.

    Enter it inside the run's savepoint.
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    before = connection.scalar(sa.text("SELECT current_setting('work_mem')"))
    connection.execute(sa.text("SELECT set_config('work_mem', :value, true)"), {"value": PLANNING_WORK_MEM})
    yield  # on an error the run's savepoint is rolled back, and the setting with it
    connection.execute(sa.text("SELECT set_config('work_mem', :value, true)"), {"value": before})


def _prepare(connection) -> None:
    connection.execute(sa.schema.CreateTable(staged, if_not_exists=True))
    _empty(connection)


def _empty(connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"TRUNCATE {staged.name}"))
    else:
        connection.execute(sa.delete(staged))


def _summary(connection, by_day: dict[str, _Days]) -> tuple[Counter, dict[str, date]]:
    """(kind, stage) -> staged rows, and each kind planned by day's earliest staged due date (one scan)."""
    s = staged.c
    day = sa.case((s.kind.in_(list(by_day)), s.due_on)) if by_day else sa.null()
    counts: Counter = Counter()
    earliest: dict[str, date] = {}
    for kind, stage, due_on, count in connection.execute(
            sa.select(s.kind, s.stage, sa.func.min(day), sa.func.count()).group_by(s.kind, s.stage)):
        counts[(kind, stage)] += count
        if kind in by_day:
            due_on = due_on if isinstance(due_on, date) else date.fromisoformat(due_on)
            earliest[kind] = min(due_on, earliest.get(kind, due_on))
    return counts, earliest


def _record_keys(connection, by_day: dict[str, _Days], on: date) -> None:
    """Insert the staged per-item keys and the new days.

    A plain INSERT: a key another planner recorded meanwhile is a unique violation, which
    rolls this run back to its savepoint (see :func:`plan`).
    """
    s = staged.c
    keys = (sa.select(s.kind, s.stage, s.due_on, s.item_id, sa.literal(on, sa.Date)).distinct()
            .where(s.kind.not_in(list(by_day)))
            .order_by(s.kind, s.stage, s.due_on, s.item_id))  # in key order: appends to the index, no deadlock
    table = PlannedReminderKey.__table__
    connection.execute(sa.insert(table).from_select([*KEY_COLUMNS, "planned_on"], keys))
    days = [{"kind": kind, "stage": planned.rule.stage, "due_on": day, "item_id": 0, "planned_on": on}
            for kind, planned in sorted(by_day.items()) for day in planned.new]
    if days:
        connection.execute(sa.insert(table), days)


def _make_reminders(connection, by_day: dict[str, _Days], on: date, now: datetime) -> int:
    """One planned_reminder per (kind, person) from the staged rows, in one statement. Returns how many.

    Kinds planned by day list the days this run planned; the others list their items.
    """
    table = PlannedReminder.__table__
    s = staged.c
    listed = item_list(s.item_id, s.due_on, s.stage)
    if by_day:
        day_lists = [(kind, [[0, day.isoformat(), planned.rule.stage] for day in planned.new])
                     for kind, planned in by_day.items()]
        listed = sa.case(*((s.kind == kind, sa.literal(days, table.c["items"].type)) for kind, days in day_lists),
                         else_=listed.filter(s.kind.not_in(list(by_day))))
    rows = (sa.select(s.kind, s.user_id, sa.literal(on, sa.Date), sa.func.count(), listed,
                      sa.literal(PlannedState.planned.value, sa.String), sa.literal(now, table.c.created_at.type))
            .group_by(s.kind, s.user_id))
    columns = ["kind", "user_id", "planned_on", "item_count", "items", "state", "created_at"]
    return connection.execute(sa.insert(table).from_select(columns, rows)
                              .execution_options(preserve_rowcount=True)).rowcount


def _run(connection, sources: list[Source], on: date, now: datetime, result: PlanResult) -> None:
    by_day = {kind: days for kind, days in _planned_days(connection, sources, on, now).items()
              if not days.is_left_alone}
    staged_rows = 0
    for source in sources:
        params = statement_params(source, on, now)
        if source.by_day is not None:
            if source.kind.value not in by_day:
                continue
            params |= by_day[source.kind.value].params()
        staged_rows += connection.execute(_stage_statement(source), params).rowcount
    earliest: dict[str, date] = {}
    if staged_rows:
        result.counts, earliest = _summary(connection, by_day)
    if result.dry_run:
        return
    for kind, days in by_day.items():
        days.extend(earliest.get(kind))
    if staged_rows or any(days.new for days in by_day.values()):
        _record_keys(connection, by_day, on)
    if staged_rows:
        result.reminders = _make_reminders(connection, {kind: days for kind, days in by_day.items() if days.new},
                                           on, now)


def plan(on: date | None = None, *, dry_run: bool = False, now: datetime | None = None,
         kinds: frozenset | set | None = None) -> PlanResult:
    """Plan every reminder due on ``on`` (default: today in the UK). Flushes, never commits.

    With ``dry_run`` nothing is written; the result counts what would be planned.
    ``kinds`` limits planning to those reminder kinds (a check of its own on the beat).
    Safe to call again, and at the same time as another worker: see the module docstring.

    :raises RuntimeError: when a concurrent planner keeps recording the same keys first.
    """
    now = now or utcnow()
    on = on or local_today(now)
    dialect = db.session.get_bind().dialect.name
    if dialect not in SUPPORTED:
        raise RuntimeError(f"Planning supports PostgreSQL and SQLite, not {dialect}")
    sources = [source for source in available_sources() if kinds is None or source.kind in kinds]
    for _attempt in range(RACE_RETRIES):
        result = PlanResult(on=on, dry_run=dry_run)
        try:
            with unique_savepoint(), _room_to_group(db.session.connection()):
                connection = db.session.connection()
                _prepare(connection)
                _run(connection, sources, on, now, result)
                _empty(connection)
        except UniqueViolation:
            continue  # another planner recorded some of these keys first: stage again, seeing them
        return result
    raise RuntimeError(f"Reminder planning for {on.isoformat()} kept meeting keys another planner had just "
                       "recorded; run it again once the other has finished.")
