"""Report tables: what a page shows beside each chart and what its CSV download contains."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from markupsafe import Markup

from competency.reporting.suppression import Figure, PublishedTable

# Spreadsheet programs run a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ReportTable:
    key: str
    caption: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    totals: list | None = None
    note: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.rows


@dataclass
class Section:
    key: str
    title: str
    intro: str
    tables: list[ReportTable]
    chart: Markup | None = None
    facts: list[tuple[str, str]] = field(default_factory=list)

    def table(self, key: str) -> ReportTable | None:
        return next((t for t in self.tables if t.key == key), None)


def show(value) -> str:
    """How a cell reads on the page and in the CSV."""
    if value is None:
        return "Not enough data"
    if isinstance(value, Figure):
        return value.text
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _csv_cell(value) -> str:
    text = show(value)
    if text.startswith(FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_csv(table: ReportTable) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([_csv_cell(v) for v in row])
    if table.totals is not None:
        writer.writerow([_csv_cell(v) for v in table.totals])
    return buffer.getvalue()


def from_published(key: str, caption: str, corner: str, published: PublishedTable, *, note: str = "",
                   total_label: str = "Total") -> ReportTable:
    """A suppressed table as rows of figures, with its totals row and column."""
    columns = [corner, *published.column_labels, total_label]
    rows = [[label, *cells, total] for label, cells, total in published.rows()]
    totals = [total_label, *published.column_totals, published.grand_total]
    notes = [note, *published.notes] if note else list(published.notes)
    return ReportTable(key, caption, columns, rows, totals, " ".join(n for n in notes if n))
