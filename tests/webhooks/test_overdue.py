"""The daily overdue check: once per commitment and due date, whatever the number of runs."""

import datetime

import pytest
from django.db import IntegrityError

from accounts.models import Classification
from engagements import services as engagements
from engagements.models import Commitment
from tests import factories
from webhooks import services, tasks
from webhooks.models import EventType, WebhookDelivery

TODAY = datetime.date(2026, 3, 2)


def day(offset):
    return TODAY + datetime.timedelta(days=offset)


@pytest.fixture
def commitment(alice, desk_latam):
    meeting = factories.MeetingFactory(desk=desk_latam, classification=Classification.RESTRICTED)
    return factories.CommitmentFactory(meeting=meeting, owner=alice, due_date=day(-1))


def overdue_deliveries(endpoint=None):
    rows = WebhookDelivery.objects.filter(event_type=EventType.COMMITMENT_OVERDUE)
    return list(rows.filter(endpoint=endpoint) if endpoint else rows)


def test_a_commitment_past_its_due_date_is_announced_once(subscribe, alice, commitment):
    endpoint = subscribe(alice, EventType.COMMITMENT_OVERDUE)

    first = services.deliveries_for_overdue_commitments(today=TODAY)
    again = services.deliveries_for_overdue_commitments(today=TODAY)
    next_day = services.deliveries_for_overdue_commitments(today=day(1))

    [delivery] = overdue_deliveries(endpoint)
    assert first == [delivery.pk]
    assert again == next_day == []
    assert delivery.event_id == services.overdue_event_id(
        commitment_id=commitment.pk, due_date=day(-1)
    )
    assert delivery.payload["data"]["commitment"]["due_date"] == day(-1).isoformat()


def test_a_new_due_date_that_passes_in_turn_is_a_new_event(subscribe, alice, commitment):
    endpoint = subscribe(alice, EventType.COMMITMENT_OVERDUE)
    services.deliveries_for_overdue_commitments(today=TODAY)

    engagements.commitment_update(user=alice, commitment=commitment, due_date=day(5))
    services.deliveries_for_overdue_commitments(today=day(6))

    assert sorted(d.payload["data"]["commitment"]["due_date"] for d in overdue_deliveries()) == [
        day(-1).isoformat(),
        day(5).isoformat(),
    ]
    assert len({d.event_id for d in overdue_deliveries(endpoint)}) == 2


def test_commitments_done_not_yet_due_or_long_overdue_are_not_announced(
    subscribe, alice, desk_latam, settings
):
    settings.WEBHOOK_OVERDUE_CATCH_UP_DAYS = 3
    subscribe(alice, EventType.COMMITMENT_OVERDUE)
    meeting = factories.MeetingFactory(desk=desk_latam)
    factories.CommitmentFactory(
        meeting=meeting, due_date=day(-1), status=Commitment.Status.DONE, completed_on=day(-2)
    )
    factories.CommitmentFactory(meeting=meeting, due_date=TODAY)
    factories.CommitmentFactory(meeting=meeting, due_date=day(-4))
    factories.CommitmentFactory(meeting=meeting, due_date=None)
    caught_up = factories.CommitmentFactory(meeting=meeting, due_date=day(-3))

    services.deliveries_for_overdue_commitments(today=TODAY)

    assert [d.record_id for d in overdue_deliveries()] == [caught_up.pk]


def test_an_owner_who_may_not_read_the_commitment_hears_nothing(subscribe, alice, bob, commitment):
    readers = subscribe(alice, EventType.COMMITMENT_OVERDUE)
    outsider = subscribe(bob, EventType.COMMITMENT_OVERDUE)

    services.deliveries_for_overdue_commitments(today=TODAY)

    assert len(overdue_deliveries(readers)) == 1
    assert overdue_deliveries(outsider) == []


def test_the_database_refuses_a_second_delivery_of_one_event(subscribe, alice, commitment):
    endpoint = subscribe(alice, EventType.COMMITMENT_OVERDUE)
    services.deliveries_for_overdue_commitments(today=TODAY)
    [delivery] = overdue_deliveries(endpoint)

    with pytest.raises(IntegrityError):
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_type=EventType.COMMITMENT_OVERDUE,
            event_id=delivery.event_id,
            payload={},
            next_attempt_at=delivery.next_attempt_at,
        )


def test_the_daily_task_queues_what_it_wrote(subscribe, alice, commitment, monkeypatch):
    subscribe(alice, EventType.COMMITMENT_OVERDUE)
    queued = []
    monkeypatch.setattr(tasks, "deliveries_queue", lambda ids: queued.extend(ids) or len(ids))

    assert tasks.webhook_commitments_overdue(as_of=TODAY.isoformat()) == 1
    assert tasks.webhook_commitments_overdue(as_of=TODAY.isoformat()) == 0
    assert queued == [overdue_deliveries()[0].pk]
