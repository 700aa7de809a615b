"""CSV downloads: what a spreadsheet would show, and nothing it would run."""
from __future__ import annotations

import csv
import io

from competency.reporting.suppression import publish_table
from competency.reporting.tables import ReportTable, from_published, to_csv


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted():
    table = ReportTable("t", "Caption", ["Profession", "People"],
                        [["=HYPERLINK(\"http://x\")", 3], ["@SUM(A1)", 2], ["Physiotherapist", 4]], ["Total", 9])
    rows = rows_of(to_csv(table))
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")" and rows[2][0] == "'@SUM(A1)"
    assert rows[3] == ["Physiotherapist", "4"] and rows[-1] == ["Total", "9"]


def test_missing_figures_say_so_and_averages_keep_one_decimal():
    table = ReportTable("t", "Caption", ["Organisation", "Median days"], [["Trust", None], ["Council", 3.25]])
    assert rows_of(to_csv(table))[1:] == [["Trust", "Not enough data"], ["Council", "3.2"]]


def test_a_suppressed_table_keeps_its_totals_row_and_column():
    published = publish_table(["Trust", "Council"], ["Support", "Registered"], [[3, 9], [6, 12]])
    rows = rows_of(to_csv(from_published("k", "People", "Organisation", published)))
    assert rows[0] == ["Organisation", "Support", "Registered", "Total"]
    assert rows[1] == ["Trust", "<5", "10", "10"]
    assert rows[-1] == ["Total", "10", "20", "30"]
