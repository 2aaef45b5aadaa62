"""The dashboard (replaces test_views_home: the paginated list of every visible meeting
became the dashboard's bounded lists)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Classification
from engagements.dashboard import DASHBOARD_ROWS, chart_window_start
from tests import factories


def in_days(days: int, hour: int = 9) -> datetime.datetime:
    return (timezone.now() + datetime.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )


def test_home_requires_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_page_renders(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_recently_logged_lists_only_visible_meetings(client, alice, bob, desk_latam):
    factories.MeetingFactory(title="Open talk", desk=desk_latam)
    factories.MeetingFactory(
        title="Lithium talk", desk=desk_latam, classification=Classification.RESTRICTED
    )
    client.force_login(bob)
    page = client.get(reverse("home")).content.decode()
    assert "Open talk" in page and "Lithium talk" not in page
    client.force_login(alice)
    page = client.get(reverse("home")).content.decode()
    assert "Open talk" in page and "Lithium talk" in page


def test_recently_logged_is_newest_first_and_bounded(client, alice, desk_latam):
    meetings = factories.MeetingFactory.create_batch(DASHBOARD_ROWS + 2, desk=desk_latam)
    client.force_login(alice)
    response = client.get(reverse("home"))
    recent = response.context["recent"]
    assert [m.pk for m in recent] == [m.pk for m in reversed(meetings)][:DASHBOARD_ROWS]
    assert recent.has_more


def test_my_commitments_due_soon_and_overdue(client, alice, erin, desk_latam):
    today = timezone.localdate()
    meeting = factories.MeetingFactory(desk=desk_latam)
    factories.CommitmentFactory(
        title="Late one", meeting=meeting, owner=alice, due_date=today - datetime.timedelta(2)
    )
    factories.CommitmentFactory(
        title="Soon one", meeting=meeting, owner=alice, due_date=today + datetime.timedelta(5)
    )
    factories.CommitmentFactory(
        title="Far one", meeting=meeting, owner=alice, due_date=today + datetime.timedelta(40)
    )
    factories.CommitmentFactory(
        title="Finished one",
        meeting=meeting,
        owner=alice,
        status="done",
        completed_on=today,
        due_date=today,
    )
    factories.CommitmentFactory(title="Erin's own", meeting=meeting, owner=erin)
    client.force_login(alice)
    response = client.get(reverse("home"))
    assert [c.title for c in response.context["overdue"]] == ["Late one"]
    assert [c.title for c in response.context["due_soon"]] == ["Soon one"]
    page = response.content.decode()
    assert "Late one" in page and "Soon one" in page
    assert "Far one" not in page and "Finished one" not in page and "Erin" not in page
    # The fragment with its status form, as on the board.
    assert reverse("commitment_status", args=[response.context["overdue"][0].pk]) in page


def test_hidden_commitment_is_not_on_the_dashboard_even_when_owned(client, bob, desk_latam):
    hidden = factories.MeetingFactory(desk=desk_latam, classification=Classification.RESTRICTED)
    factories.CommitmentFactory(title="Hidden follow-up", meeting=hidden, owner=bob)
    client.force_login(bob)
    page = client.get(reverse("home")).content.decode()
    assert "Hidden follow-up" not in page


def test_upcoming_meetings_of_my_desks(client, alice, bob, desk_latam, desk_asia):
    factories.MeetingFactory(title="Santiago next week", desk=desk_latam, start=in_days(7))
    factories.MeetingFactory(
        title="Secret Lima visit",
        desk=desk_latam,
        start=in_days(3),
        classification=Classification.CONFIDENTIAL,
    )
    factories.MeetingFactory(title="Old Santiago", desk=desk_latam, start=in_days(-30))
    factories.MeetingFactory(title="Jakarta next week", desk=desk_asia, start=in_days(6))
    client.force_login(alice)
    upcoming = client.get(reverse("home")).context["upcoming"]
    assert [m.title for m in upcoming] == ["Santiago next week"]
    client.force_login(bob)
    upcoming = client.get(reverse("home")).context["upcoming"]
    assert [m.title for m in upcoming] == ["Jakarta next week"]


def test_upcoming_includes_meetings_i_take_part_in(client, dana, desk_latam):
    meeting = factories.MeetingFactory(
        title="Dana's visit",
        desk=desk_latam,
        start=in_days(2),
        classification=Classification.RESTRICTED,
    )
    factories.ParticipantFactory(meeting=meeting, person=factories.PersonFactory(user=dana))
    client.force_login(dana)
    upcoming = client.get(reverse("home")).context["upcoming"]
    assert [m.title for m in upcoming] == ["Dana's visit"]


def test_times_are_shown_in_the_users_time_zone(client, alice, desk_latam, settings):
    start = in_days(4, hour=15)
    factories.MeetingFactory(
        title="Call with Santiago", desk=desk_latam, start=start, time_zone="America/Santiago"
    )
    client.force_login(alice)
    page = client.get(reverse("home")).content.decode()
    assert f'datetime="{start.astimezone(ZoneInfo(settings.TIME_ZONE)).isoformat()}"' in page
    alice.time_zone = "America/Santiago"
    alice.save()
    page = client.get(reverse("home")).content.decode()
    assert f'datetime="{start.astimezone(ZoneInfo("America/Santiago")).isoformat()}"' in page
    assert start.astimezone(ZoneInfo(settings.TIME_ZONE)).isoformat() not in page


def test_quarter_chart_counts_only_visible_meetings(client, bob, desk_latam, desk_asia):
    now = timezone.now()
    factories.MeetingFactory(desk=desk_asia, start=now - datetime.timedelta(days=1))
    factories.MeetingFactory(desk=desk_latam, start=now - datetime.timedelta(days=1))
    factories.MeetingFactory(
        desk=desk_latam,
        start=now - datetime.timedelta(days=1),
        classification=Classification.RESTRICTED,
    )
    # Outside the chart's window.
    factories.MeetingFactory(desk=desk_asia, start=now - datetime.timedelta(days=3 * 366))
    client.force_login(bob)
    response = client.get(reverse("home"))
    chart = response.context["chart"]
    assert chart.total == 2
    assert 'role="img"' in response.content.decode()


def test_chart_window_starts_on_a_quarter():
    assert chart_window_start(datetime.date(2026, 5, 17), quarters=8) == datetime.date(2024, 7, 1)
    assert chart_window_start(datetime.date(2026, 1, 1), quarters=1) == datetime.date(2026, 1, 1)
    assert chart_window_start(datetime.date(2026, 3, 31), quarters=5) == datetime.date(2025, 1, 1)


def test_navigation_and_quick_links(client, alice):
    client.force_login(alice)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("commitment_board")}"' in page
    assert f'href="{reverse("account")}"' in page
    assert f'href="{reverse("briefing_index")}"' in page
    assert 'aria-current="page"' in page
    assert "<details" in page and "<summary>" in page
    assert f'action="{reverse("language_switch")}"' in page


@pytest.mark.parametrize("rows", [1, 40])
def test_dashboard_query_count_does_not_grow_with_rows(
    client, alice, desk_latam, rows, django_assert_max_num_queries
):
    today = timezone.localdate()
    for index in range(rows):
        meeting = factories.MeetingFactory(
            desk=desk_latam,
            start=in_days(index % 20 - 10),
            event=factories.EventFactory() if index % 3 == 0 else None,
        )
        factories.ParticipantFactory(meeting=meeting)
        factories.CommitmentFactory(
            meeting=meeting, owner=alice, due_date=today + datetime.timedelta(index % 20 - 5)
        )
    client.force_login(alice)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("home"))
    assert response.status_code == 200


def test_meeting_rows_name_the_counterparts(client, alice, desk_latam):
    meeting = factories.MeetingFactory(title="Copper talk", desk=desk_latam)
    chile = factories.CountryFactory(iso2="CL", name="Chile")
    factories.ParticipantFactory(
        meeting=meeting,
        person=factories.PersonFactory(name="Mario Marcel"),
        side="counterpart",
        post_label="Minister of Finance",
        country=chile,
    )
    factories.ParticipantFactory(
        meeting=meeting, person=factories.PersonFactory(name="Home Delegate"), side="home"
    )
    client.force_login(alice)
    page = client.get(reverse("home")).content.decode()
    assert "Mario Marcel (Minister of Finance), Chile" in page
    assert "Home Delegate" not in page


def test_cached_chart_follows_new_meetings_and_readers(client, alice, bob, desk_latam):
    yesterday = timezone.now() - datetime.timedelta(days=1)
    factories.MeetingFactory(
        desk=desk_latam, start=yesterday, classification=Classification.RESTRICTED
    )
    client.force_login(alice)
    assert client.get(reverse("home")).context["chart"].total == 1
    client.force_login(bob)
    assert client.get(reverse("home")).context["chart"].total == 0
    factories.MeetingFactory(desk=desk_latam, start=yesterday)
    assert client.get(reverse("home")).context["chart"].total == 1
    client.force_login(alice)
    assert client.get(reverse("home")).context["chart"].total == 2
