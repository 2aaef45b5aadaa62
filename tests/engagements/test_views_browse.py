"""The meetings list: filters, full-text search with highlights, paging, htmx, access."""

import datetime
import re

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Classification
from engagements import selectors
from engagements.filters import (
    MARK_CLOSE,
    MARK_OPEN,
    MeetingFilter,
    highlight_meetings,
    marked_html,
)
from engagements.models import Meeting
from tests import factories

URL = "/meetings/"


def build_scenario(desk_latam):
    """An open and a restricted meeting of the Latin America desk with Chile, tagged alike:
    alice and erin see both; bob (other desk) and charlie (internal clearance) only the
    open one."""
    chile = factories.CountryFactory(iso2="CL", iso3="CHL", name="Chile")
    peru = factories.CountryFactory(iso2="PE", iso3="PER", name="Peru")
    desk_latam.countries.add(chile, peru)
    topic = factories.TopicFactory(name="Critical minerals", slug="critical-minerals")
    lithium = factories.MineralFactory(name="Lithium", slug="lithium")
    fund = factories.InstrumentFactory(name="Korea Infrastructure Fund", slug="kif")
    event = factories.EventFactory(name="IDB Annual Meeting 2025", slug="idb-2025")
    minister = factories.PersonFactory(name="Mario Marcel", slug="mario-marcel")
    start = timezone.now().replace(microsecond=0) - datetime.timedelta(days=30)
    open_meeting = factories.MeetingFactory(
        title="Open finance dialogue",
        desk=desk_latam,
        classification=Classification.INTERNAL,
        start=start - datetime.timedelta(days=1),
        summary="Development finance and renewable energy.",
    )
    hidden = factories.MeetingFactory(
        title="Copper and brine talk",
        desk=desk_latam,
        classification=Classification.RESTRICTED,
        start=start,
        notes="The minister raised lithium royalties in the Atacama.",
        event=event,
    )
    for meeting in (open_meeting, hidden):
        meeting.counterpart_countries.add(chile)
        meeting.topics.add(topic)
        meeting.minerals.add(lithium)
        meeting.instruments.add(fund)
        factories.ParticipantFactory(meeting=meeting, person=minister, country=chile)
    return {
        "chile": chile,
        "peru": peru,
        "topic": topic,
        "lithium": lithium,
        "fund": fund,
        "event": event,
        "minister": minister,
        "open": open_meeting,
        "hidden": hidden,
        "start": start,
    }


@pytest.fixture
def scenario(desk_latam):
    return build_scenario(desk_latam)


def listed_ids(response):
    return {int(pk) for pk in re.findall(r'data-meeting-id="(\d+)"', response.content.decode())}


