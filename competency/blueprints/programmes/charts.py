"""The confidence chart: every pillar and wellbeing over the programme, as accessible SVG."""
from __future__ import annotations

from markupsafe import Markup

from competency.preceptorship.models import ConfidenceCheckin
from competency.reporting.charts import Series, line_chart


def confidence_chart(checkins: list[ConfidenceCheckin], pillars: list[tuple[str, str]], chart_id: str) -> Markup | None:
    if not checkins:
        return None
    labels = [f"{c.checked_on.day} {c.checked_on:%b %y}" for c in checkins]
    series = [Series(name, [c.ratings.get(code) for c in checkins]) for code, name in pillars]
    series.append(Series("Wellbeing", [c.wellbeing for c in checkins]))
    first, last = checkins[0].checked_on, checkins[-1].checked_on
    desc = (f"Self-rated confidence (1 to 5) in {len(pillars)} pillars and wellbeing at {len(checkins)} check-ins "
            f"from {first.day} {first:%B %Y} to {last.day} {last:%B %Y}. The table below holds the same figures.")
    return line_chart(chart_id, "Confidence and wellbeing over the programme", desc, labels, series,
                      y_min=1, y_max=5, y_label="Rating (1 to 5)")
