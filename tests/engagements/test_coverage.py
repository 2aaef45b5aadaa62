"""Engagement coverage of critical-mineral suppliers (engagements/coverage.py)."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Classification
from engagements.coverage import minerals_coverage, months_before
from engagements.models import Commitment, InstrumentParty, Meeting
from minerals.models import MineralStatistic
from tests import factories

Measure = MineralStatistic.Measure
NOW = datetime.datetime(2026, 11, 27, 12, tzinfo=datetime.UTC)


@pytest.fixture
def lithium(db):
    """Lithium with three producers (CL, AU, CN) and its topic, Lithium supply."""
    topic = factories.TopicFactory(name="Lithium supply", slug="lithium-supply")
    mineral = factories.MineralFactory(name="Lithium", slug="lithium", unit="metric tons")
    mineral.topics.add(topic)
    source = factories.DataSourceFactory()
    for iso2, name, production, reserves in [
        ("CL", "Chile", 56_000, 9_200_000),
        ("AU", "Australia", 92_000, 8_400_000),
        ("CN", "China", 62_000, 4_600_000),
    ]:
        country = factories.CountryFactory(iso2=iso2, name=name)
        for measure, value in ((Measure.MINE_PRODUCTION, production), (Measure.RESERVES, reserves)):
            factories.MineralStatisticFactory(
                mineral=mineral,
                country=country,
                measure=measure,
                value=value,
                year=2025,
                source=source,
            )
    return mineral


def supplier(coverage, iso2):
    (item,) = coverage.minerals
    return next(s for s in item.suppliers if s.country.iso2 == iso2)


def meeting_with(country_iso2, *, start, desk, classification=Classification.INTERNAL, **tags):
    meeting = factories.MeetingFactory(start=start, desk=desk, classification=classification)
    meeting.counterpart_countries.add(factories.CountryFactory(iso2=country_iso2))
    for name, values in tags.items():
        getattr(meeting, name).add(*values)
    return meeting


def coverage_for(user, lithium, **kwargs):
    return minerals_coverage(user=user, minerals=[lithium], now=NOW, **kwargs)


def test_a_supplier_met_recently_on_lithium_is_covered(lithium, alice, desk_latam):
    meeting = meeting_with(
        "CL", start=NOW - datetime.timedelta(days=40), desk=desk_latam, minerals=[lithium]
    )

    chile = supplier(coverage_for(alice, lithium, window_months=12), "CL")

    assert chile.is_engaged and not chile.is_flagged
    assert chile.last_meeting == meeting
    assert (chile.meetings_last_12_months, chile.meetings_in_window) == (1, 1)
    assert chile.production.rank == 3 and chile.reserves.rank == 1


def test_a_meeting_tagged_with_the_minerals_topic_counts(lithium, alice, desk_latam):
    meeting_with(
        "AU",
        start=NOW - datetime.timedelta(days=10),
        desk=desk_latam,
        topics=list(lithium.topics.all()),
    )

    assert supplier(coverage_for(alice, lithium), "AU").is_engaged


def test_suppliers_without_engagement_are_flagged(lithium, alice, desk_latam):
    other_topic = factories.TopicFactory()
    meeting_with(
        "CN", start=NOW - datetime.timedelta(days=5), desk=desk_latam, topics=[other_topic]
    )

    coverage = coverage_for(alice, lithium)

    assert {s.country.iso2 for s in coverage.minerals[0].flagged} == {"CL", "AU", "CN"}
    assert supplier(coverage, "CN").status == "none"
    assert coverage.flagged_count == 3


def test_a_meeting_before_the_window_leaves_the_supplier_flagged_as_lapsed(
    lithium, alice, desk_latam
):
    march_2025 = datetime.datetime(2025, 3, 26, 3, tzinfo=datetime.UTC)
    meeting_with("CL", start=march_2025, desk=desk_latam, minerals=[lithium])

    within_two_years = supplier(coverage_for(alice, lithium, window_months=24), "CL")
    within_one_year = supplier(coverage_for(alice, lithium, window_months=12), "CL")

    assert within_two_years.is_engaged
    assert within_two_years.meetings_last_12_months == 0
    assert within_one_year.is_flagged and within_one_year.status == "lapsed"
    assert within_one_year.last_meeting.start == march_2025


def test_a_restricted_meeting_counts_only_for_users_who_may_see_it(
    lithium, alice, bob, charlie, desk_latam
):
    meeting = meeting_with(
        "CL",
        start=NOW - datetime.timedelta(days=30),
        desk=desk_latam,
        classification=Classification.RESTRICTED,
        minerals=[lithium],
    )
    factories.CommitmentFactory(meeting=meeting, status=Commitment.Status.OPEN)

    for_alice = supplier(coverage_for(alice, lithium), "CL")
    assert for_alice.is_engaged and for_alice.open_commitments == 1
    for user in (bob, charlie):
        hidden = supplier(coverage_for(user, lithium), "CL")
        assert hidden.is_flagged
        assert (hidden.last_meeting, hidden.open_commitments) == (None, 0)


def test_planned_cancelled_and_unrelated_meetings_do_not_count(lithium, alice, desk_latam):
    future = meeting_with(
        "CL", start=NOW + datetime.timedelta(days=10), desk=desk_latam, minerals=[lithium]
    )
    Meeting.objects.filter(pk=future.pk).update(status=Meeting.Status.PLANNED)
    cancelled = meeting_with(
        "CL", start=NOW - datetime.timedelta(days=10), desk=desk_latam, minerals=[lithium]
    )
    Meeting.objects.filter(pk=cancelled.pk).update(status=Meeting.Status.CANCELLED)
    meeting_with("AU", start=NOW - datetime.timedelta(days=3), desk=desk_latam, minerals=[lithium])

    assert supplier(coverage_for(alice, lithium), "CL").is_flagged


def test_open_commitments_and_instruments_are_shown(lithium, alice, desk_latam):
    instrument = factories.InstrumentFactory(name="Lithium facility")
    meeting = meeting_with(
        "CL",
        start=NOW - datetime.timedelta(days=30),
        desk=desk_latam,
        minerals=[lithium],
        instruments=[instrument],
    )
    factories.CommitmentFactory(meeting=meeting, status=Commitment.Status.OPEN)
    factories.CommitmentFactory(meeting=meeting, status=Commitment.Status.IN_PROGRESS)
    factories.CommitmentFactory(
        meeting=meeting, status=Commitment.Status.DONE, completed_on=datetime.date(2026, 11, 1)
    )
    fund = factories.InstrumentFactory(name="Trust fund")
    InstrumentParty.objects.create(
        instrument=fund, country=meeting.counterpart_countries.get(), role="beneficiary"
    )

    chile = supplier(coverage_for(alice, lithium), "CL")

    assert chile.open_commitments == 2
    assert [i.name for i in chile.instruments] == ["Lithium facility", "Trust fund"]


def test_the_home_country_is_not_a_supplier_to_engage(lithium, alice):
    factories.CountryFactory(iso2="AU").__class__.objects.filter(iso2="AU").update(is_home=True)

    coverage = coverage_for(alice, lithium)

    assert "AU" not in {s.country.iso2 for s in coverage.minerals[0].suppliers}


def test_query_count_does_not_grow_with_meetings(
    lithium, alice, desk_latam, django_assert_max_num_queries
):
    for days in range(1, 30):
        meeting = meeting_with(
            "CL", start=NOW - datetime.timedelta(days=days), desk=desk_latam, minerals=[lithium]
        )
        factories.CommitmentFactory(meeting=meeting)

    with django_assert_max_num_queries(14):
        chile = supplier(coverage_for(alice, lithium), "CL")

    assert chile.meetings_in_window == 29


def test_months_before_keeps_the_day_or_the_months_last():
    assert months_before(NOW, 12) == NOW.replace(year=2025)
    may_31 = datetime.datetime(2026, 5, 31, tzinfo=datetime.UTC)
    assert months_before(may_31, 3) == datetime.datetime(2026, 2, 28, tzinfo=datetime.UTC)
    assert months_before(timezone.now(), 0).date() == timezone.now().date()
