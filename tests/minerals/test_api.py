"""The analytics and coverage endpoints (minerals/api/analytics.py,
engagements/api/coverage.py), through DRF's APIClient."""

import datetime

import pytest
from django.contrib.auth.models import Group
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import Classification, Role
from accounts.services import roles_sync
from engagements.models import Country
from minerals.models import Mineral

pytestmark = pytest.mark.urls("tests.minerals.urls_api")


@pytest.fixture
def officer(alice):
    roles_sync()
    alice.groups.add(Group.objects.get(name=Role.DESK_OFFICER))
    return alice


@pytest.fixture
def api(officer):
    client = APIClient()
    client.force_authenticate(officer)
    return client


def test_analytics_of_lithium_production(api, extract):
    response = api.get("/api/v1/minerals/lithium/analytics/")

    assert response.status_code == 200
    data = response.json()
    assert (data["measure"], data["year"], data["unit"]) == ("mine_production", 2025, "metric tons")
    assert data["denominator_kind"] == "world_total"
    assert data["hhi"] == pytest.approx(2023.88, abs=0.01)
    assert data["top3_share"] == pytest.approx(72.41, abs=0.01)
    first = data["rows"][0]
    assert (first["country"]["iso2"], first["rank"]) == ("AU", 1)
    assert first["share"] == pytest.approx(31.72, abs=0.01)
    assert first["figure"]["is_estimate"] is True
    assert data["excluded"] == {"Withheld": 1}
    assert data["data_source"]["doi"] == "10.5066/P1WKQ63T"


def test_analytics_of_reserves_in_a_year(api, extract):
    data = api.get("/api/v1/minerals/lithium/analytics/?measure=reserves&year=2025").json()

    assert data["rows"][0]["country"]["name"] == "Chile"
    assert data["rows"][0]["figure"]["value"] == "9200000.00000000"
    assert data["world"]["raw_value"] == "37,000,000"


def test_analytics_refuses_an_unknown_measure_and_hides_no_mineral(api, extract):
    response = api.get("/api/v1/minerals/lithium/analytics/?measure=price")
    assert response.status_code == 400
    assert "measure" in response.json()["errors"]
    assert api.get("/api/v1/minerals/lithium/analytics/?year=last").status_code == 400
    assert api.get("/api/v1/minerals/unobtainium/analytics/").status_code == 404


def test_country_positions(api, extract):
    data = api.get("/api/v1/minerals/countries/CL/positions/").json()

    positions = {(p["mineral"], p["measure"]): p for p in data}
    assert positions[("lithium", "reserves")]["rank"] == 1
    assert positions[("copper", "mine_production")]["figure"]["original_unit"] == (
        "thousand metric tons"
    )
    assert api.get("/api/v1/minerals/countries/ZZ/positions/").status_code == 404


def test_anonymous_callers_are_refused(extract):
    assert APIClient().get("/api/v1/minerals/lithium/analytics/").status_code == 401
    assert APIClient().get("/api/v1/minerals/coverage/").status_code == 401


def test_coverage_counts_a_restricted_meeting_only_for_those_who_may_see_it(
    api, officer, bob, extract, desk_latam
):
    from tests import factories

    meeting = factories.MeetingFactory(
        start=datetime.datetime(2025, 3, 26, 3, tzinfo=datetime.UTC),
        desk=desk_latam,
        classification=Classification.RESTRICTED,
    )
    meeting.minerals.add(Mineral.objects.get(slug="lithium"))
    meeting.counterpart_countries.add(Country.objects.get(iso2="CL"))

    def chile(client: APIClient) -> dict:
        data = client.get("/api/v1/minerals/coverage/?window_months=36").json()
        lithium = next(item for item in data["minerals"] if item["mineral"] == "lithium")
        return next(s for s in lithium["suppliers"] if s["country"]["iso2"] == "CL")

    seen = chile(api)
    assert (seen["status"], seen["is_flagged"]) == ("engaged", False)
    assert seen["last_meeting"]["id"] == meeting.pk
    bob.groups.add(Group.objects.get(name=Role.DESK_OFFICER))
    other = APIClient()
    other.force_authenticate(bob)
    hidden = chile(other)
    assert (hidden["status"], hidden["last_meeting"]) == ("none", None)


def test_coverage_validates_the_window(api, extract):
    response = api.get("/api/v1/minerals/coverage/?window_months=0")

    assert response.status_code == 400
    assert "window_months" in response.json()["errors"]


def test_the_schema_documents_the_endpoints(db):
    schema = SchemaGenerator(urlconf="tests.minerals.urls_api").get_schema(public=True)

    paths = schema["paths"]
    assert "/api/v1/minerals/{slug}/analytics/" in paths
    assert "/api/v1/minerals/coverage/" in paths
    assert "/api/v1/minerals/countries/{iso2}/positions/" in paths
    parameters = {p["name"] for p in paths["/api/v1/minerals/coverage/"]["get"]["parameters"]}
    assert {"window_months", "top"} <= parameters


@pytest.mark.parametrize("size", ["small", "larger"])
def test_query_counts_do_not_grow_with_the_data(request, size, api, django_assert_max_num_queries):
    mineral = request.getfixturevalue(size)
    endpoints = {
        f"/api/v1/minerals/{mineral.slug}/analytics/": 6,
        "/api/v1/minerals/countries/AA/positions/": 6,
        "/api/v1/minerals/coverage/": 16,
    }
    for url, bound in endpoints.items():
        with django_assert_max_num_queries(bound):
            assert api.get(url).status_code == 200, url
