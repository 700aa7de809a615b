"""The system view for analysts: the dashboard's figures across a region, by organisation and sector.

Only aggregates leave this module, and every count goes through
:mod:`competency.reporting.suppression` (``<5``, rounding to 5, audited secondary
suppression). Averages and percentiles are shown only for groups of at least
``MIN_GROUP`` people or decisions. Nothing names or lists a person.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from competency.reporting import queries
from competency.reporting.charts import Series, bar_chart, line_chart
from competency.reporting.dashboard import (
    TABLE_SECTIONS,
    Scope,
    level_label,
    ordered_levels,
    sector_label,
    stage_label,
    stage_order,
)
from competency.reporting.queries import PRECEPTORSHIP_STATES, QUARTERS, WAITING_BANDS
from competency.reporting.suppression import THRESHOLD, publish_count, publish_table
from competency.reporting.tables import ReportTable, Section, from_published

MIN_GROUP = THRESHOLD
SUPPRESSION_NOTE = ("Counts from 1 to 4 are shown as <5 and other counts are rounded to the nearest 5, so totals "
                    "may not equal the sum of their parts.")


def _by_sector(scope: Scope, per_org: dict[int, list[int]], width: int) -> tuple[list[str], list[list[int]]]:
    sums: dict[str, list[int]] = defaultdict(lambda: [0] * width)
    for org in scope.orgs:
        for i, n in enumerate(per_org.get(org.id, [0] * width)):
            sums[org.sector][i] += n
    sectors = sorted(sums)
    return [sector_label(s) for s in sectors], [sums[s] for s in sectors]


def _org_and_sector_tables(scope: Scope, key: str, caption: str, columns: list[str],
                           per_org: dict[int, list[int]]) -> list[ReportTable]:
    width = len(columns)
    org_table = publish_table([o.name for o in scope.orgs], columns,
                              [per_org.get(o.id, [0] * width) for o in scope.orgs])
    sector_labels, sector_counts = _by_sector(scope, per_org, width)
    sector_table = publish_table(sector_labels, columns, sector_counts)
    return [
        from_published(f"{key}-organisations", f"{caption} by organisation", "Organisation", org_table,
                       note=SUPPRESSION_NOTE),
        from_published(f"{key}-sectors", f"{caption} by sector", "Sector", sector_table, note=SUPPRESSION_NOTE),
    ]


def _chart_values(figures) -> tuple[list[int | None], list[str]]:
    return [f.value for f in figures], [f.text for f in figures]


def workforce_section(scope: Scope) -> Section:
    rows = queries.workforce(scope.ids, scope.on)
    levels = ordered_levels({level for _, level, _, _ in rows})
    index = {lv: i for i, lv in enumerate(levels)}
    per_org: dict[int, list[int]] = defaultdict(lambda: [0] * len(levels))
    per_profession: dict[str, list[int]] = defaultdict(lambda: [0] * len(levels))
    for org_id, level, profession, n in rows:
        per_org[org_id][index[level]] += n
        per_profession[profession][index[level]] += n
    level_names = [level_label(lv) for lv in levels]
    tables = _org_and_sector_tables(scope, "workforce", "People by level of practice", level_names, per_org)
    professions = sorted(per_profession)
    profession_table = publish_table(professions, level_names, [per_profession[p] for p in professions])
    tables.append(from_published("workforce-professions", "People by profession and level of practice",
                                 "Profession", profession_table, note=SUPPRESSION_NOTE))
    values, labels = _chart_values(profession_table.column_totals)
    chart = bar_chart("system-workforce", "People by level of practice across the region",
                      "Horizontal bar chart of people in post at each level of practice across the region, "
                      "with small numbers suppressed. The same figures are in the tables below.",
                      level_names, values, labels=labels)
    return Section("workforce", "Workforce by level of practice",
                   "Everyone in post today across the region's organisations, support workers, OT assistants and "
                   "apprentices included.", tables, chart,
                   facts=[("People in post", profession_table.grand_total.text)])


def preceptorship_section(scope: Scope) -> Section:
    states = [s for s, _ in PRECEPTORSHIP_STATES]
    per_org: dict[int, list[int]] = defaultdict(lambda: [0] * len(states))
    for org_id, state, n in queries.preceptorship_states(scope.ids, scope.on):
        if state in states:
            per_org[org_id][states.index(state)] += n
    names = [label for _, label in PRECEPTORSHIP_STATES]
    tables = _org_and_sector_tables(scope, "preceptorship", "Preceptorship programmes by status", names, per_org)
    spreads = queries.completion_times(scope.ids)
    tables.append(_spread_table("preceptorship-completion", "Time from programme start to completion (days)",
                                "Completed", scope, spreads))
    region = publish_table(["Region"], names, [[sum(per_org[o.id][i] for o in scope.orgs)
                                                for i in range(len(states))]])
    values, labels = _chart_values(region.column_totals)
    chart = bar_chart("system-preceptorship", "Preceptorship programmes by status across the region",
                      "Bar chart of programmes on track, due soon, overdue, paused and completed across the region, "
                      "with small numbers suppressed. The same figures are in the tables below.",
                      names, values, labels=labels)
    return Section("preceptorship", "Preceptorship",
                   "Programmes that have not been withdrawn, by status today.", tables, chart)


def _spread_table(key: str, caption: str, count_label: str, scope: Scope, spreads) -> ReportTable:
    rows = []
    for org in scope.orgs:
        spread = spreads.get(org.id)
        count = spread.count if spread else 0
        enough = count >= MIN_GROUP
        rows.append([org.name, publish_count(count), round(spread.median, 1) if enough else None,
                     round(spread.p90, 1) if enough else None])
    overall = spreads.get(None)
    count = overall.count if overall else 0
    enough = count >= MIN_GROUP
    totals = ["Region", publish_count(count), round(overall.median, 1) if enough else None,
              round(overall.p90, 1) if enough else None]
    return ReportTable(key, caption, ["Organisation", count_label, "Median days", "90th percentile days"], rows,
                       totals, note=f"Medians and percentiles are shown only for {MIN_GROUP} or more.")


def turnaround_section(scope: Scope) -> Section:
    spreads = queries.turnaround(scope.ids, scope.on)
    width = len(WAITING_BANDS)
    per_org: dict[int, list[int]] = defaultdict(lambda: [0] * width)
    for org_id, band, n in queries.waiting_by_band(scope.ids, scope.now):
        per_org[org_id][band] += n
    names = [label for _, _, label in WAITING_BANDS]
    tables = [_spread_table("signoff-turnaround",
                            "Days from sign-off request to decision (requests made in the last 3 months)",
                            "Decisions", scope, spreads)]
    tables += _org_and_sector_tables(scope, "signoff-waiting", "Requests waiting for a decision", names, per_org)
    region = publish_table(["Region"], names, [[sum(per_org[o.id][i] for o in scope.orgs) for i in range(width)]])
    values, labels = _chart_values(region.column_totals)
    chart = bar_chart("system-waiting", "Requests waiting for a decision across the region",
                      "Bar chart of pending sign-off requests by time waited, with small numbers suppressed. "
                      "The same figures are in the tables below.", names, values, labels=labels, horizontal=False)
    overall = spreads.get(None)
    facts = []
    if overall and overall.count >= MIN_GROUP:
        facts = [("Median days to a decision", f"{overall.median:.1f}"),
                 ("90th percentile days to a decision", f"{overall.p90:.1f}")]
    return Section("turnaround", "Sign-off turnaround",
                   "How long assessors take to decide, and how long requests have been waiting.", tables, chart, facts)


def pipeline_section(scope: Scope) -> Section:
    stage_rows = queries.pipeline_stages(scope.ids)
    order = stage_order()
    keys = sorted({(slug, stage) for _, slug, stage, _ in stage_rows}, key=lambda k: (order.get(k, (99, 99)), k))
    index = {k: i for i, k in enumerate(keys)}
    per_org: dict[int, list[int]] = defaultdict(lambda: [0] * len(keys))
    for org_id, slug, stage, n in stage_rows:
        per_org[org_id][index[(slug, stage)]] += n
    labels = [stage_label(*k) for k in keys]
    tables = _org_and_sector_tables(scope, "progression", "People on progression pathways by stage", labels, per_org)
    milestones = queries.pipeline_milestones(scope.ids)
    measures = [("panel_booked", "Panel booked"), ("panel_ready", "Found ready by a panel"),
                ("apprenticeship", "On an apprenticeship")]
    table = ReportTable("progression-milestones", "Panels and apprenticeships by organisation",
                        ["Organisation", *(label for _, label in measures)], note=SUPPRESSION_NOTE)
    for measure_index, (measure, _) in enumerate(measures):
        column = publish_table([o.name for o in scope.orgs], ["n"],
                               [[milestones.get(o.id, {}).get(measure, 0)] for o in scope.orgs])
        for row_index, org in enumerate(scope.orgs):
            if measure_index == 0:
                table.rows.append([org.name])
            table.rows[row_index].append(column.cells[row_index][0])
        table.totals = (table.totals or ["Region"]) + [column.grand_total]
    tables.append(table)
    region = publish_table(["Region"], labels, [[sum(per_org[o.id][i] for o in scope.orgs)
                                                 for i in range(len(keys))]])
    values, chart_labels = _chart_values(region.column_totals)
    chart = bar_chart("system-progression", "People on progression pathways by stage across the region",
                      "Horizontal bar chart of people at each pathway stage across the region, with small numbers "
                      "suppressed. The same figures are in the tables below.", labels, values, labels=chart_labels)
    return Section("progression", "Progression pipeline",
                   "Support workers and OT assistants working towards their next step.", tables, chart)


def confidence_section(scope: Scope) -> Section:
    pillars = queries.checkin_pillars(scope.ids)
    rows = {r["quarter"]: r for r in queries.confidence_by_quarter(scope.ids, [c for c, _ in pillars])}
    measures = [("wellbeing", "Wellbeing"), *pillars]
    table_rows = []
    for index, name in enumerate(QUARTERS):
        row = rows.get(index)
        if row is None:
            continue
        enough = row["people"] >= MIN_GROUP
        table_rows.append([name, publish_count(row["people"]), publish_count(row["checkins"]),
                           *((round(row[code], 2) if enough and row[code] is not None else None)
                             for code, _ in measures)])
    table = ReportTable(
        "confidence", "Average self-rated confidence and wellbeing (1 to 5) by quarter of the programme",
        ["Quarter", "People", "Check-ins", *(label for _, label in measures)], table_rows,
        note=f"Averages are shown only where at least {MIN_GROUP} people checked in. {SUPPRESSION_NOTE}")
    series = [Series(label, [r[3 + i] for r in table_rows]) for i, (_, label) in enumerate(measures)]
    chart = line_chart("system-confidence", "Average confidence and wellbeing over the programme",
                       "Line chart of average self-ratings from 1 to 5 by quarter of the programme, across the "
                       "region, for groups of 5 or more people. The same figures are in the table below.",
                       [r[0] for r in table_rows], series, y_min=1, y_max=5, y_label="Average rating")
    return Section("confidence", "Confidence across the region",
                   "Average self-ratings at preceptorship check-ins.", [table], chart)


SECTIONS: dict[str, Callable[[Scope], Section]] = {
    "workforce": workforce_section,
    "preceptorship": preceptorship_section,
    "turnaround": turnaround_section,
    "progression": pipeline_section,
    "confidence": confidence_section,
    "insight": lambda scope: _insight_section(scope),
}


def _insight_section(scope: Scope) -> Section:
    from competency.reporting.insight import system_section

    return system_section(scope)


def build(scope: Scope) -> list[Section]:
    return [builder(scope) for builder in SECTIONS.values()]


def find_table(scope: Scope, table_key: str) -> ReportTable | None:
    section_key = TABLE_SECTIONS.get(table_key.split("-")[0])
    if section_key is None:
        return None
    return SECTIONS[section_key](scope).table(table_key)
