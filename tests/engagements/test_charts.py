"""The quarterly engagement chart: one aggregate query, accessible SVG, access policy."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template.loader import render_to_string

from accounts.models import Classification
from engagements import selectors
from engagements.charts import quarterly_chart
from engagements.models import Meeting
from tests import factories

TZ = ZoneInfo(settings.TIME_ZONE)


def at(year, month, day=15):
    return datetime.datetime(year, month, day, 10, tzinfo=TZ)


@pytest.fixture
def countries(db):
    return {
        iso2: factories.CountryFactory(iso2=iso2, name=name)
        for iso2, name in [
            ("CL", "Chile"),
            ("PE", "Peru"),
            ("AR", "Argentina"),
            ("BR", "Brazil"),
            ("MX", "Mexico"),
            ("CO", "Colombia"),
            ("UY", "Uruguay"),
        ]
    }


def meeting(desk, when, *countries, **kwargs):
    created = factories.MeetingFactory(desk=desk, start=when, **kwargs)
    created.counterpart_countries.add(*countries)
    return created


def test_counts_per_quarter_with_empty_quarters_between(
    desk_latam, alice, django_assert_num_queries
):
    meeting(desk_latam, at(2024, 1, 5))
    meeting(desk_latam, at(2024, 3, 30))
    meeting(desk_latam, at(2024, 10, 1))
    visible = selectors.meetings_visible_to(alice)  # (reads alice's role once)
    with django_assert_num_queries(1):
        chart = quarterly_chart(visible, key="all", title="Engagements")
    assert [bar.label for bar in chart.bars] == ["Q1 2024", "Q2 2024", "Q3 2024", "Q4 2024"]
    assert [bar.total for bar in chart.bars] == [2, 0, 0, 1]
    assert chart.total == 3
    assert "3 engagements from Q1 2024 to Q4 2024" in chart.description
    # The tallest bar reaches the top tick; the empty quarters have no height.
    tallest = chart.bars[0].segments[0]
    assert tallest.y == pytest.approx(chart.ticks[-1].y, abs=0.2)
    assert chart.bars[1].segments[0].height == 0


def test_quarters_follow_the_ministrys_time_zone(desk_latam, alice):
    # 31 March 20:00 UTC is already 1 April in Seoul (the default TIME_ZONE).
    start = datetime.datetime(2024, 3, 31, 20, tzinfo=datetime.UTC)
    meeting(desk_latam, start)
    chart = quarterly_chart(selectors.meetings_visible_to(alice), key="tz", title="t")
    expected = "Q2 2024" if start.astimezone(TZ).month == 4 else "Q1 2024"
    assert [bar.label for bar in chart.bars] == [expected]


def test_grouped_by_country_keeps_the_top_and_folds_the_rest(
    desk_latam, alice, countries, django_assert_num_queries
):
    chile, peru = countries["CL"], countries["PE"]
    for _ in range(4):
        meeting(desk_latam, at(2025, 2), chile)
    meeting(desk_latam, at(2025, 2), chile, peru)  # counts once for each country
    meeting(desk_latam, at(2025, 5), peru)
    meeting(desk_latam, at(2025, 5), countries["AR"])
    meeting(desk_latam, at(2025, 5), countries["BR"])
    meeting(desk_latam, at(2025, 5))  # no country recorded
    visible = selectors.meetings_visible_to(alice)
    with django_assert_num_queries(1):
        chart = quarterly_chart(
            visible,
            key="by-country",
            title="By country",
            group_by="country",
            top=2,
        )
    assert [series.label for series in chart.series] == ["Chile", "Peru", "Other or none recorded"]
    assert chart.series[-1].is_other
    assert [bar.counts for bar in chart.bars] == [[5, 1, 0], [0, 1, 3]]
    assert "Chile 5, Peru 2, Other or none recorded 3" in chart.description


def test_grouped_by_topic(desk_latam, alice):
    minerals = factories.TopicFactory(name="Critical minerals")
    energy = factories.TopicFactory(name="Renewable energy")
    first = meeting(desk_latam, at(2025, 1))
    first.topics.add(minerals, energy)
    meeting(desk_latam, at(2025, 1)).topics.add(minerals)
    chart = quarterly_chart(
        selectors.meetings_visible_to(alice), key="t", title="t", group_by="topic"
    )
    assert [(s.label, s.index) for s in chart.series] == [
        ("Critical minerals", 0),
        ("Renewable energy", 1),
    ]
    assert chart.bars[0].counts == [2, 1]


def test_hidden_meetings_are_not_counted(desk_latam, alice, bob, charlie, erin):
    meeting(desk_latam, at(2025, 1))
    meeting(desk_latam, at(2025, 1), classification=Classification.RESTRICTED)
    meeting(desk_latam, at(2025, 4), classification=Classification.CONFIDENTIAL)
    totals = {
        user.username: quarterly_chart(
            selectors.meetings_visible_to(user), key="x", title="x"
        ).total
        for user in (alice, bob, charlie, erin)
    }
    assert totals == {"alice": 2, "bob": 1, "charlie": 1, "erin": 3}


def test_only_the_latest_quarters_are_drawn(desk_latam, alice):
    meeting(desk_latam, at(2015, 1))
    meeting(desk_latam, at(2025, 1))
    chart = quarterly_chart(
        selectors.meetings_visible_to(alice), key="x", title="x", max_quarters=8
    )
    assert len(chart.bars) == 8
    assert chart.bars[-1].label == "Q1 2025"
    assert chart.note


def test_an_unknown_grouping_is_refused(db):
    with pytest.raises(ValueError, match="group_by"):
        quarterly_chart(Meeting.objects.all(), key="x", title="x", group_by="colour")


def test_the_svg_is_accessible_and_has_no_inline_styles(desk_latam, alice, countries):
    meeting(desk_latam, at(2025, 1), countries["CL"], title="<script>")
    meeting(desk_latam, at(2025, 4), countries["PE"])
    chart = quarterly_chart(
        selectors.meetings_visible_to(alice),
        key="country-CL",
        title="Engagements <per> quarter",
        group_by="country",
    )
    html = render_to_string("engagements/_quarter_chart.html", {"chart": chart})
    assert 'role="img"' in html
    assert 'aria-labelledby="chart-country-CL-title chart-country-CL-desc"' in html
    assert '<title id="chart-country-CL-title">Engagements &lt;per&gt; quarter</title>' in html
    assert '<desc id="chart-country-CL-desc">' in html
    assert "style=" not in html and "<style" not in html and "<script" not in html
    table = re.search(r'<table class="visually-hidden">.*?</table>', html, re.S).group(0)
    assert '<th scope="row">Q1 2025</th><td>1</td><td>0</td><td>1</td>' in table
    assert "Chile" in table and "Peru" in table
    assert html.count('class="qc-segment') == 2


def test_an_empty_chart_says_so(db, alice):
    chart = quarterly_chart(selectors.meetings_visible_to(alice), key="none", title="Nothing")
    assert chart.is_empty
    html = render_to_string("engagements/_quarter_chart.html", {"chart": chart})
    assert "No engagements to show." in html and "<svg" not in html
