"""Which events create deliveries, for whom, and what they carry."""

import datetime
import json

import pytest
from django.db import transaction

from accounts.models import Classification
from engagements import services as engagements
from engagements.models import Commitment
from tests import factories
from tests.webhooks.conftest import meeting_input
from webhooks import tasks
from webhooks.models import EventType, WebhookDelivery


def deliveries(endpoint, event_type=None):
    rows = WebhookDelivery.objects.filter(endpoint=endpoint)
    return list(rows.filter(event_type=event_type) if event_type else rows)


def test_it_sends_a_restricted_meeting_only_to_owners_who_may_read_it(
    subscribe, alice, bob, charlie, erin, admin_user, desk_latam
):
    readers = [subscribe(alice), subscribe(erin), subscribe(admin_user)]
    outsiders = [subscribe(bob), subscribe(charlie)]

    meeting = engagements.meeting_create(user=alice, data=meeting_input(desk_latam))

    for endpoint in readers:
        [delivery] = deliveries(endpoint, EventType.MEETING_CREATED)
        assert delivery.record_id == meeting.pk
    for endpoint in outsiders:
        assert deliveries(endpoint) == []


def test_an_internal_meeting_goes_to_every_subscribed_endpoint(
    subscribe, alice, bob, charlie, desk_latam
):
    endpoints = [subscribe(alice), subscribe(bob), subscribe(charlie)]

    engagements.meeting_create(
        user=alice, data=meeting_input(desk_latam, classification=Classification.INTERNAL)
    )

    assert all(len(deliveries(endpoint, EventType.MEETING_CREATED)) == 1 for endpoint in endpoints)


def test_an_owner_who_took_part_receives_the_restricted_meeting(subscribe, alice, dana, desk_latam):
    endpoint = subscribe(dana)
    person = factories.PersonFactory(user=dana)

    engagements.meeting_create(
        user=alice,
        data=meeting_input(
            desk_latam,
            participants=[engagements.ParticipantInput(side="home", person=person)],
        ),
    )

    assert len(deliveries(endpoint, EventType.MEETING_CREATED)) == 1


def test_every_endpoint_gets_the_same_event_id(subscribe, alice, erin, desk_latam):
    first, second = subscribe(alice), subscribe(erin)

    engagements.meeting_create(user=alice, data=meeting_input(desk_latam))

    [one], [other] = deliveries(first), deliveries(second)
    assert one.event_id == other.event_id
    assert one.payload["event_id"] == str(one.event_id)


def test_the_payload_describes_the_meeting_without_contact_details(subscribe, alice, desk_latam):
    endpoint = subscribe(alice, EventType.MEETING_CREATED)
    chile = factories.CountryFactory(iso2="CL", iso3="CHL", name="Chile")
    minister = factories.PersonFactory(name="Mario Marcel", email="minister@hacienda.cl")
    post = factories.PostFactory(
        label="Minister of Finance",
        organization=factories.OrganizationFactory(name="Ministry of Finance", country=chile),
    )
    factories.TenureFactory(person=minister, post=post, start_date=datetime.date(2022, 3, 11))
    event = factories.EventFactory(name="IDB Annual Meeting 2025", slug="idb-2025")
    lithium = factories.MineralFactory(name="Lithium", slug="lithium")
    topic = factories.TopicFactory(name="Critical minerals", slug="critical-minerals")
    fund = factories.InstrumentFactory(name="Korea Infrastructure Fund", slug="kif")

    meeting = engagements.meeting_create(
        user=alice,
        data=meeting_input(
            desk_latam,
            country=chile,
            event=event,
            topics=[topic],
            minerals=[lithium],
            instruments=[fund],
            participants=[
                engagements.ParticipantInput(side="counterpart", person=minister),
                engagements.ParticipantInput(side="home", raw_name="Director General Kim"),
            ],
        ),
    )

    [delivery] = deliveries(endpoint)
    payload = delivery.payload
    assert payload["event_type"] == "meeting.created"
    assert datetime.datetime.fromisoformat(payload["occurred_at"])
    record = payload["data"]["meeting"]
    assert record["id"] == meeting.pk
    assert record["title"] == meeting.title
    assert datetime.datetime.fromisoformat(record["start"]) == meeting.start
    assert record["time_zone"] == "America/Santiago"
    assert (record["kind"], record["status"]) == ("bilateral", "held")
    assert record["desk"] == {"id": desk_latam.pk, "code": "latam", "name": desk_latam.name}
    assert record["classification"] == "restricted"
    assert record["country"] == {"iso2": "CL", "name": "Chile"}
    assert record["event"]["name"] == "IDB Annual Meeting 2025"
    assert [(p["name"], p["post_label"], p["side"]) for p in record["participants"]] == [
        ("Mario Marcel", "Minister of Finance", "counterpart"),
        ("Director General Kim", "", "home"),
    ]
    assert record["participants"][0]["organization"] == "Ministry of Finance"
    assert [t["slug"] for t in record["topics"]] == ["critical-minerals"]
    assert [m["slug"] for m in record["minerals"]] == ["lithium"]
    assert [i["slug"] for i in record["instruments"]] == ["kif"]
    assert record["version"] == 1
    assert "minister@hacienda.cl" not in json.dumps(payload)


