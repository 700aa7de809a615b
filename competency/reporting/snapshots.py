"""Report sections served from stored snapshots instead of aggregating per request.

The organisation dashboard and the system view count over everyone in their scope: at ICS
scale one region-wide section costs hundreds of milliseconds. Each section is built once
per scope and day and stored as a :class:`ReportSnapshot`. A page reads the stored section
while it is younger than ``max_age``; an older or missing one is built in the request and
stored, so no page is ever older than that, whether or not a worker runs. The worker
(:func:`refresh`) rebuilds every snapshot people have read recently before it ages out, so
viewers normally never wait. Pages say when their figures were computed.

Snapshots are keyed by the exact set of organisation ids, which the caller has already
checked the viewer may see: a snapshot never widens what anyone sees.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.dialects import postgresql, sqlite

from competency.db import utcnow
from competency.extensions import db
from competency.reporting.dashboard import Scope
from competency.reporting.models import ReportSnapshot
from competency.reporting.suppression import Figure
from competency.reporting.tables import ReportTable, Section

# Bump when what ``encode`` stores changes: older snapshots are then rebuilt, never misread.
SHAPE = 1
# A page in use marks its snapshots read at most this often (one small UPDATE, not one per view).
READ_MARK_EVERY = timedelta(minutes=1)
# Snapshots nobody has read for this long are neither refreshed nor kept.
KEEP_UNREAD = timedelta(days=7)

Builders = Mapping[str, Callable[[Scope], Section]]


@dataclass
class Report:
    sections: list[Section]
    # When the oldest section shown was computed; None when snapshots are off (always live).
    computed_at: datetime | None


# --- encoding ---------------------------------------------------------------------------------

def _cell(value):
    if isinstance(value, Figure):
        return {"figure": [value.text, value.value, value.is_suppressed, value.is_total]}
    return value


def _uncell(value):
    if isinstance(value, dict):
        text, number, suppressed, total = value["figure"]
        return Figure(text, number, suppressed, total)
    return value


def encode(section: Section) -> dict:
    return {
        "key": section.key, "title": section.title, "intro": section.intro,
        "chart": None if section.chart is None else str(section.chart),
        "facts": [list(fact) for fact in section.facts],
        "tables": [{"key": t.key, "caption": t.caption, "columns": list(t.columns),
                    "rows": [[_cell(c) for c in row] for row in t.rows],
                    "totals": None if t.totals is None else [_cell(c) for c in t.totals], "note": t.note}
                   for t in section.tables],
    }


def decode(payload: dict) -> Section:
    tables = [ReportTable(t["key"], t["caption"], t["columns"], [[_uncell(c) for c in row] for row in t["rows"]],
                          None if t["totals"] is None else [_uncell(c) for c in t["totals"]], t["note"])
              for t in payload["tables"]]
    chart = None if payload["chart"] is None else Markup(payload["chart"])
    return Section(payload["key"], payload["title"], payload["intro"], tables, chart,
                   [tuple(fact) for fact in payload["facts"]])


# --- reading ----------------------------------------------------------------------------------

def scope_key(org_ids: Iterable[int], variant: str = "") -> str:
    ids = ",".join(str(i) for i in sorted(set(org_ids)))
    return hashlib.sha256(f"{ids}|{variant}".encode()).hexdigest()


def _is_fresh(row, on: date, oldest: datetime) -> bool:
    return row.as_of == on and row.shape == SHAPE and row.computed_at >= oldest


def _store(view: str, scope: Scope, variant: str, key: str, section: Section, computed_at: datetime, *,
           html: str | None = None, read: bool = False) -> None:
    """Insert or replace one snapshot (``read``: a page is using it now); a concurrent writer's
    newer figures are never overwritten. Without ``html`` the next page view renders it."""
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    table = ReportSnapshot.__table__
    values = dict(view=view, scope_key=scope_key(scope.ids, variant), variant=variant, org_ids=sorted(scope.ids),
                  section=key, title=section.title[:200], as_of=scope.on, shape=SHAPE, computed_at=computed_at,
                  read_at=computed_at, payload=encode(section), html=html)
    statement = insert(table).values(**values)
    replaced = ("org_ids", "title", "as_of", "shape", "computed_at", "payload", "html", *(("read_at",) if read else ()))
    statement = statement.on_conflict_do_update(
        index_elements=["view", "scope_key", "section"],
        set_={name: statement.excluded[name] for name in replaced},
        where=table.c.computed_at <= statement.excluded.computed_at,
    )
    db.session.execute(statement)


def _mark_read(ids: list[int], now: datetime) -> None:
    if ids:
        db.session.execute(sa.update(ReportSnapshot).where(ReportSnapshot.id.in_(ids)).values(read_at=now))


def report(view: str, scope: Scope, builders: Builders, *, max_age: timedelta,
           keys: Iterable[str] | None = None, now: datetime | None = None) -> Report:
    """The sections ``keys`` (default: all) of ``view`` for ``scope``, from snapshots where fresh
    (what a CSV download shows). With ``max_age`` zero every section is built live and nothing
    is stored. Flushes, never commits: the caller ends the transaction."""
    wanted = list(builders) if keys is None else list(keys)
    if max_age <= timedelta(0):
        return Report([builders[k](scope) for k in wanted], None)
    now = now or utcnow()
    stored = {row.section: row for row in db.session.scalars(
        sa.select(ReportSnapshot).where(ReportSnapshot.view == view, ReportSnapshot.scope_key == scope_key(scope.ids),
                                        ReportSnapshot.section.in_(wanted)))}
    sections, times = [], []
    for key in wanted:
        row = stored.get(key)
        if row is not None and _is_fresh(row, scope.on, now - max_age):
            sections.append(decode(row.payload))
            times.append(row.computed_at)
            continue
        section = builders[key](scope)
        _store(view, scope, "", key, section, now, read=True)
        sections.append(section)
        times.append(now)
    db.session.flush()
    return Report(sections, min(times) if times else None)


@dataclass(frozen=True)
class Shown:
    """One section as the page shows it."""

    key: str
    title: str
    html: Markup


@dataclass
class Page:
    sections: list[Shown]
    computed_at: datetime | None  # as in Report


def page(view: str, scope: Scope, builders: Builders, render: Callable[[Section], str], *, max_age: timedelta,
         variant: str = "", now: datetime | None = None) -> Page:
    """Every section of ``view`` for ``scope`` rendered by ``render``, from stored HTML where fresh.

    The page reads only the stored HTML (and builds, renders and stores what is missing or too
    old), so a fresh page costs one SELECT whatever the size of the region. Flushes, never commits.
    """
    if max_age <= timedelta(0):
        built = [builder(scope) for builder in builders.values()]
        return Page([Shown(s.key, s.title, Markup(render(s))) for s in built], None)
    now = now or utcnow()
    t = ReportSnapshot
    key = scope_key(scope.ids, variant)
    stored = {row.section: row for row in db.session.execute(
        sa.select(t.id, t.section, t.title, t.as_of, t.shape, t.computed_at, t.read_at, t.html)
        .where(t.view == view, t.scope_key == key))}
    shown, times, read = [], [], []
    for name, builder in builders.items():
        row = stored.get(name)
        if row is not None and _is_fresh(row, scope.on, now - max_age):
            html = row.html
            if html is None:  # rebuilt by the worker since the last view: render it once
                section = decode(db.session.scalar(sa.select(t.payload).where(t.id == row.id)))
                html = render(section)
                db.session.execute(sa.update(t).where(t.id == row.id, t.computed_at == row.computed_at)
                                   .values(html=html))
            shown.append(Shown(name, row.title, Markup(html)))
            times.append(row.computed_at)
            if row.read_at < now - READ_MARK_EVERY:
                read.append(row.id)
            continue
        section = builder(scope)
        html = render(section)
        _store(view, scope, variant, name, section, now, html=html, read=True)
        shown.append(Shown(name, section.title, Markup(html)))
        times.append(now)
    _mark_read(read, now)
    db.session.flush()
    return Page(shown, min(times) if times else None)


# --- the worker's refresh ---------------------------------------------------------------------

def views() -> dict[str, Builders]:
    from competency.reporting import dashboard, system

    return {"organisation": dashboard.SECTIONS, "system": system.SECTIONS}


def refresh(*, older_than: timedelta, now: datetime | None = None,
            commit: Callable[[], None] | None = None) -> int:
    """Rebuild every snapshot read within ``KEEP_UNREAD`` that was computed more than ``older_than``
    ago or on an earlier day; forget the rest. Returns how many sections were rebuilt.

    ``commit`` (the worker passes ``db.session.commit``) ends each scope's transaction, so one
    slow region never holds locks on the others.
    """
    from competency.preceptorship.queries import today
    from competency.reporting.queries import organisations

    now = now or utcnow()
    on = today()
    db.session.execute(sa.delete(ReportSnapshot).where(ReportSnapshot.read_at < now - KEEP_UNREAD))
    due = db.session.execute(
        sa.select(ReportSnapshot.view, ReportSnapshot.scope_key, ReportSnapshot.variant, ReportSnapshot.org_ids,
                  ReportSnapshot.section)
        .where(sa.or_(ReportSnapshot.computed_at < now - older_than, ReportSnapshot.as_of != on,
                      ReportSnapshot.shape != SHAPE))
        .order_by(ReportSnapshot.view, ReportSnapshot.scope_key, ReportSnapshot.section)).all()
    if commit:
        commit()
    by_scope: dict[tuple[str, str], tuple[str, list[int], list[str]]] = {}
    for view, key, variant, org_ids, section in due:
        by_scope.setdefault((view, key), (variant, org_ids, []))[2].append(section)
    builders_of = views()
    rebuilt = 0
    for (view, _), (variant, org_ids, sections) in by_scope.items():
        builders = builders_of.get(view, {})
        scope = Scope(organisations(org_ids), on, utcnow())
        if sorted(scope.ids) != sorted(org_ids):  # an organisation has gone: the next page view rebuilds it
            continue
        for section in sections:
            if section in builders:
                _store(view, scope, variant, section, builders[section](scope), utcnow())
                rebuilt += 1
        if commit:
            commit()
    return rebuilt