def test_list_and_export_need_a_login(client, db):
    for url in (URL, reverse("meeting_export")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


FILTERS = [
    {},
    {"q": "lithium"},
    {"country": "CL"},
    {"desk": "latam"},
    {"person": "Marcel"},
    {"person": "mario-marcel"},
    {"topic": "critical-minerals"},
    {"mineral": "lithium"},
    {"instrument": "kif"},
    {"status": "held"},
    {"classification": str(Classification.RESTRICTED)},
    {"date_from": "2000-01-01", "date_to": "2100-01-01"},
]


@pytest.mark.parametrize("params", FILTERS)
@pytest.mark.parametrize(
    ("username", "sees_hidden"),
    [("alice", True), ("erin", True), ("bob", False), ("charlie", False)],
)
def test_restricted_meeting_shows_only_for_its_desk(
    request, client, scenario, params, username, sees_hidden
):
    client.force_login(request.getfixturevalue(username))
    response = client.get(URL, params)
    assert response.status_code == 200
    ids = listed_ids(response)
    page = response.content.decode()
    assert (scenario["hidden"].pk in ids) is sees_hidden
    assert ("Copper and brine talk" in page) is sees_hidden
    if params.get("q") != "lithium" and params.get("classification") is None:
        assert scenario["open"].pk in ids
    # The count never includes the hidden meeting.
    expected = len(ids)
    assert response.context["page"].count == expected
    if not sees_hidden:
        assert "royalties" not in page


def test_search_finds_lithium_in_the_notes_and_highlights_it(client, alice, scenario):
    client.force_login(alice)
    response = client.get(URL, {"q": "lithium"})
    ids = listed_ids(response)
    assert ids == {scenario["hidden"].pk}  # "lithium" is only in its notes (and tags)
    page = response.content.decode()
    assert "<mark>lithium</mark>" in page.lower()
    assert "Atacama" in page


def test_search_stems_words(client, alice, scenario):
    client.force_login(alice)
    ids = listed_ids(client.get(URL, {"q": "royalty"}))
    if connection.vendor == "postgresql":
        assert ids == {scenario["hidden"].pk}


def test_highlights_escape_the_stored_text(client, alice, desk_latam):
    factories.MeetingFactory(
        title="<b>Bold</b> lithium plan",
        desk=desk_latam,
        notes='<script>alert("x")</script> lithium & copper <img src=x onerror=alert(1)>',
    )
    client.force_login(alice)
    page = client.get(URL, {"q": "lithium"}).content.decode()
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "onerror=alert" not in page or "&lt;img src=x onerror=alert" in page
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page
    assert re.search(r"<mark>lithium</mark>", page, re.IGNORECASE)


def test_marked_html_makes_only_balanced_mark_tags():
    text = f"a <i>{MARK_OPEN}b{MARK_OPEN}c{MARK_CLOSE}{MARK_CLOSE} d {MARK_OPEN}e"
    html = str(marked_html(text))
    assert html == "a &lt;i&gt;<mark>bc</mark> d <mark>e</mark>"


def test_fallback_highlighting_without_postgresql(db):
    # What SQLite (embedded mode) shows: no ts_headline annotations on the rows.
    meeting = Meeting(
        title="Lithium & <copper>",
        notes="x " * 200 + "talk of LITHIUM prices " + "y " * 200,
    )
    highlight_meetings([meeting], '"lithium" -cobalt')
    assert str(meeting.title_html) == "<mark>Lithium</mark> &amp; &lt;copper&gt;"
    assert "<mark>LITHIUM</mark>" in meeting.snippet_html
    assert meeting.snippet_html.startswith("… ")
    assert "cobalt" not in meeting.snippet_html


def test_htmx_request_gets_only_the_results(client, alice, scenario):
    client.force_login(alice)
    response = client.get(URL, {"country": "CL"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="meeting-results"')
    assert "<html" not in page
    assert "HX-Request" in response["Vary"]
    full = client.get(
        URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    ).content.decode()
    assert "<html" in full


def test_the_form_works_without_javascript_and_with_htmx(client, alice, scenario):
    client.force_login(alice)
    page = client.get(URL).content.decode()
    form = re.search(r"<form[^>]*id=\"meeting-filters\"[^>]*>", page).group(0)
    assert 'method="get"' in form and 'action="/meetings/"' in form
    assert 'hx-get="/meetings/"' in form and 'hx-target="#meeting-results"' in form
    for name in (
        "q",
        "date_from",
        "date_to",
        "country",
        "desk",
        "person",
        "topic",
        "mineral",
        "instrument",
        "status",
        "classification",
    ):
        assert f'<label for="id_{name}"' in page or f'for="id_{name}"' in page, name
    assert "style=" not in page
    assert "onclick" not in page.lower()


def test_export_links_carry_the_current_filters(client, alice, scenario):
    client.force_login(alice)
    page = client.get(URL, {"country": "CL", "q": "lithium", "page": "1"}).content.decode()
    links = re.findall(r'href="(/meetings/export/\?[^"]+)"', page)
    assert len(links) == 2
    for link in links:
        assert "country=CL" in link and "q=lithium" in link and "page=" not in link
    assert any("format=csv" in link for link in links)
    assert any("format=xlsx" in link for link in links)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"country": "ZZ"}, "country"),
        ({"desk": "nowhere"}, "desk"),
        ({"topic": "no-such-topic"}, "topic"),
        ({"mineral": "unobtainium"}, "mineral"),
        ({"instrument": "x"}, "instrument"),
        ({"status": "bogus"}, "status"),
        ({"classification": "9"}, "classification"),
        ({"classification": "restricted"}, "classification"),
        ({"date_from": "not-a-date"}, "date_from"),
        ({"date_from": "2025-02-01", "date_to": "2025-01-01"}, "date_to"),
        ({"q": "x" * 300}, "q"),
    ],
)
def test_invalid_filters_are_reported_and_ignored(client, alice, scenario, params, field):
    client.force_login(alice)
    response = client.get(URL, params)
    assert response.status_code == 200
    errors = response.context["filter_errors"]
    assert any(f"({field})" in line for line in errors), errors
    assert 'role="alert"' in response.content.decode()
    # The other filters still apply; the invalid one is ignored, not a reason for nothing.
    assert scenario["open"].pk in listed_ids(response)


