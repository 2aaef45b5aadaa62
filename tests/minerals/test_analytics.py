"""Shares of world total, ranks, the Herfindahl-Hirschman index and the top-three share,
against figures computed by hand."""

from decimal import Decimal

import pytest

from minerals.models import Mineral, MineralStatistic
from minerals.selectors import (
    SUM_OF_LISTED,
    WORLD_TOTAL,
    concentration,
    country_mineral_positions,
    mineral_supply_analytics,
)
from tests import factories

Measure = MineralStatistic.Measure
Area = MineralStatistic.Area


def test_concentration_of_three_suppliers():
    result = concentration([Decimal(50), Decimal(30), Decimal(20)], Decimal(100))

    assert result.shares == [50.0, 30.0, 20.0]
    assert result.ranks == [1, 2, 3]
    # 50² + 30² + 20² = 2,500 + 900 + 400
    assert result.hhi == pytest.approx(3800)
    assert result.top3_share == pytest.approx(100)


def test_equal_values_share_a_rank_and_missing_values_have_none():
    result = concentration([Decimal(10), None, Decimal(40), Decimal(10), Decimal(5)], Decimal(80))

    assert result.ranks == [2, None, 1, 2, 4]
    assert result.shares[1] is None
    # 12.5² + 50² + 12.5² + 6.25²
    assert result.hhi == pytest.approx(156.25 + 2500 + 156.25 + 39.0625)
    assert result.top3_share == pytest.approx(75)


def test_no_numbers_no_index():
    result = concentration([None, None], Decimal(10))

    assert (result.hhi, result.top3_share, result.ranks) == (None, None, [None, None])


@pytest.fixture
def table(db):
    mineral = factories.MineralFactory(slug="testium", name="Testium", unit="metric tons")
    source = factories.DataSourceFactory()

    def add(place, value, **extra):
        fields = {
            "mineral": mineral,
            "source": source,
            "measure": Measure.MINE_PRODUCTION,
            "year": 2025,
            "value": value,
            "series": "Mine production",
        }
        if place in ("world", "other"):
            fields.update(area=place, country=None)
        else:
            fields["country"] = factories.CountryFactory(iso2=place, name=f"Country {place}")
        fields.update(extra)
        return factories.MineralStatisticFactory(**fields)

    return mineral, add


def test_shares_use_the_world_total_and_hhi_the_countries(table):
    mineral, add = table
    add("AA", 600)
    add("BB", 300)
    add("CC", None, qualifier="W", is_withheld=True, raw_value="W")
    add("other", 50)
    add("world", 1000)

    result = mineral_supply_analytics(mineral=mineral, measure=Measure.MINE_PRODUCTION)

    assert (result.denominator, result.denominator_kind) == (1000, WORLD_TOTAL)
    assert [(row.country.iso2, row.rank, row.share) for row in result.rows] == [
        ("AA", 1, 60.0),
        ("BB", 2, 30.0),
        ("CC", None, None),
    ]
    assert result.hhi == pytest.approx(3600 + 900)
    assert result.top3_share == pytest.approx(90)
    assert result.excluded == {"Withheld": 1}
    assert result.other_share == pytest.approx(5)


def test_a_bounded_world_total_falls_back_to_the_sum_of_listed_figures(table):
    mineral, add = table
    add("AA", 60)
    add("BB", 20, qualifier="range", value_upper=40)  # counts at its midpoint, 30
    add("other", 10)
    add("world", 90, qualifier=">")

    result = mineral_supply_analytics(mineral=mineral, measure=Measure.MINE_PRODUCTION)

    assert (result.denominator, result.denominator_kind) == (100, SUM_OF_LISTED)
    assert [row.share for row in result.rows] == [60.0, 30.0]
    assert result.hhi == pytest.approx(3600 + 900)
    assert result.rows[1].is_approximate


def test_the_latest_year_unless_one_is_asked_for(table):
    mineral, add = table
    add("AA", 10, year=2024)
    add("AA", 20)

    assert mineral_supply_analytics(mineral=mineral, measure=Measure.MINE_PRODUCTION).year == 2025
    older = mineral_supply_analytics(mineral=mineral, measure=Measure.MINE_PRODUCTION, year=2024)
    assert older.year == 2024
    assert older.years == [2025, 2024]
    assert older.rows[0].statistic.value == 10


def test_lithium_from_the_extract(extract):
    lithium = Mineral.objects.get(slug="lithium")

    production = mineral_supply_analytics(mineral=lithium, measure=Measure.MINE_PRODUCTION)

    assert production.year == 2025
    assert production.denominator == 290_000
    ranking = [(row.country.iso2, row.rank) for row in production.ranked]
    assert ranking[:5] == [("AU", 1), ("CN", 2), ("CL", 3), ("ZW", 4), ("AR", 5)]
    shares = {row.country.iso2: row.share for row in production.ranked}
    assert shares["AU"] == pytest.approx(92_000 / 2_900)
    assert shares["CL"] == pytest.approx(56_000 / 2_900)
    # By hand: (92² + 62² + 56² + 28² + 23² + 12² + 9.4² + 5.6² + 0.38²) / 29² x 100
    by_hand = sum(v * v for v in (92, 62, 56, 28, 23, 12, 9.4, 5.6, 0.38)) / (290 * 290) * 10_000
    assert production.hhi == pytest.approx(by_hand)
    assert production.hhi == pytest.approx(2023.88, abs=0.01)
    assert production.top3_share == pytest.approx((92 + 62 + 56) / 2.9)
    assert production.excluded == {"Withheld": 1}  # the United States

    reserves = mineral_supply_analytics(mineral=lithium, measure=Measure.RESERVES)
    assert [(row.country.iso2, row.rank) for row in reserves.ranked][:6] == [
        ("CL", 1),
        ("AU", 2),
        ("CN", 3),
        ("AR", 4),
        ("US", 4),
        ("CA", 6),
    ]
    assert reserves.ranked[0].share == pytest.approx(9_200_000 / 370_000)
    assert reserves.hhi == pytest.approx(1594.76, abs=0.01)
    assert reserves.top3_share == pytest.approx((9.2 + 8.4 + 4.6) / 0.37)


def test_a_countrys_position_in_each_mineral(extract):
    chile = MineralStatistic._meta.get_field("country").related_model.objects.get(iso2="CL")

    positions = {
        (p.mineral.slug, p.measure): (p.row.rank, p.analytics.year)
        for p in country_mineral_positions(country=chile)
    }

    assert positions[("lithium", Measure.RESERVES)] == (1, 2025)
    assert positions[("lithium", Measure.MINE_PRODUCTION)] == (3, 2025)
    assert positions[("copper", Measure.MINE_PRODUCTION)] == (1, 2025)
    assert ("copper", Measure.REFINERY_PRODUCTION) in positions
