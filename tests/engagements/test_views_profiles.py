"""Profiles with timelines, index pages and the mineral page's engagement section."""

import datetime
import re

import pytest
from django.utils import timezone

from accounts.models import Classification
from engagements.models import Commitment, InstrumentParty
from tests import factories
from tests.engagements.test_views_browse import build_scenario


@pytest.fixture
def scenario(desk_latam):
    data = build_scenario(desk_latam)
    chile = data["chile"]
    ministry = factories.OrganizationFactory(
        name="Ministry of Finance of Chile", abbreviation="MinHacienda", country=chile
    )
    post = factories.PostFactory(label="Minister of Finance", organization=ministry, rank=1)
    data["tenure"] = factories.TenureFactory(
        person=data["minister"],
        post=post,
        start_date=datetime.date(2022, 3, 11),
        last_verified=datetime.date(2025, 3, 1),
    )
    factories.TenureFactory(
        person=factories.PersonFactory(name="Former Minister"),
        post=post,
        start_date=datetime.date(2018, 3, 11),
        end_date=datetime.date(2022, 3, 11),
    )
    data["ministry"] = ministry
    for meeting in (data["open"], data["hidden"]):
        meeting.participants.update(organization=ministry)
    data["open_commitment"] = factories.CommitmentFactory(
        meeting=data["open"], title="Send the open term sheet"
    )
    data["hidden_commitment"] = factories.CommitmentFactory(
        meeting=data["hidden"], title="Send the royalty analysis"
    )
    InstrumentParty.objects.create(
        instrument=data["fund"], country=chile, role=InstrumentParty.Role.BENEFICIARY
    )
    sub_event = factories.EventFactory(name="Sideline forum", parent=data["event"])
    data["sub_event"] = sub_event
    data["sub_meeting"] = factories.MeetingFactory(
        desk=desk_latam, title="Forum side chat", event=sub_event
    )
    return data


def urls(data):
    return {
        "country": f"/countries/{data['chile'].iso2}/",
        "person": f"/people/{data['minister'].pk}/",
        "organization": f"/organizations/{data['ministry'].pk}/",
        "event": f"/events/{data['event'].pk}/",
        "instrument": f"/instruments/{data['fund'].pk}/",
        "topic": f"/topics/{data['topic'].pk}/",
        "mineral": f"/minerals/{data['lithium'].slug}/",
    }


def timeline_ids(response):
    return {int(pk) for pk in re.findall(r'data-meeting-id="(\d+)"', response.content.decode())}


def test_profiles_need_a_login(client, scenario):
    for url in [*urls(scenario).values(), "/countries/", "/people/", "/topics/"]:
        response = client.get(url)
        assert response.status_code == 302, url


@pytest.mark.parametrize(
    ("username", "sees_hidden"),
    [("alice", True), ("erin", True), ("bob", False), ("charlie", False)],
)
@pytest.mark.parametrize(
    "page", ["country", "person", "organization", "event", "instrument", "topic", "mineral"]
)
def test_profiles_show_the_restricted_meeting_only_to_its_desk(
    request, client, scenario, username, sees_hidden, page
):
    client.force_login(request.getfixturevalue(username))
    response = client.get(urls(scenario)[page])
    assert response.status_code == 200
    html = response.content.decode()
    ids = timeline_ids(response)
    assert (scenario["hidden"].pk in ids) is sees_hidden
    assert ("Copper and brine talk" in html) is sees_hidden
    if page == "event":
        assert scenario["sub_meeting"].pk in ids  # the open meeting was not at the event
    else:
        assert scenario["open"].pk in ids
    if page != "mineral":
        expected = len(ids)
        assert response.context["page"].count == expected
    if page in ("country", "person", "organization", "mineral"):
        # The chart counts what the timeline counts.
        chart = response.context["engagement_chart" if page == "mineral" else "chart"]
        assert chart.total == (2 if sees_hidden else 1)


def test_country_profile(client, bob, alice, scenario):
    client.force_login(bob)
    html = client.get("/countries/cl/").content.decode()
    assert "Chile" in html
    # Current holder with the "as of" dates of the tenure; not the former minister.
    assert "Mario Marcel" in html and "11 Mar 2022" in html and "1 Mar 2025" in html
    assert "Former Minister" not in html
    assert "Korea Infrastructure Fund" in html
    assert "Send the open term sheet" in html
    assert "Send the royalty analysis" not in html
    assert "style=" not in html
    client.force_login(alice)
    html = client.get("/countries/CL/").content.decode()
    assert "Send the royalty analysis" in html


def test_closed_commitments_are_not_listed_as_open(client, alice, scenario):
    Commitment.objects.filter(pk=scenario["open_commitment"].pk).update(
        status=Commitment.Status.DONE, completed_on=datetime.date(2025, 1, 1)
    )
    client.force_login(alice)
    html = client.get("/countries/CL/").content.decode()
    assert "Send the open term sheet" not in html


