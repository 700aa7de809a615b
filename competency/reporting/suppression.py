"""Small-number suppression for figures published beyond one organisation (the system view).

The rules, applied to every count the system view shows (table cells, row,
column and grand totals, chart labels, CSV):

1. **Primary suppression.** A count from 1 to 4 is shown as ``<5``.
2. **Rounding.** Every other non-zero count is rounded to the nearest 5
   (halves up), and never below 5; a true zero is shown as ``0``. Totals are
   rounded from the true total, never summed from rounded cells. So no
   published number is ever 1 to 4, and the difference of any two published
   numbers is a multiple of 5: it cannot reveal a count from 1 to 4.
3. **Secondary suppression.** After rounding, a table is audited: the
   published cells and totals bound each suppressed cell (each row and column
   must add up to its total). When those bounds would pin a suppressed cell to
   a single value, the smallest other visible non-zero cell in its row (or
   column) is withheld too, shown as ``[c]``; repeat until nothing is pinned.

Everything here is pure: counts in, display values out.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

THRESHOLD = 5
BASE = 5
SMALL = "<5"
WITHHELD = "[c]"
# An upper bound for withheld cells when the audit has nothing tighter.
_UNBOUNDED = 10**9


@dataclass(frozen=True)
class Figure:
    """One published count: ``text`` to show, ``value`` to draw (None when hidden)."""

    text: str
    value: int | None
    is_suppressed: bool = False
    # A withheld total says nothing about its size; a withheld cell is known to be at least 5.
    is_total: bool = False

    def __str__(self) -> str:
        return self.text


def round_count(count: int) -> int:
    """Nearest multiple of ``BASE`` (halves up), never below ``THRESHOLD`` for a count at or above it."""
    rounded = ((count + BASE // 2) // BASE) * BASE
    return max(rounded, THRESHOLD)


def publish_count(count: int | None) -> Figure:
    if count is None or count == 0:
        return Figure("0", 0)
    if count < 0:
        raise ValueError("counts are never negative")
    if count < THRESHOLD:
        return Figure(SMALL, None, True)
    rounded = round_count(count)
    return Figure(str(rounded), rounded)


def bounds(figure: Figure) -> tuple[int, int]:
    """The true counts a reader can infer from one published figure on its own."""
    if figure.text == "0":
        return 0, 0
    if figure.text == SMALL:
        return 1, THRESHOLD - 1
    if figure.text == WITHHELD:
        return (0 if figure.is_total else THRESHOLD), _UNBOUNDED
    value = int(figure.text)
    return max(THRESHOLD, value - BASE // 2), value + BASE // 2 - (1 if BASE % 2 == 0 else 0)


@dataclass
class PublishedTable:
    """A rows x columns table of counts with its totals, ready to show outside the organisation."""

    row_labels: list[str]
    column_labels: list[str]
    cells: list[list[Figure]]
    row_totals: list[Figure]
    column_totals: list[Figure]
    grand_total: Figure
    withheld: int = 0
    notes: list[str] = field(default_factory=list)

    def rows(self):
        """(label, [cell figures], row total) for templates and CSV."""
        return zip(self.row_labels, self.cells, self.row_totals)

    def all_figures(self) -> list[Figure]:
        return [f for row in self.cells for f in row] + self.row_totals + self.column_totals + [self.grand_total]


def publish_table(row_labels: Sequence[str], column_labels: Sequence[str],
                  counts: Sequence[Sequence[int]]) -> PublishedTable:
    """Apply primary suppression, rounding and audited secondary suppression to a table of counts."""
    rows = [list(map(int, row)) for row in counts]
    if any(len(row) != len(column_labels) for row in rows):
        raise ValueError("every row needs one count per column")
    row_sums = [sum(row) for row in rows]
    column_sums = [sum(row[j] for row in rows) for j in range(len(column_labels))]
    cells = [[publish_count(n) for n in row] for row in rows]
    table = PublishedTable(
        row_labels=list(row_labels), column_labels=list(column_labels), cells=cells,
        row_totals=[publish_count(n) for n in row_sums],
        column_totals=[publish_count(n) for n in column_sums],
        grand_total=publish_count(sum(row_sums)),
    )
    _secondary_suppression(table, rows)
    return table


def publish_column(labels: Sequence[str], counts: Sequence[int]) -> PublishedTable:
    """A one-column table (e.g. people per organisation) with its total."""
    return publish_table(labels, ["Count"], [[n] for n in counts])


def _secondary_suppression(table: PublishedTable, true_counts: list[list[int]]) -> None:
    """Withhold more cells until the audit cannot pin any suppressed cell to one value."""
    for _ in range(len(true_counts) * max(len(table.column_labels), 1) + 1):
        pinned = [(i, j) for i, j in pinned_cells(table)]
        if not pinned:
            return
        i, j = pinned[0]
        target = _smallest_visible(table, true_counts, [(i, k) for k in range(len(table.column_labels)) if k != j])
        if target is None:
            target = _smallest_visible(table, true_counts, [(k, j) for k in range(len(table.row_labels)) if k != i])
        if target is None:
            # Nothing left to withhold beside it: hide the totals that pin it instead.
            hidden = Figure(WITHHELD, None, True, is_total=True)
            table.row_totals[i] = table.column_totals[j] = table.grand_total = hidden
            table.withheld += 1
            continue
        ti, tj = target
        table.cells[ti][tj] = Figure(WITHHELD, None, True)
        table.withheld += 1
    if table.withheld:
        table.notes.append("Some figures are withheld ([c]) so that a small number elsewhere cannot be worked out.")


def _smallest_visible(table: PublishedTable, true_counts, positions) -> tuple[int, int] | None:
    candidates = [(true_counts[i][j], i, j) for i, j in positions
                  if not table.cells[i][j].is_suppressed and true_counts[i][j] > 0]
    if not candidates:
        return None
    _, i, j = min(candidates)
    return i, j


def audit(table: PublishedTable) -> list[list[tuple[int, int]]]:
    """Bounds on each cell's true count that a reader can derive from the whole published table.

    Interval propagation over the row, column and grand-total equations until nothing tightens.
    """
    n_rows, n_cols = len(table.row_labels), len(table.column_labels)
    cell = [[list(bounds(f)) for f in row] for row in table.cells]
    rtot = [list(bounds(f)) for f in table.row_totals]
    ctot = [list(bounds(f)) for f in table.column_totals]
    grand = list(bounds(table.grand_total))
    equations: list[tuple[list[list[int]], list[int]]] = []
    for i in range(n_rows):
        equations.append(([cell[i][j] for j in range(n_cols)], rtot[i]))
    for j in range(n_cols):
        equations.append(([cell[i][j] for i in range(n_rows)], ctot[j]))
    if n_rows:
        equations.append((rtot, grand))
    if n_cols:
        equations.append((ctot, grand))
    changed = True
    passes = 0
    while changed and passes < 100:
        changed = False
        passes += 1
        for parts, total in equations:
            low_sum = sum(p[0] for p in parts)
            high_sum = sum(p[1] for p in parts)
            if low_sum > total[0]:
                total[0], changed = low_sum, True
            if high_sum < total[1]:
                total[1], changed = high_sum, True
            for p in parts:
                new_low = total[0] - (high_sum - p[1])
                new_high = total[1] - (low_sum - p[0])
                if new_low > p[0]:
                    p[0], changed = new_low, True
                if new_high < p[1]:
                    p[1], changed = new_high, True
    return [[(c[0], c[1]) for c in row] for row in cell]


def pinned_cells(table: PublishedTable) -> list[tuple[int, int]]:
    """Suppressed cells (``<5``) whose true count the published table gives away exactly."""
    derived = audit(table)
    return [(i, j) for i, row in enumerate(table.cells) for j, f in enumerate(row)
            if f.text == SMALL and derived[i][j][0] >= derived[i][j][1]]
