import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import transaction
from kombu.exceptions import OperationalError

from accounts.models import Classification, DeskMembership
from engagements import services as engagement_services
from engagements.services import CommitmentInput, MeetingInput, ParticipantInput
from notifications import services, tasks
from notifications.models import DispatchStatus, Notification
from tests import factories
from tests.notifications.conftest import days


@pytest.fixture
def tags(db):
    chile = factories.CountryFactory(iso2="CL", iso3="CHL", numeric_code="152", name="Chile")
    minerals = factories.TopicFactory(name="Critical minerals")
    return {
        "chile": chile,
        "parent_topic": minerals,
        "topic": factories.TopicFactory(name="Lithium supply", parent=minerals),
        "person": factories.PersonFactory(name="Mario Marcel Cullell"),
        "mineral": factories.MineralFactory(name="Lithium", slug="lithium"),
        "instrument": factories.InstrumentFactory(name="Korea Infrastructure Facility"),
    }


@pytest.fixture
def watchers(db, tags):
    """One user per kind of watch, each watching one tag of the meeting."""
    users = {}
    for kind, target in [
        ("country", tags["chile"]),
        ("topic", tags["parent_topic"]),
        ("person", tags["person"]),
        ("mineral", tags["mineral"]),
        ("instrument", tags["instrument"]),
    ]:
        users[kind] = factories.UserFactory(username=f"watcher-{kind}")
        services.watch_add(user=users[kind], target=target)
    return users


def meeting_data(desk, tags, **overrides):
    values = {
        "title": "Korea-Chile bilateral on critical minerals",
        "start": datetime.datetime(2026, 3, 28, 10, 0, tzinfo=ZoneInfo("America/Santiago")),
        "time_zone": "America/Santiago",
        "desk": desk,
        "classification": Classification.INTERNAL,
        "summary": "Stable supply of lithium and copper.",
        "counterpart_countries": [tags["chile"]],
        "topics": [tags["topic"]],
        "minerals": [tags["mineral"]],
        "instruments": [tags["instrument"]],
        "participants": [ParticipantInput(side="counterpart", person=tags["person"])],
    }
    values.update(overrides)
    return MeetingInput(**values)


def test_logging_a_meeting_notifies_each_watcher_once(
    alice, desk_latam, tags, watchers, django_capture_on_commit_callbacks
):
    services.watch_add(user=alice, target=tags["chile"])  # the author is not told
    bystander = factories.UserFactory(username="bystander")
    services.watch_add(user=bystander, target=factories.CountryFactory(iso2="PE", name="Peru"))

    with django_capture_on_commit_callbacks(execute=True):
        meeting = engagement_services.meeting_create(
            user=alice, data=meeting_data(desk_latam, tags)
        )

    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        user.email for user in watchers.values()
    )
    assert {message.subject for message in mail.outbox} == {
        "New meeting: Korea-Chile bilateral on critical minerals"
    }
    assert Notification.objects.filter(meeting=meeting, status=DispatchStatus.SENT).count() == 5


def test_the_notification_is_written_in_the_meetings_transaction(alice, desk_latam, tags, watchers):
    with transaction.atomic():
        engagement_services.meeting_create(user=alice, data=meeting_data(desk_latam, tags))
        assert Notification.objects.filter(status=DispatchStatus.PENDING).count() == 5
        transaction.set_rollback(True)
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_changing_a_meeting_notifies_the_watchers_again(
    alice, desk_latam, tags, watchers, django_capture_on_commit_callbacks
):
    meeting = engagement_services.meeting_create(user=alice, data=meeting_data(desk_latam, tags))
    with django_capture_on_commit_callbacks(execute=True):
        engagement_services.meeting_update(
            user=alice,
            meeting=meeting,
            expected_version=meeting.version,
            data=meeting_data(desk_latam, tags, title="Korea-Chile bilateral (revised)"),
        )
    assert len(mail.outbox) == 5
    assert mail.outbox[0].subject == "Meeting updated: Korea-Chile bilateral (revised)"


