"""The country filter (meetings held in a country or with it as a counterpart), through the
API and the web list: the two ways engagements.search.meetings_with_country reads a
country's meetings give the same meetings, each once, and only visible ones."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from accounts.models import Classification
from engagements import search
from engagements.models import Meeting
from engagements.search import meetings_with_country
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/meetings/"


@pytest.fixture
def chile_meetings(desk_latam, desk_asia):
    chile = factories.CountryFactory(iso2="CL", iso3="CHL", name="Chile")
    peru = factories.CountryFactory(iso2="PE", iso3="PER", name="Peru")
    now = timezone.now().replace(microsecond=0)

    def meeting(title, desk=desk_latam, held_in=None, met=(), **kwargs):
        made = factories.MeetingFactory(
            title=title,
            desk=desk,
            country=held_in,
            start=now - datetime.timedelta(days=len(Meeting.objects.all())),
            **kwargs,
        )
        made.counterpart_countries.set(met)
        return made

    found = {
        "held": meeting("Held in Santiago", held_in=chile, met=[peru]),
        "met": meeting("Met Chile in Lima", held_in=peru, met=[chile]),
        "both": meeting("Met Chile in Santiago", held_in=chile, met=[chile, peru]),
        "restricted": meeting(
            "Restricted, Asia desk",
            desk=desk_asia,
            held_in=chile,
            classification=Classification.RESTRICTED,
        ),
    }
    meeting("Peru only", held_in=peru, met=[peru])
    meeting("Nowhere")
    return {"chile": chile, **found}


@pytest.mark.parametrize("ids_max", [5000, 2, 0], ids=["by-ids", "walk", "walk-always"])
def test_both_ways_find_the_same_meetings_each_once(
    chile_meetings, client_for, monkeypatch, ids_max
):
    monkeypatch.setattr(search, "COUNTRY_IDS_MAX", ids_max)
    expected = [chile_meetings[name].title for name in ("held", "met", "both")]

    body = client_for("alice").get(URL, {"country": "cl"}).json()
    assert [m["title"] for m in body["results"]] == expected
    # bob's desk owns the restricted meeting; alice's does not.
    bob = [m["title"] for m in client_for("bob").get(URL, {"country": "CL"}).json()["results"]]
    assert bob == [*expected, "Restricted, Asia desk"]

    queryset = meetings_with_country(Meeting.objects.all(), chile_meetings["chile"].pk)
    assert sorted(queryset.values_list("title", flat=True)) == sorted(
        [*expected, "Restricted, Asia desk"]
    )


def test_an_unknown_country_finds_nothing(chile_meetings, client_for):
    response = client_for("alice").get(URL, {"country": "ZZ"})
    assert response.status_code == 200
    assert response.json()["results"] == []
    assert not meetings_with_country(Meeting.objects.all(), None).exists()


def test_the_web_list_filters_by_country_the_same_way(chile_meetings, client, alice, monkeypatch):
    client.force_login(alice)
    for ids_max in (5000, 0):
        monkeypatch.setattr(search, "COUNTRY_IDS_MAX", ids_max)
        page = client.get("/meetings/", {"country": "CL"}).content.decode()
        for name in ("held", "met", "both"):
            assert chile_meetings[name].title in page
        assert "Peru only" not in page and "Nowhere" not in page
        assert "Restricted, Asia desk" not in page
