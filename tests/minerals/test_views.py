"""The pages of the critical-minerals section: /minerals/, /minerals/<slug>/,
/minerals/coverage/ and the country section."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Classification
from engagements.models import Country, Meeting
from minerals.models import Mineral, MineralStatistic
from tests import factories

Measure = MineralStatistic.Measure


@pytest.fixture
def logged_in(client, alice):
    client.force_login(alice)
    return client


def test_pages_need_a_login(client, db):
    for url in ("/minerals/", "/minerals/coverage/", "/minerals/lithium/", "/minerals/country/CL/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_the_lithium_page_ranks_producers_and_reserve_holders(logged_in, extract):
    response = logged_in.get("/minerals/lithium/")

    assert response.status_code == 200
    tables = response.context["tables"]
    assert [t["analytics"].measure for t in tables] == ["mine_production", "reserves"]
    production, reserves = (t["analytics"] for t in tables)
    assert [row.country.iso2 for row in production.ranked[:5]] == ["AU", "CN", "CL", "ZW", "AR"]
    assert [row.country.iso2 for row in reserves.ranked[:4]] == ["CL", "AU", "CN", "AR"]
    html = response.content.decode()
    assert "2024" in html and "HHI" in html.replace("Concentration (HHI)", "HHI")
    assert "2024" in html  # a link to the other year of production
    assert "31.7%" in html and "24.9%" in html  # Australia's production, Chile's reserves
    assert "2024 of 10,000" in html  # the production HHI, 2,023.9, rounded
    assert "the USGS world total (rounded by USGS)" in html
    assert 'role="img"' in html and '<title id="chart-mine_production-title">' in html
    assert "Australia 31.7%; China 21.4%; Chile 19.3%" in html  # the chart's description
    assert "withheld to avoid disclosing company data" in html


def test_an_earlier_year_of_production(logged_in, extract):
    response = logged_in.get("/minerals/lithium/?year=2024")

    production = response.context["tables"][0]["analytics"]
    assert production.year == 2024
    assert [row.country.iso2 for row in production.ranked[:3]] == ["AU", "CL", "CN"]
    assert response.context["tables"][-1]["analytics"].year == 2025  # reserves: the latest


def test_an_unknown_mineral_is_404(logged_in, db):
    assert logged_in.get("/minerals/unobtainium/").status_code == 404
    assert logged_in.get("/minerals/country/ZZ/").status_code == 404


def test_the_list_shows_each_minerals_leader_and_home_list_tier(logged_in, extract):
    response = logged_in.get("/minerals/")

    rows = {row["mineral"].slug: row for row in response.context["rows"]}
    assert rows["lithium"]["leader"].country.iso2 == "AU"
    assert rows["copper"]["leader"].country.iso2 == "CL"
    assert "Testium" not in response.content.decode()
    assert "Lithium" in response.content.decode()


def test_the_country_section_shows_chiles_positions(logged_in, extract):
    response = logged_in.get("/minerals/country/cl/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Critical minerals: Chile" in html
    positions = {(p.mineral.slug, p.measure): p.row.rank for p in response.context["positions"]}
    assert positions[("lithium", Measure.RESERVES)] == 1
    assert positions[("copper", Measure.MINE_PRODUCTION)] == 1


def test_the_coverage_view_shows_chile_engaged_and_flags_the_others(
    logged_in, extract, alice, desk_latam
):
    lithium = Mineral.objects.get(slug="lithium")
    chile = Country.objects.get(iso2="CL")
    meeting = factories.MeetingFactory(
        title="Korea-Chile: critical minerals",
        start=datetime.datetime(2025, 3, 26, 3, tzinfo=datetime.UTC),
        desk=desk_latam,
        classification=Classification.RESTRICTED,
    )
    meeting.minerals.add(lithium)
    meeting.counterpart_countries.add(chile)

    response = logged_in.get("/minerals/coverage/?window_months=36")

    coverage = response.context["coverage"]
    item = next(i for i in coverage.minerals if i.mineral.slug == "lithium")
    by_country = {s.country.iso2: s for s in item.suppliers}
    assert by_country["CL"].is_engaged
    assert by_country["CL"].last_meeting == meeting
    assert {"AU", "CN", "AR"} <= {s.country.iso2 for s in item.flagged}
    html = response.content.decode()
    assert "Korea-Chile: critical minerals" in html
    assert "Flagged: no engagement" in html
    assert coverage.window_months == 36


def test_the_coverage_window_is_bounded(logged_in, small):
    assert (
        logged_in.get("/minerals/coverage/?window_months=9999").context["coverage"].window_months
        == 120
    )
    assert (
        logged_in.get("/minerals/coverage/?window_months=x").context["coverage"].window_months == 24
    )


@pytest.mark.parametrize("size", ["small", "larger"])
def test_query_counts_do_not_grow_with_the_data(
    request, size, logged_in, desk_latam, django_assert_max_num_queries
):
    mineral = request.getfixturevalue(size)
    for days in range(3 if size == "small" else 40):
        meeting = factories.MeetingFactory(
            start=timezone.now() - datetime.timedelta(days=days + 1), desk=desk_latam
        )
        meeting.minerals.add(mineral)
        meeting.counterpart_countries.add(factories.CountryFactory(iso2="AA"))
    Meeting.objects.update(status=Meeting.Status.HELD)
    pages = {
        "/minerals/": 8,
        f"/minerals/{mineral.slug}/": 13,
        "/minerals/coverage/": 16,
        "/minerals/country/AA/": 7,
    }
    for url, bound in pages.items():
        with django_assert_max_num_queries(bound):
            assert logged_in.get(url).status_code == 200, url