def test_a_watcher_who_may_not_see_a_restricted_meeting_is_not_notified(
    alice, bob, charlie, erin, desk_latam, tags, django_capture_on_commit_callbacks
):
    for user in (bob, charlie, erin):
        services.watch_add(user=user, target=tags["chile"])
    data = meeting_data(desk_latam, tags, classification=Classification.RESTRICTED)

    with django_capture_on_commit_callbacks(execute=True):
        engagement_services.meeting_create(user=alice, data=data)

    (message,) = mail.outbox
    assert message.to == [erin.email]  # of the desk and cleared; bob and charlie are not
    assert "lithium" not in message.body.lower()  # restricted: a title and a link only
    assert "Korea-Chile bilateral on critical minerals" in message.body


def test_if_the_broker_is_down_the_meeting_is_saved_and_the_relay_sends_later(
    alice, desk_latam, tags, watchers, django_capture_on_commit_callbacks
):
    broker_down = mock.patch.object(
        tasks.notification_deliver, "apply_async", side_effect=OperationalError("refused")
    )
    with broker_down, django_capture_on_commit_callbacks(execute=True):
        meeting = engagement_services.meeting_create(
            user=alice, data=meeting_data(desk_latam, tags)
        )
    assert meeting.pk and mail.outbox == []
    assert Notification.objects.filter(relayed_at__isnull=True).count() == 5

    assert tasks.outbox_relay.delay().get() == 5
    assert tasks.outbox_relay.delay().get() == 0
    assert len(mail.outbox) == 5


def test_delivering_a_notification_twice_sends_it_once(alice, desk_latam, tags, watchers):
    engagement_services.meeting_create(user=alice, data=meeting_data(desk_latam, tags))
    notification = Notification.objects.first()
    tasks.notification_deliver.delay(notification.pk)
    tasks.notification_deliver.delay(notification.pk)
    assert len(mail.outbox) == 1


def test_a_watcher_who_lost_clearance_before_delivery_gets_nothing(alice, erin, desk_latam, tags):
    services.watch_add(user=erin, target=tags["chile"])
    data = meeting_data(desk_latam, tags, classification=Classification.CONFIDENTIAL)
    engagement_services.meeting_create(user=erin, data=data)  # erin wrote it: not notified
    engagement_services.meeting_create(
        user=alice, data=meeting_data(desk_latam, tags, classification=Classification.RESTRICTED)
    )
    notification = Notification.objects.get(recipient=erin)
    DeskMembership.objects.filter(user=erin).delete()

    tasks.notification_deliver.delay(notification.pk)

    assert mail.outbox == []
    notification.refresh_from_db()
    assert notification.status == DispatchStatus.WITHHELD


def test_reassigning_a_commitment_notifies_the_new_owner(
    alice, erin, desk_latam, django_capture_on_commit_callbacks
):
    commitment = engagement_services.commitment_create(
        user=alice,
        data=CommitmentInput(title="Draft the trust fund letter", desk=desk_latam, owner=alice),
    )
    assert not Notification.objects.exists()  # assigned to oneself: no email

    with django_capture_on_commit_callbacks(execute=True):
        engagement_services.commitment_update(user=alice, commitment=commitment, owner=erin)

    (message,) = mail.outbox
    assert message.to == [erin.email]
    assert message.subject == "You now own: Draft the trust fund letter"
    assert f"/notifications/commitments/{commitment.pk}/" in message.body


def test_a_commitment_logged_with_a_meeting_notifies_its_owner(
    alice, erin, desk_latam, tags, django_capture_on_commit_callbacks
):
    data = meeting_data(
        desk_latam,
        tags,
        commitments=[CommitmentInput(title="Send the MoU draft", owner=erin, due_date=days(7))],
    )
    with django_capture_on_commit_callbacks(execute=True):
        engagement_services.meeting_create(user=alice, data=data)
    assert [message.to for message in mail.outbox] == [[erin.email]]
