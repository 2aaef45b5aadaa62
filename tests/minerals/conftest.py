from pathlib import Path

import pytest

from engagements.seeding import SEEDS_DIR, countries_load
from minerals.models import DataSource, Mineral
from minerals.seeding import SeedReport, read_yaml
from minerals.services import usgs_mcs_import
from tests import factories

FIXTURES = Path(__file__).parent / "fixtures"
EXTRACT = FIXTURES / "usgs_mcs2026_extract.csv"
QUIRKS = FIXTURES / "usgs_mcs_quirks.csv"
ERRORS = FIXTURES / "usgs_mcs_errors.csv"


@pytest.fixture
def countries(db):
    countries_load(path=SEEDS_DIR / "iso3166_m49_regions.csv", report=SeedReport())


@pytest.fixture
def source(db):
    return DataSource.objects.create(
        name="Mineral Commodity Summaries 2026 data release",
        slug="usgs-mcs-2026",
        publisher="U.S. Geological Survey",
        edition="2026, initial release",
        doi="10.5066/P1WKQ63T",
    )


@pytest.fixture
def minerals(db):
    """The minerals followed, as seeds/minerals.yaml describes them (without topics)."""
    for item in read_yaml(SEEDS_DIR / "minerals.yaml")["minerals"]:
        Mineral.objects.create(
            name=item["name"],
            slug=item["slug"],
            symbol=item.get("symbol", ""),
            category=item.get("category", ""),
            usgs_commodity=item.get("usgs_commodity", ""),
            unit=item.get("unit", ""),
        )


@pytest.fixture
def extract(countries, minerals, source):
    """The extract imported, as `manage.py import_usgs_mcs` would."""
    return usgs_mcs_import(path=EXTRACT, source=source)


@pytest.fixture
def small(db):
    """One mineral, two producers and a world total."""
    mineral = factories.MineralFactory(slug="testium", name="Testium", unit="metric tons")
    source = factories.DataSourceFactory()
    for iso2, value in (("AA", 70), ("BB", 30)):
        factories.MineralStatisticFactory(
            mineral=mineral, country=factories.CountryFactory(iso2=iso2), value=value, source=source
        )
    factories.MineralStatisticFactory(
        mineral=mineral, area="world", country=None, value=100, source=source
    )
    return mineral


@pytest.fixture
def larger(extract, small):
    """The extract (nine minerals, 396 rows) and the small table besides."""
    return Mineral.objects.get(slug="lithium")