def test_an_update_is_sent_as_meeting_updated_with_the_new_version(subscribe, alice, desk_latam):
    endpoint = subscribe(alice, EventType.MEETING_UPDATED)
    meeting = engagements.meeting_create(user=alice, data=meeting_input(desk_latam))

    engagements.meeting_update(
        user=alice,
        meeting=meeting,
        expected_version=1,
        data=meeting_input(desk_latam, title="Bilateral, rescheduled"),
    )

    [delivery] = deliveries(endpoint)
    assert delivery.event_type == "meeting.updated"
    assert delivery.payload["data"]["meeting"]["title"] == "Bilateral, rescheduled"
    assert delivery.payload["data"]["meeting"]["version"] == 2


def test_a_meeting_raised_beyond_an_owners_reach_is_not_sent_as_updated(
    subscribe, alice, bob, desk_latam
):
    endpoint = subscribe(bob, EventType.MEETING_UPDATED)
    meeting = engagements.meeting_create(
        user=alice, data=meeting_input(desk_latam, classification=Classification.INTERNAL)
    )

    engagements.meeting_update(
        user=alice, meeting=meeting, expected_version=1, data=meeting_input(desk_latam)
    )

    assert deliveries(endpoint) == []


def test_inactive_and_unsubscribed_endpoints_get_nothing(subscribe, alice, desk_latam):
    inactive = subscribe(alice, is_active=False)
    elsewhere = subscribe(alice, EventType.COMMITMENT_CREATED)

    engagements.meeting_create(user=alice, data=meeting_input(desk_latam))

    assert deliveries(inactive) == []
    assert deliveries(elsewhere) == []


def test_a_deletion_is_announced_from_the_snapshot_to_those_who_could_read_it(
    subscribe, alice, bob, dana, erin, desk_latam
):
    person = factories.PersonFactory(user=dana)
    meeting = engagements.meeting_create(
        user=alice,
        data=meeting_input(
            desk_latam, participants=[engagements.ParticipantInput(side="home", person=person)]
        ),
    )
    endpoints = {user: subscribe(user, EventType.MEETING_DELETED) for user in (alice, bob, dana)}
    meeting_id, title = meeting.pk, meeting.title

    engagements.meeting_delete(user=erin, meeting=meeting)  # the desk's lead

    for user in (alice, dana):
        [delivery] = deliveries(endpoints[user])
        assert delivery.payload["data"] == {"meeting": {"id": meeting_id, "title": title}}
        assert delivery.record_id == meeting_id
    assert deliveries(endpoints[bob]) == []


def test_commitments_are_announced_when_created_and_when_completed(subscribe, alice, desk_latam):
    endpoint = subscribe(alice, EventType.COMMITMENT_CREATED, EventType.COMMITMENT_COMPLETED)
    meeting = engagements.meeting_create(
        user=alice,
        data=meeting_input(
            desk_latam,
            commitments=[
                engagements.CommitmentInput(
                    title="Send the draft MoU on lithium",
                    owner=alice,
                    due_date=datetime.date(2025, 4, 30),
                )
            ],
        ),
    )
    commitment = meeting.commitments.get()
    engagements.commitment_set_status(
        user=alice, commitment=commitment, status=Commitment.Status.IN_PROGRESS
    )
    engagements.commitment_set_status(
        user=alice, commitment=commitment, status=Commitment.Status.DONE
    )
    engagements.commitment_update(user=alice, commitment=commitment, title="Sent the draft MoU")

    created, completed = sorted(deliveries(endpoint), key=lambda row: row.pk)
    assert created.event_type == "commitment.created"
    assert completed.event_type == "commitment.completed"
    assert created.payload["data"]["commitment"] == {
        "id": commitment.pk,
        "title": "Send the draft MoU on lithium",
        "due_date": "2025-04-30",
        "status": "open",
        "completed_on": None,
        "owner": "alice",
        "meeting_id": meeting.pk,
    }
    assert completed.payload["data"]["commitment"]["status"] == "done"


def test_a_commitment_of_a_hidden_meeting_is_not_announced(subscribe, alice, bob, desk_latam):
    endpoint = subscribe(bob, EventType.COMMITMENT_CREATED)

    engagements.meeting_create(
        user=alice,
        data=meeting_input(
            desk_latam, commitments=[engagements.CommitmentInput(title="Share the data")]
        ),
    )

    assert deliveries(endpoint) == []


def test_deliveries_are_queued_only_after_the_commit(
    subscribe, alice, desk_latam, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_QUEUE = "webhooks-test"
    endpoint = subscribe(alice, EventType.MEETING_CREATED)
    published = []
    monkeypatch.setattr(
        tasks.webhook_deliver,
        "apply_async",
        lambda args, **options: published.append((args, options)),
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        engagements.meeting_create(user=alice, data=meeting_input(desk_latam))
        assert published == []

    [delivery] = deliveries(endpoint)
    assert len(callbacks) == 1
    assert published == [((delivery.pk,), {"countdown": None, "queue": "webhooks-test"})]


def test_a_change_rolled_back_leaves_no_delivery(subscribe, alice, desk_latam):
    endpoint = subscribe(alice)

    with pytest.raises(RuntimeError), transaction.atomic():
        engagements.meeting_create(user=alice, data=meeting_input(desk_latam))
        raise RuntimeError("the rest of the request failed")

    assert deliveries(endpoint) == []
