"""Server-rendered, accessible SVG charts.

Every chart is an ``<svg role="img">`` labelled by its own ``<title>`` and
``<desc>``, draws its numbers as text beside the marks, uses only SVG
presentation attributes (no ``style=``, no script, so the CSP holds) and
is meant to sit next to a data table holding the same figures. Colour is
never the only cue: stacked segments carry a legend in drawing order and
line series differ in dash pattern and marker shape too.

Values may be ``None`` (drawn as no mark) and may carry a display label
that differs from the number, e.g. ``"<5"`` for a suppressed count.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# NHS identity colours, each with at least 3:1 contrast against white.
PALETTE = ["#005eb8", "#007f3b", "#330072", "#d5281b", "#ae2573", "#00a499", "#425563", "#ed8b00"]
TEXT = "#212b32"
AXIS = "#4c6272"
GRID = "#d8dde0"
DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2", "10 4"]
FONT = "Frutiger W01, Arial, sans-serif"


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]


def _id(chart_id: str) -> str:
    cleaned = re.sub(r"[^a-zA-Z0-9_-]", "-", chart_id).strip("-")
    return f"chart-{cleaned or 'x'}"


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _label(value: float | None, label: str | None) -> str:
    if label is not None:
        return label
    if value is None:
        return "no data"
    return _num(value) if isinstance(value, float) else str(value)


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value``, a multiple of 4 so the 4 gridlines fall on round numbers."""
    if value <= 0:
        return 4
    magnitude = 1.0
    while True:
        for step in (1, 2, 2.5, 5):
            if value <= 4 * step * magnitude:
                return 4 * step * magnitude
        magnitude *= 10


def _ticks(top: float, count: int = 4) -> list[float]:
    return [top * i / count for i in range(count + 1)]


