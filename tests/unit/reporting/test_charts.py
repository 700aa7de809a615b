"""The SVG charts are well-formed, labelled for assistive technology, CSP-safe and escape their text."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from markupsafe import Markup

from competency.reporting.charts import Series, bar_chart, line_chart, stacked_bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: Markup) -> ET.Element:
    assert isinstance(markup, Markup)
    return ET.fromstring(str(markup))


def texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter(f"{SVG}text")]


def assert_accessible_svg(root: ET.Element, title: str) -> None:
    assert root.get("role") == "img"
    title_el = root.find(f"{SVG}title")
    desc_el = root.find(f"{SVG}desc")
    assert title_el is not None and title_el.text == title
    assert desc_el is not None and desc_el.text
    assert root.get("aria-labelledby") == f"{title_el.get('id')} {desc_el.get('id')}"
    for el in root.iter():
        assert "style" not in el.attrib, "inline style would be blocked by the CSP"
        assert not el.tag.endswith("script")
        assert not any(name.startswith("on") for name in el.attrib)


def test_horizontal_bar_chart_labels_every_category_and_value():
    root = parse(bar_chart("levels", "People by level", "Bar chart of people by level",
                           ["Support worker", "Registered practitioner"], [4, 12]))
    assert_accessible_svg(root, "People by level")
    shown = texts(root)
    assert "Support worker" in shown and "Registered practitioner" in shown
    assert "4" in shown and "12" in shown
    bars = [r for r in root.iter(f"{SVG}rect")]
    assert len(bars) == 2
    assert float(bars[1].get("width")) > float(bars[0].get("width"))


def test_suppressed_values_show_their_label_and_no_bar():
    root = parse(bar_chart("orgs", "People", "d", ["Small org", "Big org"], [None, 40], labels=["<5", None]))
    assert "<5" in texts(root)
    assert len(list(root.iter(f"{SVG}rect"))) == 1


def test_vertical_bar_chart_and_unit():
    root = parse(bar_chart("turnaround", "Days to decision", "d", ["Median", "90th percentile"], [3.5, 11.0],
                           horizontal=False, unit="days"))
    assert_accessible_svg(root, "Days to decision")
    assert "3.5 days" in texts(root) and "11 days" in texts(root)


def test_text_is_escaped_not_injected():
    root = parse(bar_chart("x", "<script>alert(1)</script>", "a & b", ["<b>bold</b>"], [1]))
    assert root.find(f"{SVG}title").text == "<script>alert(1)</script>"
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter(f"{SVG}b"))


def test_stacked_bars_have_a_legend_and_totals():
    root = parse(stacked_bar_chart("status", "Preceptorship status", "d", ["Council", "Trust"],
                                   [Series("On track", [3, 5]), Series("Overdue", [1, 0])]))
    assert_accessible_svg(root, "Preceptorship status")
    shown = texts(root)
    assert {"On track", "Overdue", "Council", "Trust", "4", "5"} <= set(shown)
    colours = {r.get("fill") for r in root.iter(f"{SVG}rect")}
    assert len(colours) == 2


def test_line_chart_breaks_on_missing_values_and_differs_by_dash():
    root = parse(line_chart("conf", "Confidence", "d", ["Jan", "Feb", "Mar", "Apr"],
                            [Series("Leadership", [2, 3, None, 4]), Series("Wellbeing", [3, 3, 4, 5])],
                            y_min=1, y_max=5))
    assert_accessible_svg(root, "Confidence")
    lines = list(root.iter(f"{SVG}polyline"))
    # Leadership has a gap after Feb: one segment (Jan-Feb), the lone April point is a marker only.
    assert len(lines) == 2
    dashes = {line.get("stroke-dasharray") for line in lines}
    assert len(dashes) == 2
    assert "Leadership" in texts(root) and "Wellbeing" in texts(root)


def test_empty_data_still_renders():
    root = parse(bar_chart("empty", "Nothing yet", "No data", [], []))
    assert_accessible_svg(root, "Nothing yet")
    parse(line_chart("empty-line", "Nothing", "No data", [], []))
    parse(stacked_bar_chart("empty-stack", "Nothing", "No data", [], []))


def test_ids_are_unique_per_chart():
    a = parse(bar_chart("a b", "A", "d", ["x"], [1]))
    b = parse(bar_chart("c", "C", "d", ["x"], [1]))
    assert a.find(f"{SVG}title").get("id") != b.find(f"{SVG}title").get("id")
    assert " " not in a.find(f"{SVG}title").get("id")
