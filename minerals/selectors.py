"""Reads of reference statistics and the supply analytics the pages and the API share.

Shares are of the world total: the "World total" row's value where the release gives an
exact one (USGS rounds it, so shares need not add up to 100), otherwise the sum of the
listed figures (countries and "Other countries"), and the result says which. The
Herfindahl-Hirschman index is the sum of the squared country shares in percent (0-10,000),
over the countries with a number; a withheld, unavailable or qualitative figure has no
share and is counted instead. A range counts at its midpoint and a bound at its bound, and
the rows say so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db.models import Model, Prefetch, QuerySet

from .models import CriticalityList, CriticalityListMember, DataSource, Mineral, MineralStatistic

Measure = MineralStatistic.Measure
Area = MineralStatistic.Area
Qualifier = MineralStatistic.Qualifier

# The measures a desk officer reads first, in the order pages show them.
SUPPLY_MEASURES = (Measure.MINE_PRODUCTION, Measure.REFINERY_PRODUCTION, Measure.RESERVES)
WORLD_TOTAL = "world_total"
SUM_OF_LISTED = "sum_of_listed"
DENOMINATOR_LABELS = {
    WORLD_TOTAL: "the USGS world total (rounded by USGS)",
    SUM_OF_LISTED: "the sum of the listed figures (the world total is missing or a bound)",
}


def country_get(*, iso2: str) -> Any | None:
    """A country by ISO alpha-2 code, through the statistics' relation: minerals imports
    nothing from engagements."""
    country_model = cast(type[Model], MineralStatistic._meta.get_field("country").related_model)
    return country_model._default_manager.filter(iso2=iso2.upper()).first()


def minerals_for_list() -> QuerySet[Mineral]:
    return Mineral.objects.prefetch_related(
        Prefetch(
            "criticality_lists",
            queryset=CriticalityList.objects.select_related("country").order_by("-year"),
        )
    )


def mineral_get(*, slug: str) -> Mineral:
    return Mineral.objects.prefetch_related("topics").get(slug=slug)


def home_criticality_memberships() -> QuerySet[CriticalityListMember]:
    """Memberships of the home country's latest list(s), newest first."""
    return (
        CriticalityListMember.objects.filter(criticality_list__country__is_home=True)
        .select_related("criticality_list", "mineral")
        .order_by("-criticality_list__year", "mineral__name")
    )


def minerals_critical_for_home() -> list[Mineral]:
    """The minerals on the home country's most recent criticality list; every mineral with
    statistics when the home country has no list."""
    memberships = list(home_criticality_memberships())
    if memberships:
        latest = memberships[0].criticality_list.year
        chosen = {m.mineral_id for m in memberships if m.criticality_list.year == latest}
        return list(Mineral.objects.filter(pk__in=chosen).prefetch_related("topics"))
    return list(
        Mineral.objects.filter(statistics__isnull=False).distinct().prefetch_related("topics")
    )


# --- analytics ------------------------------------------------------------------------------


def usable_value(statistic: MineralStatistic) -> Decimal | None:
    """The number a share is computed from: the value, a range's midpoint, a bound's bound."""
    if statistic.value is None:
        return None
    if statistic.qualifier == Qualifier.RANGE and statistic.value_upper is not None:
        return (statistic.value + statistic.value_upper) / 2
    return statistic.value


@dataclass
class RankedRow:
    statistic: MineralStatistic
    rank: int | None = None
    share: float | None = None

    @property
    def country(self) -> Any:
        return self.statistic.country

    @property
    def is_approximate(self) -> bool:
        return self.statistic.qualifier in (
            Qualifier.RANGE,
            Qualifier.LOWER_BOUND,
            Qualifier.UPPER_BOUND,
        )


@dataclass
class Concentration:
    shares: list[float | None]
    ranks: list[int | None]
    hhi: float | None
    top3_share: float | None


def concentration(values: Sequence[Decimal | None], denominator: Decimal | None) -> Concentration:
    """Shares (percent of `denominator`), competition ranks (1, 2, 2, 4), the HHI and the
    top-three share of the values that are numbers; None where there is no number."""
    shares: list[float | None] = [
        float(value / denominator * 100) if value is not None and denominator else None
        for value in values
    ]
    order = sorted(
        (index for index, value in enumerate(values) if value is not None),
        key=lambda index: values[index],  # type: ignore[arg-type,return-value]
        reverse=True,
    )
    ranks: list[int | None] = [None] * len(values)
    for position, index in enumerate(order):
        previous = order[position - 1] if position else None
        same = previous is not None and values[previous] == values[index]
        ranks[index] = ranks[previous] if same and previous is not None else position + 1
    counted = [share for share in shares if share is not None]
    hhi = sum(share * share for share in counted) if counted else None
    top3 = sum(shares[index] or 0 for index in order[:3]) if counted else None
    return Concentration(shares=shares, ranks=ranks, hhi=hhi, top3_share=top3)


