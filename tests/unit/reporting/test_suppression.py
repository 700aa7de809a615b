"""Small-number suppression: nothing from 1 to 4 is ever published, and nothing small can be worked out."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from competency.reporting.suppression import (
    SMALL,
    WITHHELD,
    Figure,
    bounds,
    pinned_cells,
    publish_column,
    publish_count,
    publish_table,
    round_count,
)

SMALL_NUMBERS = {"1", "2", "3", "4"}


class TestPublishCount:
    @pytest.mark.parametrize("count", [1, 2, 3, 4])
    def test_counts_from_one_to_four_are_shown_as_less_than_five(self, count):
        figure = publish_count(count)
        assert figure.text == "<5" and figure.value is None and figure.is_suppressed

    def test_zero_is_a_true_zero(self):
        assert publish_count(0).text == "0" and publish_count(None).text == "0"

    @pytest.mark.parametrize(("count", "shown"), [(5, "5"), (6, "5"), (7, "5"), (8, "10"), (12, "10"),
                                                  (13, "15"), (102, "100"), (103, "105")])
    def test_other_counts_round_to_the_nearest_five(self, count, shown):
        assert publish_count(count).text == shown

    def test_no_published_count_is_ever_one_to_four(self):
        for count in range(0, 2000):
            assert publish_count(count).text not in SMALL_NUMBERS

    def test_bounds_contain_the_true_count(self):
        for count in range(0, 500):
            low, high = bounds(publish_count(count))
            assert low <= count <= high

    def test_negative_counts_are_a_programming_error(self):
        with pytest.raises(ValueError):
            publish_count(-1)


class TestDifferencing:
    def test_differencing_any_two_published_totals_never_reveals_a_small_count(self):
        """For every pair of true totals a >= b (b counting a subset of a's people), a reader who
        subtracts the published figures never learns the exact difference when it is 1 to 4; and
        unless one figure is itself shown as "<5", cannot even tell the difference is from 1 to 4."""
        for a in range(0, 160):
            for b in range(0, a + 1):
                shown_a, shown_b = publish_count(a), publish_count(b)
                low_a, high_a = bounds(shown_a)
                low_b, high_b = bounds(shown_b)
                possible = {x - y for x in range(low_a, high_a + 1) for y in range(low_b, high_b + 1) if x >= y}
                assert a - b in possible
                assert not (len(possible) == 1 and possible <= {1, 2, 3, 4}), f"{a} - {b} is given away"
                if not (shown_a.is_suppressed or shown_b.is_suppressed):
                    assert possible - {1, 2, 3, 4}, f"totals {a} and {b} would reveal a difference of 1-4"

    def test_published_differences_are_multiples_of_five(self):
        for a in range(5, 300):
            for b in range(5, a):
                assert (round_count(a) - round_count(b)) % 5 == 0


CAP = 24


def consistent_tables(table):
    """Every table of true counts a reader could not rule out, given the whole published table.

    Hidden figures are searched up to ``CAP`` only: fewer candidates can only make the test stricter.
    """
    n_cols = len(table.column_labels)
    grand_high = min(bounds(table.grand_total)[1], CAP)

    def options(figure: Figure, cap: int):
        low, high = bounds(figure)
        return range(low, min(high, cap) + 1)

    def matches(figure: Figure, count: int) -> bool:
        if figure.text == WITHHELD:
            return figure.is_total or count >= 5
        return publish_count(count).text == figure.text

    row_options = []
    for cells, total in zip(table.cells, table.row_totals):
        cap = min(bounds(total)[1], grand_high)
        combos = [combo for combo in itertools.product(*(options(f, cap) for f in cells))
                  if matches(total, sum(combo)) and all(matches(f, c) for f, c in zip(cells, combo))]
        row_options.append(combos)
    for rows in itertools.product(*row_options):
        columns = [sum(row[j] for row in rows) for j in range(n_cols)]
        if all(matches(f, c) for f, c in zip(table.column_totals, columns)) and \
                matches(table.grand_total, sum(columns)):
            yield rows


small_or_medium = st.one_of(st.integers(0, 4), st.integers(0, 14))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([(2, 2), (2, 3), (3, 2)]).flatmap(
    lambda shape: st.lists(st.lists(small_or_medium, min_size=shape[1], max_size=shape[1]),
                           min_size=shape[0], max_size=shape[0])))
def test_no_suppressed_cell_can_be_worked_out_from_the_whole_table(counts):
    table = publish_table([f"r{i}" for i in range(len(counts))], [f"c{j}" for j in range(len(counts[0]))], counts)
    assert not any(f.text in SMALL_NUMBERS for f in table.all_figures())
    candidates = list(consistent_tables(table))
    assert tuple(tuple(row) for row in counts) in {tuple(tuple(r) for r in c) for c in candidates}
    for i, row in enumerate(table.cells):
        for j, figure in enumerate(row):
            if figure.text == SMALL:
                values = {candidate[i][j] for candidate in candidates}
                assert len(values) > 1, f"cell ({i},{j}) of {counts} is given away as {values}"


class TestTables:
    def test_totals_are_rounded_from_true_totals(self):
        table = publish_table(["Trust", "Council"], ["Support", "Registered"], [[3, 9], [6, 12]])
        assert [f.text for f in table.row_totals] == ["10", "20"]
        assert [f.text for f in table.column_totals] == ["10", "20"]
        assert table.grand_total.text == "30"
        assert table.cells[0][0].text == SMALL

    def test_a_single_cell_table_shows_its_total_suppressed_too(self):
        table = publish_column(["Only org"], [3])
        assert table.cells[0][0].text == SMALL and table.grand_total.text == SMALL

    def test_secondary_suppression_when_totals_would_pin_a_small_cell(self):
        # Row: 1 and 6 (total 7 -> "5"), the 6 shown as "5" (5..7): the small cell could only be 1 or 2;
        # the column under the 6 pins it to 6 or 7, which would leave the small cell exactly 1.
        counts = [[1, 6], [0, 7]]
        table = publish_table(["a", "b"], ["x", "y"], counts)
        assert not pinned_cells(table)
        assert not any(f.text in SMALL_NUMBERS for f in table.all_figures())

    def test_rows_yield_label_cells_and_total(self):
        table = publish_table(["a"], ["x", "y"], [[10, 0]])
        label, cells, total = next(iter(table.rows()))
        assert label == "a" and [c.text for c in cells] == ["10", "0"] and total.text == "10"

    def test_rows_must_match_columns(self):
        with pytest.raises(ValueError):
            publish_table(["a"], ["x", "y"], [[1]])
