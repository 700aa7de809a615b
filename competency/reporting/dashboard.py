"""The organisation dashboard for leads: exact figures for the organisations they lead.

Each section is built by one function from a fixed number of aggregate queries, so
a page (or one section's CSV) costs the same number of statements at any size.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from competency.accounts.models import SECTOR_LABELS, Sector
from competency.errors import NotFound
from competency.progression.catalogue import catalogue
from competency.reporting import queries
from competency.reporting.charts import Series, bar_chart, line_chart, stacked_bar_chart
from competency.reporting.preceptors import preceptors_section
from competency.reporting.queries import LEVEL_LABELS, LEVELS, PRECEPTORSHIP_STATES, QUARTERS, WAITING_BANDS, OrgInfo
from competency.reporting.tables import ReportTable, Section


@dataclass(frozen=True)
class Scope:
    """Which organisations, as of when."""

    orgs: list[OrgInfo]
    on: date
    now: datetime

    @property
    def ids(self) -> list[int]:
        return [o.id for o in self.orgs]

    @property
    def several(self) -> bool:
        return len(self.orgs) > 1


def sector_label(code: str) -> str:
    try:
        return SECTOR_LABELS[Sector(code)]
    except (ValueError, KeyError):
        return code


def level_label(code: str) -> str:
    return LEVEL_LABELS.get(code, code.replace("_", " ").capitalize())


def ordered_levels(codes) -> list[str]:
    known = [code for code, _ in LEVELS if code in codes]
    return known + sorted(c for c in codes if c not in LEVEL_LABELS)


def stage_label(pathway_slug: str, stage_code: str) -> str:
    try:
        pathway = catalogue().get(pathway_slug)
    except NotFound:  # a record naming a pathway no longer shipped still counts
        return f"{stage_code} ({pathway_slug})"
    stage = pathway.stage(stage_code)
    return f"{stage.name if stage else stage_code} ({pathway.title})"


def _days(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# --- sections --------------------------------------------------------------------------------

def workforce_section(scope: Scope) -> Section:
    rows = queries.workforce(scope.ids, scope.on)
    by_level: dict[str, int] = defaultdict(int)
    by_profession: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_sector: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_org: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sector_of = {o.id: o.sector for o in scope.orgs}
    for org_id, level, profession, count in rows:
        by_level[level] += count
        by_profession[profession][level] += count
        by_sector[level][sector_of[org_id]] += count
        by_org[org_id][level] += count
    levels = ordered_levels(by_level)
    sectors = sorted({o.sector for o in scope.orgs})
    level_names = [level_label(code) for code in levels]

    profession_table = ReportTable(
        "workforce-professions", "People by profession and level of practice",
        ["Profession", *level_names, "Total"],
        [[p, *(by_profession[p][lv] for lv in levels), sum(by_profession[p].values())]
         for p in sorted(by_profession)],
        ["Total", *(by_level[lv] for lv in levels), sum(by_level.values())])
    sector_table = ReportTable(
        "workforce-sectors", "People by level of practice and sector",
        ["Level of practice", *(sector_label(s) for s in sectors), "Total"],
        [[level_label(lv), *(by_sector[lv][s] for s in sectors), by_level[lv]] for lv in levels],
        ["Total", *(sum(by_sector[lv][s] for lv in levels) for s in sectors), sum(by_level.values())])
    tables = [profession_table, sector_table]
    if scope.several:
        tables.append(ReportTable(
            "workforce-organisations", "People by organisation and level of practice",
            ["Organisation", *level_names, "Total"],
            [[o.name, *(by_org[o.id][lv] for lv in levels), sum(by_org[o.id].values())] for o in scope.orgs],
            ["Total", *(by_level[lv] for lv in levels), sum(by_level.values())]))
    support = sum(by_level[lv] for lv in queries.SUPPORT_LEVELS)
    chart = bar_chart("workforce-levels", "People by level of practice",
                      "Horizontal bar chart of the number of people in post at each level of practice. "
                      "The same figures are in the table below.",
                      level_names, [by_level[lv] for lv in levels])
    return Section("workforce", "Workforce by level of practice",
                   "Everyone in post today, from support workers, OT assistants and apprentices to consultant "
                   "practitioners. A person with posts at two organisations counts at each.",
                   tables, chart,
                   facts=[("People in post", str(sum(by_level.values()))),
                          ("Support workforce (support worker to assistant practitioner)", str(support)),
                          ("Pre-registration learners and apprentices", str(by_level.get("pre_registration", 0)))])



def preceptorship_section(scope: Scope) -> Section:
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for org_id, state, n in queries.preceptorship_states(scope.ids, scope.on):
        counts[org_id][state] += n
    spreads = queries.completion_times(scope.ids)
    state_names = [label for _, label in PRECEPTORSHIP_STATES]
    totals = [sum(counts[o.id][s] for o in scope.orgs) for s, _ in PRECEPTORSHIP_STATES]
    status_table = ReportTable(
        "preceptorship-status", "Preceptorship programmes by status",
        ["Organisation", *state_names, "Total"],
        [[o.name, *(counts[o.id][s] for s, _ in PRECEPTORSHIP_STATES), sum(counts[o.id].values())]
         for o in scope.orgs],
        ["Total", *totals, sum(totals)])
    completion_rows = []
    for o in scope.orgs:
        spread = spreads.get(o.id)
        completion_rows.append([o.name, spread.count if spread else 0, _days(spread.median) if spread else None,
                                _days(spread.p90) if spread else None])
    overall = spreads.get(None)
    completion_table = ReportTable(
        "preceptorship-completion", "Time from programme start to completion (days)",
        ["Organisation", "Completed", "Median days", "90th percentile days"], completion_rows,
        ["All", overall.count, _days(overall.median), _days(overall.p90)] if overall else None)
    chart = stacked_bar_chart(
        "preceptorship-status", "Preceptorship programmes by status",
        "Stacked bar chart of programmes on track, due soon, overdue, paused and completed at each "
        "organisation. The same figures are in the table below.",
        [o.name for o in scope.orgs],
        [Series(label, [counts[o.id][s] for o in scope.orgs]) for s, label in PRECEPTORSHIP_STATES])
    return Section("preceptorship", "Preceptorship",
                   "Programmes that have not been withdrawn. Due soon: a review's window has opened; overdue: a "
                   "required review is past its due date; paused: a recorded pause covers today.",
                   [status_table, completion_table], chart)


def turnaround_section(scope: Scope, *, with_oldest: bool = True) -> Section:
    spreads = queries.turnaround(scope.ids, scope.on)
    waiting: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for org_id, band, n in queries.waiting_by_band(scope.ids, scope.now):
        waiting[org_id][band] += n
    turnaround_rows = []
    for o in scope.orgs:
        spread = spreads.get(o.id)
        turnaround_rows.append([o.name, spread.count if spread else 0, _days(spread.median) if spread else None,
                                _days(spread.p90) if spread else None])
    overall = spreads.get(None)
    turnaround_table = ReportTable(
        "signoff-turnaround", "Days from sign-off request to decision (requests made in the last 3 months)",
        ["Organisation", "Decisions", "Median days", "90th percentile days"], turnaround_rows,
        ["All", overall.count, _days(overall.median), _days(overall.p90)] if overall else None)
    band_names = [label for _, _, label in WAITING_BANDS]
    band_totals = [sum(waiting[o.id][b] for o in scope.orgs) for b in range(len(WAITING_BANDS))]
    waiting_table = ReportTable(
        "signoff-waiting", "Requests waiting for a decision, by time waited",
        ["Organisation", *band_names, "Total"],
        [[o.name, *(waiting[o.id][b] for b in range(len(WAITING_BANDS))), sum(waiting[o.id].values())]
         for o in scope.orgs],
        ["Total", *band_totals, sum(band_totals)])
    tables = [turnaround_table, waiting_table]
    if with_oldest:
        oldest = queries.oldest_waiting(scope.ids)
        tables.append(ReportTable(
            "signoff-oldest", "The longest-waiting requests",
            ["Practitioner", "Capability", "Assessor", "Organisation", "Requested on", "Days waiting"],
            [[w.practitioner_name, w.capability_code, w.assessor_name, w.organisation_name,
              w.requested_at.date().isoformat(), (scope.now - w.requested_at).days] for w in oldest]))
    chart = bar_chart("signoff-waiting", "Requests waiting for a decision",
                      "Bar chart of pending sign-off requests by how long they have waited. "
                      "The same figures are in the table below.",
                      band_names, band_totals, horizontal=False)
    facts = []
    if overall and overall.count:
        facts = [("Median days to a decision", f"{overall.median:.1f}"),
                 ("90th percentile days to a decision", f"{overall.p90:.1f}")]
    return Section("turnaround", "Sign-off turnaround",
                   "How long assessors take to sign off or return a request, and what is waiting now.",
                   tables, chart, facts)


def pipeline_section(scope: Scope) -> Section:
    stages: dict[tuple[str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for org_id, slug, stage, n in queries.pipeline_stages(scope.ids):
        stages[(slug, stage)][org_id] += n
    milestones = queries.pipeline_milestones(scope.ids)
    order = stage_order()
    keys = sorted(stages, key=lambda k: (order.get(k, (99, 99)), k))
    labels = [stage_label(*k) for k in keys]
    org_names = [o.name for o in scope.orgs]
    stage_table = ReportTable(
        "progression-stages", "People on progression pathways by current stage",
        ["Pathway and stage", *org_names, "Total"],
        [[label, *(stages[k][o.id] for o in scope.orgs), sum(stages[k].values())] for k, label in zip(keys, labels)],
        ["Total", *(sum(stages[k][o.id] for k in keys) for o in scope.orgs),
         sum(sum(v.values()) for v in stages.values())])
    measures = [("panel_booked", "Panel booked"), ("panel_ready", "Found ready by a panel"),
                ("apprenticeship", "On an apprenticeship")]
    milestone_table = ReportTable(
        "progression-milestones", "Panels and apprenticeships",
        ["Organisation", *(label for _, label in measures)],
        [[o.name, *(milestones.get(o.id, {}).get(m, 0) for m, _ in measures)] for o in scope.orgs],
        ["Total", *(sum(milestones.get(o.id, {}).get(m, 0) for o in scope.orgs) for m, _ in measures)])
    chart = bar_chart("progression-stages", "People on progression pathways by current stage",
                      "Horizontal bar chart of people at each stage of each progression pathway. "
                      "The same figures are in the table below.",
                      labels, [sum(stages[k].values()) for k in keys])
    return Section("progression", "Progression pipeline",
                   "Support workers and OT assistants working towards their next step. A panel booked means the "
                   "lead judged the person ready to go to panel.", [stage_table, milestone_table], chart)


def stage_order() -> dict[tuple[str, str], tuple[int, int]]:
    order = {}
    for p_index, pathway in enumerate(catalogue().latest()):
        for s_index, stage in enumerate(pathway.stages):
            order[(pathway.slug, stage.code)] = (p_index, s_index)
    return order


def confidence_section(scope: Scope, *, min_people: int = 1) -> Section:
    pillars = queries.checkin_pillars(scope.ids)
    rows = {r["quarter"]: r for r in queries.confidence_by_quarter(scope.ids, [c for c, _ in pillars])}
    measures = [("wellbeing", "Wellbeing"), *pillars]
    table_rows = []
    for index, name in enumerate(QUARTERS):
        row = rows.get(index)
        if row is None:
            continue
        shown = row["people"] >= min_people
        table_rows.append([name, row["people"] if shown else "<5", row["checkins"] if shown else "<5",
                           *((round(row[code], 2) if shown and row[code] is not None else None)
                             for code, _ in measures)])
    table = ReportTable(
        "confidence", "Average self-rated confidence and wellbeing (1 to 5) by quarter of the programme",
        ["Quarter", "People", "Check-ins", *(label for _, label in measures)], table_rows,
        note="" if min_people <= 1 else f"Averages are shown only where at least {min_people} people checked in.")
    quarters_present = [r[0] for r in table_rows]
    series = [Series(label, [r[3 + i] for r in table_rows]) for i, (_, label) in enumerate(measures)]
    chart = line_chart("confidence", "Average confidence and wellbeing over the programme",
                       "Line chart of average self-ratings from 1 to 5 for wellbeing and each pillar, by quarter "
                       "of the programme. The same figures are in the table below.",
                       quarters_present, series, y_min=1, y_max=5, y_label="Average rating")
    return Section("confidence", "Confidence across the cohort",
                   "Preceptees rate their confidence in each pillar and their wellbeing at check-ins.",
                   [table], chart)


SECTIONS: dict[str, Callable[[Scope], Section]] = {
    "workforce": workforce_section,
    "preceptorship": preceptorship_section,
    "turnaround": turnaround_section,
    "progression": pipeline_section,
    "confidence": confidence_section,
    "preceptors": preceptors_section,
    "insight": lambda scope: _insight().dashboard_section(scope),
}


def _insight():
    """Workforce insight measures (issue 16.7) live in their own module."""
    from competency.reporting import insight

    return insight


def build(scope: Scope) -> list[Section]:
    return [builder(scope) for builder in SECTIONS.values()]


# The first word of a table key names its section.
TABLE_SECTIONS = {"workforce": "workforce", "preceptorship": "preceptorship", "signoff": "turnaround",
                  "progression": "progression", "confidence": "confidence", "preceptors": "preceptors", "insight": "insight"}


def find_table(scope: Scope, table_key: str) -> ReportTable | None:
    """Build only the section holding ``table_key`` (for its CSV download)."""
    section_key = TABLE_SECTIONS.get(table_key.split("-")[0])
    if section_key is None:
        return None
    return SECTIONS[section_key](scope).table(table_key)