def test_person_profile_shows_posts_over_time(client, bob, scenario):
    client.force_login(bob)
    html = client.get(urls(scenario)["person"]).content.decode()
    assert "Minister of Finance" in html and "present" in html
    assert "Ministry of Finance of Chile" in html


def test_event_profile_includes_sub_events_and_their_meetings(client, bob, scenario):
    client.force_login(bob)
    response = client.get(urls(scenario)["event"])
    assert "Sideline forum" in response.content.decode()
    assert scenario["sub_meeting"].pk in timeline_ids(response)


def test_topic_profile_includes_sub_topics(client, bob, scenario, desk_latam):
    child = factories.TopicFactory(name="Lithium supply", parent=scenario["topic"])
    tagged = factories.MeetingFactory(desk=desk_latam, title="Supply chat")
    tagged.topics.add(child)
    client.force_login(bob)
    assert tagged.pk in timeline_ids(client.get(urls(scenario)["topic"]))


@pytest.mark.parametrize(
    "url",
    [
        "/countries/ZZ/",
        "/people/999999/",
        "/organizations/999999/",
        "/events/999999/",
        "/instruments/999999/",
        "/topics/999999/",
    ],
)
def test_unknown_records_are_404(client, alice, db, url):
    client.force_login(alice)
    assert client.get(url).status_code == 404


def test_the_timeline_pages(client, alice, scenario, desk_latam):
    base = timezone.now().replace(microsecond=0)
    for index in range(30):
        meeting = factories.MeetingFactory(
            desk=desk_latam, start=base - datetime.timedelta(days=400 + index)
        )
        meeting.counterpart_countries.add(scenario["chile"])
    client.force_login(alice)
    first = client.get("/countries/CL/")
    assert len(timeline_ids(first)) == 25
    assert first.context["page"].count == 32
    second = client.get("/countries/CL/", {"page": "2"})
    assert len(timeline_ids(second)) == 7
    assert timeline_ids(first).isdisjoint(timeline_ids(second))
    assert 'hx-target="#timeline"' in first.content.decode()


@pytest.mark.parametrize("rows", [1, 30])
def test_profile_query_counts_do_not_grow(
    client, alice, desk_latam, rows, django_assert_max_num_queries
):
    data = build_scenario(desk_latam)
    for meeting in factories.MeetingFactory.create_batch(rows, desk=desk_latam):
        meeting.counterpart_countries.add(data["chile"])
        meeting.topics.add(data["topic"])
        meeting.instruments.add(data["fund"])
        factories.ParticipantFactory(meeting=meeting, person=data["minister"])
        factories.CommitmentFactory(meeting=meeting)
    client.force_login(alice)
    bounds = {
        "/countries/CL/": 16,
        f"/people/{data['minister'].pk}/": 11,
        f"/events/{data['event'].pk}/": 11,
        f"/instruments/{data['fund'].pk}/": 13,
        f"/topics/{data['topic'].pk}/": 11,
        "/countries/": 6,
        "/people/": 6,
        "/organizations/": 6,
        "/events/": 6,
        "/instruments/": 6,
        "/topics/": 6,
    }
    for url, bound in bounds.items():
        with django_assert_max_num_queries(bound):
            assert client.get(url).status_code == 200, url


def test_index_pages(client, bob, alice, scenario):
    client.force_login(bob)
    html = client.get("/countries/").content.decode()
    assert 'href="/countries/CL/"' in html
    assert "(1 meeting)" in html  # the hidden meeting is not counted
    client.force_login(alice)
    assert "(2 meetings)" in client.get("/countries/").content.decode()
    assert "Peru" not in client.get("/countries/", {"engaged": "1"}).content.decode()
    people = client.get("/people/", {"q": "marcel"}).content.decode()
    assert "Mario Marcel" in people and "Former Minister" not in people
    assert "Ministry of Finance of Chile" in client.get("/organizations/").content.decode()
    assert "IDB Annual Meeting 2025" in client.get("/events/").content.decode()
    assert "Korea Infrastructure Fund" in client.get("/instruments/").content.decode()
    topics = client.get("/topics/").content.decode()
    assert "Critical minerals" in topics


def test_a_confidential_meeting_is_absent_for_alice_but_shown_to_erin(
    client, alice, erin, scenario, desk_latam
):
    secret = factories.MeetingFactory(
        desk=desk_latam, title="Top secret", classification=Classification.CONFIDENTIAL
    )
    secret.counterpart_countries.add(scenario["chile"])
    client.force_login(alice)
    assert secret.pk not in timeline_ids(client.get("/countries/CL/"))
    client.force_login(erin)
    assert secret.pk in timeline_ids(client.get("/countries/CL/"))
