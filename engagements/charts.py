"""Engagements per quarter as an accessible inline SVG bar chart.

The figures come from one aggregate query (TruncQuarter + Count, grouped in the database);
the geometry is computed here and drawn by templates/engagements/_quarter_chart.html:
role="img" with a <title> and a <desc> that reads the totals out, and a visually hidden
table with every figure as the full text alternative. Colours are SVG presentation
attributes and classes, never style="" attributes (the Content-Security-Policy forbids
them).

The queryset passed in must already come from the access policy
(selectors.meetings_visible_to): the chart counts whatever it is given."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncQuarter
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Meeting

WIDTH = 640
HEIGHT = 240
MARGIN_LEFT = 36
MARGIN_RIGHT = 8
MARGIN_TOP = 12
MARGIN_BOTTOM = 36
DEFAULT_TOP = 5
DEFAULT_MAX_QUARTERS = 24
# Okabe-Ito: distinguishable with the common colour-vision deficiencies; "other" is grey.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")
OTHER_COLOUR = "#8c8c8c"
SINGLE_COLOUR = "#0b5394"

# group_by -> (value field, label field) reached from Meeting.
GROUPINGS: dict[str, tuple[str, str]] = {
    "country": ("counterpart_countries__iso2", "counterpart_countries__name"),
    "topic": ("topics__slug", "topics__name"),
    "desk": ("desk__code", "desk__name"),
}


@dataclass
class Segment:
    series: Series
    count: int
    y: float
    height: float


@dataclass
class QuarterBar:
    label: str
    axis_label: str
    x: float
    width: float
    total: int
    segments: list[Segment] = field(default_factory=list)

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def counts(self) -> list[int]:
        """Per series, in the order of the chart's series (the table's cells)."""
        return [segment.count for segment in self.segments]


@dataclass
class Series:
    key: str
    label: str
    index: int
    colour: str
    is_other: bool = False

    @property
    def css_class(self) -> str:
        return "qc-other" if self.is_other else f"qc-series-{self.index}"


@dataclass
class Tick:
    value: int
    y: float


@dataclass
class QuarterChart:
    key: str
    title: str
    description: str
    grouped: bool
    series: list[Series] = field(default_factory=list)
    bars: list[QuarterBar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    note: str = ""
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = MARGIN_LEFT
    plot_right: int = WIDTH - MARGIN_RIGHT
    baseline: int = HEIGHT - MARGIN_BOTTOM

    @property
    def is_empty(self) -> bool:
        return not self.bars

    @property
    def total(self) -> int:
        return sum(bar.total for bar in self.bars)

    @property
    def axis_label_y(self) -> int:
        return self.baseline + 16

    @property
    def tick_label_x(self) -> int:
        return self.plot_left - 6


def _quarter_of(moment: datetime.datetime | datetime.date) -> tuple[int, int]:
    return moment.year, (moment.month - 1) // 3 + 1


def _quarters_between(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    quarters = []
    year, quarter = first
    while (year, quarter) <= last:
        quarters.append((year, quarter))
        quarter += 1
        if quarter == 5:
            year, quarter = year + 1, 1
    return quarters


def quarter_label(year: int, quarter: int) -> str:
    return _("Q%(quarter)d %(year)d") % {"quarter": quarter, "year": year}


def _nice_step(largest: int, ticks: int = 4) -> int:
    if largest <= ticks:
        return 1
    rough = largest / ticks
    magnitude = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= rough:
            return int(factor * magnitude)
    return int(10 * magnitude)


def quarterly_counts(
    meetings: QuerySet[Meeting], *, group_by: str | None = None
) -> dict[tuple[int, int], dict[tuple[str, str] | None, int]]:
    """{(year, quarter): {(group key, group label) or None: meetings}} in one query.

    With a grouping over a many-valued relation (countries, topics) a meeting counts once in
    each of its groups; a meeting without any counts under None."""
    fields: list[str] = ["quarter"]
    if group_by is not None:
        fields += list(GROUPINGS[group_by])
    rows = (
        meetings.order_by()
        .annotate(quarter=TruncQuarter("start", tzinfo=timezone.get_current_timezone()))
        .values(*fields)
        .annotate(meetings=Count("id", distinct=True))
        .order_by()
    )
    counts: dict[tuple[int, int], dict[tuple[str, str] | None, int]] = defaultdict(dict)
    for row in rows:
        quarter = _quarter_of(row["quarter"])
        group = None
        if group_by is not None:
            value_field, label_field = GROUPINGS[group_by]
            if row[value_field] is not None:
                group = (str(row[value_field]), str(row[label_field]))
        counts[quarter][group] = counts[quarter].get(group, 0) + row["meetings"]
    return counts


def quarterly_chart(
    meetings_queryset: QuerySet[Meeting],
    *,
    key: str,
    title: str,
    group_by: str | None = None,
    top: int = DEFAULT_TOP,
    max_quarters: int = DEFAULT_MAX_QUARTERS,
) -> QuarterChart:
    """Engagements per quarter, optionally stacked by country met with, topic or desk (the
    `top` largest groups over the period shown, the rest as "Other"). Quarters without
    meetings between the first and the last are drawn as empty; at most the latest
    `max_quarters` are shown. One database query."""
    if group_by is not None and group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {sorted(GROUPINGS)} or None, not {group_by!r}")
    counts = quarterly_counts(meetings_queryset, group_by=group_by)
    chart = QuarterChart(key=key, title=title, description="", grouped=group_by is not None)
    if not counts:
        chart.description = _("No engagements to show.")
        return chart

    quarters = _quarters_between(min(counts), max(counts))
    if len(quarters) > max_quarters:
        chart.note = _("Showing the latest %(count)d quarters; earlier ones are left out.") % {
            "count": max_quarters
        }
        quarters = quarters[-max_quarters:]

    # The series: the largest groups over the quarters shown, then "Other" (the remaining
    # groups and meetings without one).
    totals: dict[tuple[str, str] | None, int] = defaultdict(int)
    for quarter in quarters:
        for group, number in counts.get(quarter, {}).items():
            totals[group] += number
    if group_by is None:
        chart.series = [Series(key="all", label=_("Engagements"), index=0, colour=SINGLE_COLOUR)]
        leaders: list[tuple[str, str]] = []
    else:
        named = sorted(
            (group for group in totals if group is not None),
            key=lambda group: (-totals[group], group[1]),
        )
        leaders = named[:top]
        chart.series = [
            Series(key=group[0], label=group[1], index=index, colour=PALETTE[index % 6])
            for index, group in enumerate(leaders)
        ]
        if len(named) > top or None in totals:
            chart.series.append(
                Series(
                    key="other",
                    label=_("Other or none recorded"),
                    index=len(leaders),
                    colour=OTHER_COLOUR,
                    is_other=True,
                )
            )

    per_quarter: list[list[int]] = []
    for quarter in quarters:
        found = counts.get(quarter, {})
        if group_by is None:
            per_quarter.append([sum(found.values())])
            continue
        row = [found.get(group, 0) for group in leaders]
        if chart.series and chart.series[-1].is_other:
            row.append(sum(n for group, n in found.items() if group not in leaders))
        per_quarter.append(row)

    largest = max((sum(row) for row in per_quarter), default=0) or 1
    step = _nice_step(largest)
    top_value = step * math.ceil(largest / step)
    plot_height = chart.baseline - MARGIN_TOP
    scale = plot_height / top_value
    chart.ticks = [
        Tick(value=value, y=round(chart.baseline - value * scale, 1))
        for value in range(0, top_value + 1, step)
    ]

    slot = (chart.plot_right - chart.plot_left) / len(quarters)
    bar_width = round(max(min(slot * 0.7, 48), 2), 1)
    label_every = 1 if len(quarters) <= 8 else 4
    for index, (quarter, row) in enumerate(zip(quarters, per_quarter, strict=True)):
        year, number = quarter
        show_label = label_every == 1 or number == 1 or index == 0
        axis_label = (
            (quarter_label(year, number) if label_every == 1 else str(year)) if show_label else ""
        )
        bar = QuarterBar(
            label=quarter_label(year, number),
            axis_label=axis_label,
            x=round(chart.plot_left + index * slot + (slot - bar_width) / 2, 1),
            width=bar_width,
            total=sum(row),
        )
        y = float(chart.baseline)
        for series, value in zip(chart.series, row, strict=True):
            height = round(value * scale, 1)
            y = round(y - height, 1)
            bar.segments.append(Segment(series=series, count=value, y=y, height=height))
        chart.bars.append(bar)

    chart.description = _describe(chart, group_by)
    return chart


def _describe(chart: QuarterChart, group_by: str | None) -> str:
    first, last = chart.bars[0].label, chart.bars[-1].label
    busiest = max(chart.bars, key=lambda bar: bar.total)
    parts = [
        ngettext(
            "%(count)d engagement from %(first)s to %(last)s.",
            "%(count)d engagements from %(first)s to %(last)s.",
            chart.total,
        )
        % {"count": chart.total, "first": first, "last": last},
        _("Busiest quarter: %(quarter)s with %(count)d.")
        % {"quarter": busiest.label, "count": busiest.total},
    ]
    if group_by is not None:
        parts.append(
            _("Stacked by %(grouping)s: %(series)s.")
            % {
                "grouping": _grouping_label(group_by),
                "series": ", ".join(
                    f"{series.label} {sum(bar.counts[series.index] for bar in chart.bars)}"
                    for series in chart.series
                ),
            }
        )
        if group_by == "country":
            parts.append(_("A meeting with several countries counts once for each."))
        elif group_by == "topic":
            parts.append(_("A meeting with several topics counts once for each."))
    return " ".join(parts)


def _grouping_label(group_by: str) -> str:
    return {
        "country": _("country met with"),
        "topic": _("topic"),
        "desk": _("desk"),
    }[group_by]
