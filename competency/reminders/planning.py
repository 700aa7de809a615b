"""Planning: which reminders are due on a day, as set-based SQL, recorded once.

A run is a handful of set-based statements, the same on PostgreSQL and SQLite; no loop over
items in Python:

1. *Stage*: for each source, the due items whose key is not in ``planned_reminder_key`` yet
   (an anti-join on that table's primary key), one row per person told (active accounts
   only), go into a temporary table. When nothing is new the run ends here, so planning
   again costs the sources' queries and nothing else.
2. *Keys*: the staged rows' distinct keys go into ``planned_reminder_key`` with a plain
   INSERT. That primary key settles races: a key another planner recorded since this one
   staged is a unique violation (on PostgreSQL, after waiting for the other to commit), and
   the run goes back to its savepoint and stages again, now seeing the other's keys. So
   each key is planned by exactly one run, and the usual run pays no speculative insertion.
3. *Reminders*: one ``planned_reminder`` row per (person, kind) carrying its items, so a
   lead told about 300 requests that waited 3 weeks gets one reminder listing them, not 300.

Kinds planned by day (``Source.by_day``: the sign-off requests) record one key per (stage,
due date) instead of one per item; their reminders list those days, and delivery reads the
person's requests of each day (:mod:`competency.reminders.items`).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from competency.accounts.models import User
from competency.db import utcnow
from competency.extensions import db
from competency.reminders.models import PlannedReminder, PlannedReminderKey, PlannedState
from competency.reminders.sources import available_sources
from competency.reminders.sources.base import Source
from competency.uniqueness import UniqueViolation, unique_savepoint

LONDON = ZoneInfo("Europe/London")
SUPPORTED = ("postgresql", "sqlite")
# PostgreSQL's memory for one sort or hash while a run groups its staged rows (the default 4MB
# spills a bench-sized day, about 100,000 rows, to disk); set for the run only.
PLANNING_WORK_MEM = "64MB"
# Times a run stages again after meeting keys a concurrent planner recorded, before giving up.
RACE_RETRIES = 5


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
    sa.Column("key_item", sa.Integer), sa.Column("item_id", sa.Integer), sa.Column("user_id", sa.Integer),
    prefixes=["TEMPORARY"], postgresql_on_commit="DROP",
)
STAGED_COLUMNS = ["kind", "stage", "due_on", "key_item", "item_id", "user_id"]
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


def statement_params(source: Source, on: date, now: datetime) -> dict:
    """The bind parameters of a source's statements for planning ``on`` at ``now``."""
    day_began = datetime.combine(now.astimezone(timezone.utc).date(), time(), tzinfo=timezone.utc)
    return {**source.params(on), "planned_on": on, "planned_at": now, "day_began": day_began}


def _key_item(source: Source, item_id) -> sa.ColumnElement[int]:
    return sa.literal(0, sa.Integer) if source.by_day else item_id


def told(source: Source, due: sa.Subquery) -> sa.Select:
    """Staged-row columns for the due items in ``due``: one row per active person told."""
    rows = source.recipients(due).subquery("told")
    return (
        sa.select(sa.literal(source.kind.value, sa.String).label("kind"), rows.c.stage, rows.c.due_on,
                  _key_item(source, rows.c.item_id).label("key_item"), rows.c.item_id, rows.c.user_id)
        .join(User, User.id == rows.c.user_id)
        .where(User.is_active_account.is_(True))
    )


def due_rows(source: Source) -> sa.Select:
    """Every row due on the day, planned or not (what the benchmark's raw SELECT reads)."""
    return told(source, source.due().subquery("due"))


def _not_planned(source: Source, due: sa.Subquery) -> sa.ColumnElement[bool]:
    k = PlannedReminderKey
    return ~sa.exists().where(k.kind == source.kind, k.stage == due.c.stage, k.due_on == due.c.due_on,
                              k.item_id == _key_item(source, due.c.item_id))


def new_rows(source: Source) -> sa.Select:
    """The due rows whose key is not planned yet: the anti-join runs before anyone is looked up."""
    due = source.due().subquery("due")
    return told(source, sa.select(due).where(_not_planned(source, due)).subquery("new"))


_STATEMENTS: dict[tuple, sa.Executable] = {}


def _stage_statement(source: Source) -> sa.Executable:
    key = ("stage", source.kind)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = (sa.insert(staged).from_select(STAGED_COLUMNS, new_rows(source))
                            .execution_options(preserve_rowcount=True))
    return _STATEMENTS[key]


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


def _record_keys(connection, on: date) -> dict[str, list]:
    """Insert the staged rows' keys; returns the days recorded for each kind planned by day.

    A plain INSERT: a key another planner recorded meanwhile is a unique violation, which
    rolls this run back to its savepoint (see :func:`plan`).
    """
    s = staged.c
    keys = (sa.select(s.kind, s.stage, s.due_on, s.key_item, sa.literal(on, sa.Date)).distinct()
            .order_by(s.kind, s.stage, s.due_on, s.key_item))  # in key order: appends to the index, no deadlock
    k = PlannedReminderKey.__table__.c
    days: dict[str, list] = defaultdict(list)
    for kind, stage, due_on, item_id in connection.execute(
            sa.insert(PlannedReminderKey.__table__).from_select([*KEY_COLUMNS, "planned_on"], keys)
            .returning(k.kind, k.stage, k.due_on, k.item_id)):
        if item_id == 0:
            days[kind.value].append([0, due_on.isoformat(), stage])
    return days


def _make_reminders(connection, days: dict[str, list], on: date, now: datetime) -> int:
    """One planned_reminder per (kind, person) from the staged rows, in one statement. Returns how many.

    Kinds planned by day list the days this run recorded; the others list their items.
    """
    table = PlannedReminder.__table__
    s = staged.c
    listed = item_list(s.item_id, s.due_on, s.stage)
    if days:
        listed = sa.case(*((s.kind == kind, sa.literal(day_list, table.c["items"].type))
                           for kind, day_list in days.items()),
                         else_=listed.filter(s.kind.not_in(list(days))))
    rows = (sa.select(s.kind, s.user_id, sa.literal(on, sa.Date), sa.func.count(), listed,
                      sa.literal(PlannedState.planned.value, sa.String), sa.literal(now, table.c.created_at.type))
            .group_by(s.kind, s.user_id))
    columns = ["kind", "user_id", "planned_on", "item_count", "items", "state", "created_at"]
    # (preserve_rowcount: SQLAlchemy keeps an INSERT's row count only when asked to.)
    return connection.execute(sa.insert(table).from_select(columns, rows)
                              .execution_options(preserve_rowcount=True)).rowcount


def _staged_counts(connection) -> Counter:
    s = staged.c
    return Counter({(kind, stage): count for kind, stage, count in connection.execute(
        sa.select(s.kind, s.stage, sa.func.count()).group_by(s.kind, s.stage))})


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
                staged_rows = sum(connection.execute(_stage_statement(source), statement_params(source, on, now))
                                  .rowcount for source in sources)
                if staged_rows:
                    if not dry_run:
                        days = _record_keys(connection, on)
                        result.reminders = _make_reminders(connection, days, on, now)
                    result.counts = _staged_counts(connection)
                _empty(connection)
        except UniqueViolation:
            continue  # another planner recorded some of these keys first: stage again, seeing them
        return result
    raise RuntimeError(f"Reminder planning for {on.isoformat()} kept meeting keys another planner had just "
                       "recorded; run it again once the other has finished.")