@dataclass
class SupplyAnalytics:
    mineral: Mineral
    measure: str
    year: int | None
    series: str
    rows: list[RankedRow] = field(default_factory=list)
    world: MineralStatistic | None = None
    other: MineralStatistic | None = None
    denominator: Decimal | None = None
    denominator_kind: str = ""
    hhi: float | None = None
    top3_share: float | None = None
    excluded: dict[str, int] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)
    series_options: list[str] = field(default_factory=list)
    source: DataSource | None = None

    @property
    def measure_label(self) -> str:
        return str(Measure(self.measure).label)

    @property
    def unit(self) -> str:
        first = self.world or (self.rows[0].statistic if self.rows else None)
        return first.unit if first else self.mineral.unit

    @property
    def basis(self) -> str:
        first = self.world or (self.rows[0].statistic if self.rows else None)
        return first.basis if first else ""

    @property
    def ranked(self) -> list[RankedRow]:
        return [row for row in self.rows if row.rank is not None]

    @property
    def unranked(self) -> list[RankedRow]:
        return [row for row in self.rows if row.rank is None]

    @property
    def denominator_label(self) -> str:
        return DENOMINATOR_LABELS.get(self.denominator_kind, "")

    @property
    def other_share(self) -> float | None:
        value = usable_value(self.other) if self.other else None
        if value is None or not self.denominator:
            return None
        return float(value / self.denominator * 100)

    def row_for(self, country_id: int) -> RankedRow | None:
        for row in self.rows:
            if row.statistic.country_id == country_id:
                return row
        return None

    @property
    def is_empty(self) -> bool:
        return not self.rows and self.world is None


def _source_order(statistic: MineralStatistic) -> tuple[Any, ...]:
    released = statistic.source.released_on
    return (released.toordinal() if released else 0, statistic.source_id)


def _analyse_table(
    mineral: Mineral, measure: str, year: int | None, series: str, rows: list[MineralStatistic]
) -> SupplyAnalytics:
    """One table (mineral, measure, year, series) from one source, already selected."""
    result = SupplyAnalytics(mineral=mineral, measure=measure, year=year, series=series)
    countries = []
    for statistic in rows:
        if statistic.area == Area.WORLD:
            result.world = statistic
        elif statistic.area == Area.OTHER:
            result.other = statistic
        else:
            countries.append(statistic)
    if rows:
        result.source = rows[0].source
    world_value = result.world.value if result.world else None
    if world_value and result.world and result.world.qualifier == Qualifier.EXACT:
        result.denominator, result.denominator_kind = world_value, WORLD_TOTAL
    else:
        listed = [usable_value(s) for s in countries + ([result.other] if result.other else [])]
        total = sum((value for value in listed if value is not None), Decimal(0))
        if total:
            result.denominator, result.denominator_kind = total, SUM_OF_LISTED
    values = [usable_value(statistic) for statistic in countries]
    measured = concentration(values, result.denominator)
    result.hhi, result.top3_share = measured.hhi, measured.top3_share
    ranked = [
        RankedRow(statistic=statistic, rank=rank, share=share)
        for statistic, rank, share in zip(countries, measured.ranks, measured.shares, strict=True)
    ]
    excluded: dict[str, int] = defaultdict(int)
    for row in ranked:
        if row.rank is None:
            excluded[row.statistic.get_qualifier_display()] += 1
    result.excluded = dict(excluded)
    ranked.sort(
        key=lambda row: (
            row.rank is None,
            row.rank or 0,
            row.statistic.country.name if row.statistic.country else "",
        )
    )
    result.rows = ranked
    return result


def _pick_table(
    statistics: Iterable[MineralStatistic], *, year: int | None, series: str | None
) -> tuple[int | None, str, list[str], list[int], list[MineralStatistic]]:
    """From all the rows of a mineral's measure: the year (latest unless given), the series
    (the one with most countries unless given) and the newest source's rows for them."""
    statistics = list(statistics)
    years = sorted({s.year for s in statistics}, reverse=True)
    chosen_year = year if year is not None else (years[0] if years else None)
    of_year = [s for s in statistics if s.year == chosen_year]
    by_series: dict[str, list[MineralStatistic]] = defaultdict(list)
    for statistic in of_year:
        by_series[statistic.series or statistic.detail].append(statistic)
    series_options = sorted(by_series)
    if series is None or series not in by_series:
        series = (
            max(
                series_options,
                key=lambda name: (
                    sum(s.area == Area.COUNTRY for s in by_series[name]),
                    name == "",
                ),
            )
            if series_options
            else ""
        )
    rows = by_series.get(series, [])
    if rows:
        newest = max(rows, key=_source_order).source_id
        rows = [s for s in rows if s.source_id == newest]
    return chosen_year, series, series_options, years, rows


