"""Accessible inline SVG bar charts of supply shares: geometry computed here, drawn by
templates/minerals/_bar_chart.html. No JavaScript; the chart's <title>/<desc> and the
ranking table beside it are its text alternative."""

from __future__ import annotations

from dataclasses import dataclass, field

from .selectors import SupplyAnalytics

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 170
BAR_AREA = 380
VALUE_WIDTH = 70


@dataclass
class Bar:
    label: str
    share_text: str
    y: int
    width: float
    text_y: int

    @property
    def end_x(self) -> float:
        return LABEL_WIDTH + self.width


@dataclass
class BarChart:
    key: str
    title: str
    description: str
    bars: list[Bar] = field(default_factory=list)
    label_width: int = LABEL_WIDTH
    bar_area: int = BAR_AREA

    @property
    def width(self) -> int:
        return LABEL_WIDTH + BAR_AREA + VALUE_WIDTH

    @property
    def height(self) -> int:
        return len(self.bars) * (BAR_HEIGHT + GAP) + GAP

    @property
    def bar_height(self) -> int:
        return BAR_HEIGHT


def share_chart(analytics: SupplyAnalytics, *, key: str, limit: int = 10) -> BarChart | None:
    """Bars of the leading countries' shares, the largest filling the width."""
    rows = [row for row in analytics.ranked if row.share is not None][:limit]
    if not rows:
        return None
    largest = max(row.share or 0 for row in rows) or 1
    title = (
        f"{analytics.mineral.name}: {analytics.measure_label.lower()} {analytics.year}, "
        "share of world total by country"
    )
    parts = [f"{row.country.name} {row.share:.1f}%" for row in rows]
    chart = BarChart(key=key, title=title, description="; ".join(parts) + ".")
    for index, row in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        share = row.share or 0
        chart.bars.append(
            Bar(
                label=row.country.name,
                share_text=f"{share:.1f}%",
                y=y,
                width=round(max(share / largest * BAR_AREA, 1), 1),
                text_y=y + BAR_HEIGHT // 2 + 5,
            )
        )
    return chart
