import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from icalendar import Calendar

from accounts.models import Classification
from engagements.models import Meeting
from notifications import services
from tests import factories
from tests.notifications.conftest import commitment_for

SANTIAGO = ZoneInfo("America/Santiago")


@pytest.fixture
def feed_token(owner):
    _, token = services.calendar_feed_create(user=owner)
    return token


def fetch(client, token):
    return client.get(reverse("notifications:calendar_feed", args=[token]))


def events(response):
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]).split("@")[0]: event for event in calendar.walk("VEVENT")}, calendar


@pytest.fixture
def meetings(desk_latam):
    start = datetime.datetime.now(SANTIAGO).replace(hour=10, minute=0, second=0, microsecond=0)
    held = factories.MeetingFactory(
        desk=desk_latam,
        title="Korea-Chile bilateral",
        start=start,
        end=start + datetime.timedelta(minutes=45),
        time_zone="America/Santiago",
        classification=Classification.INTERNAL,
        summary="Lithium and copper",
    )
    cancelled = factories.MeetingFactory(
        desk=desk_latam,
        title="Call with Bolivia",
        start=start + datetime.timedelta(days=2),
        time_zone="America/La_Paz",
        status=Meeting.Status.CANCELLED,
    )
    return held, cancelled


def test_the_feed_parses_and_keeps_each_meetings_time_zone(client, feed_token, meetings):
    held, _ = meetings
    response = fetch(client, feed_token)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    found, calendar = events(response)

    event = found[f"meeting-{held.pk}"]
    start = event.decoded("DTSTART")
    assert str(start.tzinfo) == "America/Santiago"
    assert (start.hour, start.minute) == (10, 0)
    assert start == held.start
    assert event.decoded("DTEND") - start == datetime.timedelta(minutes=45)
    assert str(event["SUMMARY"]) == "Korea-Chile bilateral"
    assert str(event["DESCRIPTION"]) == "Lithium and copper"
    assert str(event["URL"]).endswith(f"/meetings/{held.pk}/")
    zones = {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")}
    assert {"America/Santiago", "America/La_Paz"} <= zones


def test_a_cancelled_meeting_is_marked_cancelled(client, feed_token, meetings):
    held, cancelled = meetings
    found, _ = events(fetch(client, feed_token))
    assert str(found[f"meeting-{cancelled.pk}"]["STATUS"]) == "CANCELLED"
    assert str(found[f"meeting-{held.pk}"]["STATUS"]) == "CONFIRMED"


def test_a_commitment_due_date_is_an_all_day_event(client, owner, feed_token):
    commitment = commitment_for(owner, 7, title="Send the MoU draft")
    commitment_for(owner, 3, status="done", completed_on=datetime.date.today())
    found, _ = events(fetch(client, feed_token))
    assert set(found) == {f"commitment-{commitment.pk}"}
    event = found[f"commitment-{commitment.pk}"]
    assert event.decoded("DTSTART") == commitment.due_date
    assert str(event["SUMMARY"]) == "Due: Send the MoU draft"


def test_uids_are_stable_and_an_edit_raises_the_sequence(client, feed_token, meetings):
    held, _ = meetings
    first, _ = events(fetch(client, feed_token))
    Meeting.objects.filter(pk=held.pk).update(title="Korea-Chile bilateral (moved)", version=2)
    second, _ = events(fetch(client, feed_token))
    assert set(first) == set(second)
    assert str(first[f"meeting-{held.pk}"]["UID"]) == str(second[f"meeting-{held.pk}"]["UID"])
    assert int(second[f"meeting-{held.pk}"]["SEQUENCE"]) == 2


def test_a_revoked_feed_address_is_not_found(client, owner, feed_token):
    assert fetch(client, feed_token).status_code == 200
    services.calendar_feed_revoke(user=owner)
    assert fetch(client, feed_token).status_code == 404


def test_a_replaced_feed_address_is_not_found_and_the_new_one_works(client, owner, feed_token):
    _, new_token = services.calendar_feed_create(user=owner)
    assert fetch(client, feed_token).status_code == 404
    assert fetch(client, new_token).status_code == 200


def test_an_unknown_token_or_an_inactive_user_is_not_found(client, owner, feed_token):
    assert fetch(client, "not-a-token").status_code == 404
    owner.is_active = False
    owner.save()
    assert fetch(client, feed_token).status_code == 404


def test_the_feed_is_titled_in_the_users_language(client, owner, feed_token):
    from tests.notifications.conftest import prefer

    prefer(owner, language="es")
    commitment_for(owner, 7, title="Enviar el borrador")
    found, calendar = events(fetch(client, feed_token))
    assert str(calendar["X-WR-CALNAME"]) == "Reuniones de olivia"
    assert [str(event["SUMMARY"]) for event in found.values()] == ["Vence: Enviar el borrador"]