@pytest.mark.parametrize("page", ["abc", "-3", "0", "99999999999"])
def test_odd_page_numbers_never_fail(client, alice, scenario, page):
    client.force_login(alice)
    response = client.get(URL, {"page": page})
    assert response.status_code == 200


def test_pages_of_fifty(client, alice, desk_latam):
    base = timezone.now().replace(microsecond=0)
    for index in range(55):
        factories.MeetingFactory(
            desk=desk_latam, title=f"Talk {index}", start=base - datetime.timedelta(hours=index)
        )
    client.force_login(alice)
    first = client.get(URL, {"status": "held"})
    assert len(listed_ids(first)) == 50
    assert first.context["page"].count == 55
    page = first.content.decode()
    assert 'href="?status=held&amp;page=2"' in page
    second = client.get(URL, {"status": "held", "page": "2"})
    assert len(listed_ids(second)) == 5
    assert listed_ids(first).isdisjoint(listed_ids(second))
    # Newest first.
    assert "Talk 0" in page and "Talk 54" in second.content.decode()


def test_the_count_is_capped_not_computed_over_everything(alice, desk_latam):
    from engagements.views.browse import page_of

    factories.MeetingFactory.create_batch(12, desk=desk_latam)
    rows = selectors.meetings_visible_to(alice)
    page = page_of(rows, number=1, per_page=5, cap=8)
    assert page.capped and page.count == 8 and page.num_pages is None
    exact = page_of(rows, number=2, per_page=5, cap=100)
    assert not exact.capped and exact.count == 12 and exact.num_pages == 3


@pytest.mark.parametrize("rows", [1, 60])
def test_query_count_does_not_grow_with_rows(
    client, alice, desk_latam, rows, django_assert_max_num_queries
):
    scenario = build_scenario(desk_latam)
    for meeting in factories.MeetingFactory.create_batch(rows, desk=desk_latam):
        meeting.counterpart_countries.add(scenario["chile"])
        meeting.topics.add(scenario["topic"])
        factories.ParticipantFactory(meeting=meeting, country=scenario["chile"])
        factories.ParticipantFactory(meeting=meeting, side="home")
    client.force_login(alice)
    everything = {
        "q": "meeting",
        "country": "CL",
        "desk": "latam",
        "topic": "critical-minerals",
        "date_from": "2000-01-01",
        "status": "held",
    }
    # 17 at most with every filter: the country filter reads the country's meeting ids in a
    # query of its own (engagements.search.meetings_with_country).
    for params in ({}, everything, {"page": "2"}):
        with django_assert_max_num_queries(17):
            response = client.get(URL, params)
        assert response.status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_the_search_uses_the_gin_index(alice, desk_latam):
    factories.MeetingFactory.create_batch(5, desk=desk_latam)
    # All meetings rather than alice's: on a table this small, the planner may rightly
    # prefer the classification index for the access filter and test the search row by row.
    filterset = MeetingFilter({"q": "lithium"}, queryset=Meeting.objects.all())
    queryset = filterset.qs
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # On a table this small the planner would rightly read it whole; forbidding
        # sequential scans makes its choice deterministic and shows the index can answer
        # the search expression (a mismatch between the query and the index would make the
        # planner fall back to a sequential scan regardless).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "meeting_search_idx" in plan, plan