def _open(chart_id: str, width: int, height: int, title: str, desc: str) -> list[str]:
    ident = _id(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{FONT}" font-size="14" fill="{TEXT}">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
    ]


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _legend(parts: list[str], labels: Sequence[str], x: float, y: float, *, lines: bool = False) -> float:
    """Draw a legend row by row from (x, y); returns the y below it."""
    for index, label in enumerate(labels):
        colour = PALETTE[index % len(PALETTE)]
        row_y = y + index * 20
        if lines:
            dash = DASHES[index % len(DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(f'<line x1="{x}" y1="{row_y + 6}" x2="{x + 24}" y2="{row_y + 6}" stroke="{colour}" '
                         f'stroke-width="3"{dash_attr}/>')
            parts.append(_marker(index, x + 12, row_y + 6, colour))
            parts.append(f'<text x="{x + 32}" y="{row_y + 11}">{escape(label)}</text>')
        else:
            parts.append(f'<rect x="{x}" y="{row_y}" width="14" height="14" fill="{colour}"/>')
            parts.append(f'<text x="{x + 20}" y="{row_y + 12}">{escape(label)}</text>')
    return y + len(labels) * 20


def _marker(index: int, cx: float, cy: float, colour: str) -> str:
    shape = index % 3
    if shape == 0:
        return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{colour}"/>'
    if shape == 1:
        return f'<rect x="{cx - 4:.1f}" y="{cy - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    return (f'<polygon points="{cx:.1f},{cy - 5:.1f} {cx + 5:.1f},{cy + 4:.1f} {cx - 5:.1f},{cy + 4:.1f}" '
            f'fill="{colour}"/>')


def bar_chart(chart_id: str, title: str, desc: str, categories: Sequence[str],
              values: Sequence[float | None], *, labels: Sequence[str | None] | None = None,
              horizontal: bool = True, unit: str = "") -> Markup:
    """One bar per category, its value written at the end of the bar."""
    labels = list(labels) if labels is not None else [None] * len(values)
    numbers = [v for v in values if v is not None]
    top = _nice_max(max(numbers, default=0))
    suffix = f" {unit}" if unit else ""
    if horizontal:
        return _horizontal_bars(chart_id, title, desc, categories, values, labels, top, suffix)
    return _vertical_bars(chart_id, title, desc, categories, values, labels, top, suffix)


def _horizontal_bars(chart_id, title, desc, categories, values, labels, top, suffix) -> Markup:
    label_width, plot_width, bar, gap = 300, 420, 22, 10
    height = 30 + len(categories) * (bar + gap) + 30
    width = label_width + plot_width + 90
    parts = _open(chart_id, width, height, title, desc)
    y0 = 20
    plot_bottom = y0 + len(categories) * (bar + gap)
    for tick in _ticks(top):
        x = label_width + plot_width * tick / top
        parts.append(f'<line x1="{x:.1f}" y1="{y0 - 5}" x2="{x:.1f}" y2="{plot_bottom}" stroke="{GRID}"/>')
        parts.append(f'<text x="{x:.1f}" y="{plot_bottom + 18}" text-anchor="middle" fill="{AXIS}" '
                     f'font-size="12">{_num(tick)}</text>')
    for index, (category, value, label) in enumerate(zip(categories, values, labels)):
        y = y0 + index * (bar + gap)
        parts.append(f'<text x="{label_width - 8}" y="{y + bar * 0.7:.1f}" text-anchor="end">'
                     f'{escape(_truncate(category, 42))}</text>')
        length = 0.0 if value is None else plot_width * max(value, 0) / top
        if length > 0:
            parts.append(f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" '
                         f'fill="{PALETTE[0]}"/>')
        parts.append(f'<text x="{label_width + length + 6:.1f}" y="{y + bar * 0.7:.1f}">'
                     f'{escape(_label(value, label))}{escape(suffix)}</text>')
    parts.append(f'<line x1="{label_width}" y1="{y0 - 5}" x2="{label_width}" y2="{plot_bottom}" stroke="{AXIS}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _vertical_bars(chart_id, title, desc, categories, values, labels, top, suffix) -> Markup:
    left, top_margin, plot_height, bar, gap = 50, 30, 220, 64, 56
    width = left + len(categories) * (bar + gap) + 20
    height = top_margin + plot_height + 50
    parts = _open(chart_id, max(width, 200), height, title, desc)
    base = top_margin + plot_height
    for tick in _ticks(top):
        y = base - plot_height * tick / top
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{AXIS}" '
                     f'font-size="12">{_num(tick)}</text>')
    for index, (category, value, label) in enumerate(zip(categories, values, labels)):
        x = left + gap / 2 + index * (bar + gap)
        length = 0.0 if value is None else plot_height * max(value, 0) / top
        if length > 0:
            parts.append(f'<rect x="{x:.1f}" y="{base - length:.1f}" width="{bar}" height="{length:.1f}" '
                         f'fill="{PALETTE[0]}"/>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{base - length - 6:.1f}" text-anchor="middle">'
                     f'{escape(_label(value, label))}{escape(suffix)}</text>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{base + 18}" text-anchor="middle" font-size="12">'
                     f'{escape(_truncate(category, 18))}</text>')
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="{AXIS}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bar_chart(chart_id: str, title: str, desc: str, categories: Sequence[str],
                      series: Sequence[Series]) -> Markup:
    """Horizontal bars split into segments, one per series, with each bar's total at its end."""
    label_width, plot_width, bar, gap = 300, 420, 22, 10
    totals = [sum((s.values[i] or 0) for s in series) for i in range(len(categories))]
    top = _nice_max(max(totals, default=0))
    legend_height = len(series) * 20 + 10
    height = 20 + legend_height + len(categories) * (bar + gap) + 30
    width = label_width + plot_width + 90
    parts = _open(chart_id, width, height, title, desc)
    _legend(parts, [s.label for s in series], label_width, 10)
    y0 = 20 + legend_height
    plot_bottom = y0 + len(categories) * (bar + gap)
    for tick in _ticks(top):
        x = label_width + plot_width * tick / top
        parts.append(f'<line x1="{x:.1f}" y1="{y0 - 5}" x2="{x:.1f}" y2="{plot_bottom}" stroke="{GRID}"/>')
        parts.append(f'<text x="{x:.1f}" y="{plot_bottom + 18}" text-anchor="middle" fill="{AXIS}" '
                     f'font-size="12">{_num(tick)}</text>')
    for index, category in enumerate(categories):
        y = y0 + index * (bar + gap)
        parts.append(f'<text x="{label_width - 8}" y="{y + bar * 0.7:.1f}" text-anchor="end">'
                     f'{escape(_truncate(category, 42))}</text>')
        x = float(label_width)
        for s_index, s in enumerate(series):
            value = s.values[index] or 0
            length = plot_width * max(value, 0) / top
            if length > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" height="{bar}" '
                             f'fill="{PALETTE[s_index % len(PALETTE)]}" stroke="#ffffff"/>')
            x += length
        parts.append(f'<text x="{x + 6:.1f}" y="{y + bar * 0.7:.1f}">{_num(totals[index])}</text>')
    parts.append(f'<line x1="{label_width}" y1="{y0 - 5}" x2="{label_width}" y2="{plot_bottom}" stroke="{AXIS}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(chart_id: str, title: str, desc: str, x_labels: Sequence[str], series: Sequence[Series], *,
               y_min: float = 0, y_max: float | None = None, y_label: str = "") -> Markup:
    """Series over time; a ``None`` value breaks the line."""
    left, plot_width, plot_height = 60, 520, 220
    legend_height = len(series) * 20 + 10
    width = left + plot_width + 30
    height = 20 + plot_height + 50 + legend_height
    numbers = [v for s in series for v in s.values if v is not None]
    top = y_max if y_max is not None else _nice_max(max(numbers, default=0))
    span = (top - y_min) or 1
    parts = _open(chart_id, width, height, title, desc)
    base = 20 + plot_height
    step = plot_width / max(len(x_labels) - 1, 1)
    for tick in _ticks(span):
        value = y_min + tick
        y = base - plot_height * tick / span
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{AXIS}" '
                     f'font-size="12">{_num(value)}</text>')
    if y_label:
        parts.append(f'<text x="14" y="{20 + plot_height / 2:.1f}" text-anchor="middle" fill="{AXIS}" '
                     f'font-size="12" transform="rotate(-90 14 {20 + plot_height / 2:.1f})">{escape(y_label)}</text>')
    every = max(1, -(-len(x_labels) // 8))
    for index, label in enumerate(x_labels):
        if index % every == 0 or index == len(x_labels) - 1:
            x = left + index * step
            parts.append(f'<text x="{x:.1f}" y="{base + 18}" text-anchor="middle" font-size="12">'
                         f'{escape(_truncate(label, 18))}</text>')
    for s_index, s in enumerate(series):
        colour = PALETTE[s_index % len(PALETTE)]
        dash = DASHES[s_index % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        segment: list[str] = []
        points: list[str] = []
        for index, value in enumerate(s.values):
            if value is None:
                if len(segment) > 1:
                    points.append(" ".join(segment))
                segment = []
                continue
            x = left + index * step
            y = base - plot_height * (value - y_min) / span
            segment.append(f"{x:.1f},{y:.1f}")
        if len(segment) > 1:
            points.append(" ".join(segment))
        for line in points:
            parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="3"{dash_attr}/>')
        for index, value in enumerate(s.values):
            if value is None:
                continue
            x = left + index * step
            y = base - plot_height * (value - y_min) / span
            parts.append(_marker(s_index, x, y, colour))
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_width}" y2="{base}" stroke="{AXIS}"/>')
    parts.append(f'<line x1="{left}" y1="20" x2="{left}" y2="{base}" stroke="{AXIS}"/>')
    _legend(parts, [s.label for s in series], left, base + 36, lines=True)
    parts.append("</svg>")
    return Markup("".join(parts))