def _statistics(**lookup: Any) -> QuerySet[MineralStatistic]:
    return MineralStatistic.objects.filter(**lookup).select_related("country", "source")


def mineral_supply_analytics(
    *, mineral: Mineral, measure: str, year: int | None = None, series: str | None = None
) -> SupplyAnalytics:
    """Shares of world total, ranks, HHI and top-three share of one mineral's measure in a
    year (the latest when not given). One query."""
    statistics = _statistics(mineral=mineral, measure=measure)
    return _analytics_from(mineral, measure, list(statistics), year=year, series=series)


def _analytics_from(
    mineral: Mineral,
    measure: str,
    statistics: list[MineralStatistic],
    *,
    year: int | None = None,
    series: str | None = None,
) -> SupplyAnalytics:
    chosen_year, chosen_series, series_options, years, rows = _pick_table(
        statistics, year=year, series=series
    )
    result = _analyse_table(mineral, measure, chosen_year, chosen_series, rows)
    result.years, result.series_options = years, series_options
    return result


def minerals_supply_analytics(
    *, minerals: Sequence[Mineral], measures: Sequence[str] = SUPPLY_MEASURES
) -> dict[int, dict[str, SupplyAnalytics]]:
    """The latest-year analytics of several minerals and measures, in one query."""
    by_table: dict[tuple[int, str], list[MineralStatistic]] = defaultdict(list)
    for statistic in _statistics(mineral__in=list(minerals), measure__in=list(measures)):
        by_table[(statistic.mineral_id, statistic.measure)].append(statistic)
    return {
        mineral.pk: {
            measure: _analytics_from(mineral, measure, by_table[(mineral.pk, measure)])
            for measure in measures
        }
        for mineral in minerals
    }


def production_measure(tables: dict[str, SupplyAnalytics]) -> str:
    """Mine production where the release has it, else refinery production (some
    commodities are published only as refined or smelted metal)."""
    if not tables[Measure.MINE_PRODUCTION].is_empty or Measure.REFINERY_PRODUCTION not in tables:
        return Measure.MINE_PRODUCTION
    return Measure.REFINERY_PRODUCTION


# --- a country's position in each mineral ------------------------------------------------------


@dataclass
class CountryPosition:
    mineral: Mineral
    measure: str
    analytics: SupplyAnalytics
    row: RankedRow

    @property
    def measure_label(self) -> str:
        return str(Measure(self.measure).label)


def country_mineral_positions(
    *, country: Any, measures: Sequence[str] = SUPPLY_MEASURES
) -> list[CountryPosition]:
    """Where a country stands in each mineral it appears in: rank and share in the latest
    year of each measure. Two queries, whatever the number of minerals."""
    own = list(
        MineralStatistic.objects.filter(country=country, measure__in=list(measures)).values(
            "mineral_id", "measure", "year"
        )
    )
    latest: dict[tuple[int, str], int] = {}
    for item in own:
        key = (item["mineral_id"], item["measure"])
        latest[key] = max(latest.get(key, 0), item["year"])
    if not latest:
        return []
    tables: dict[tuple[int, str], list[MineralStatistic]] = defaultdict(list)
    candidates = _statistics(
        mineral_id__in={key[0] for key in latest},
        measure__in={key[1] for key in latest},
        year__in=set(latest.values()),
    ).select_related("mineral")
    for statistic in candidates:
        key = (statistic.mineral_id, statistic.measure)
        if latest.get(key) == statistic.year:
            tables[key].append(statistic)
    positions = []
    for (_, measure), statistics in tables.items():
        mineral = statistics[0].mineral
        own_series = {s.series for s in statistics if s.country_id == country.pk}
        for series in sorted(own_series):
            analytics = _analytics_from(mineral, measure, statistics, series=series)
            row = analytics.row_for(country.pk)
            if row is not None:
                positions.append(
                    CountryPosition(mineral=mineral, measure=measure, analytics=analytics, row=row)
                )
    order = {measure: index for index, measure in enumerate(measures)}
    positions.sort(key=lambda p: (p.mineral.name, order.get(p.measure, 99), p.analytics.series))
    return positions
