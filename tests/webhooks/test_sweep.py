"""The sweep (deliveries whose message was lost) and the redeliver service."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from engagements import services as engagements
from tests.webhooks.conftest import meeting_input
from webhooks import selectors, services, tasks
from webhooks.models import EventType, WebhookDelivery

Status = WebhookDelivery.Status


@pytest.fixture
def three_deliveries(subscribe, alice, erin, admin_user, desk_latam):
    for owner in (alice, erin, admin_user):
        subscribe(owner, EventType.MEETING_CREATED)
    engagements.meeting_create(user=alice, data=meeting_input(desk_latam))
    return list(WebhookDelivery.objects.order_by("pk"))


def set_state(delivery, **values):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**values)


def test_the_sweep_picks_pending_deliveries_overdue_by_more_than_the_grace(three_deliveries):
    now = timezone.now()
    lost, recent, done = three_deliveries
    set_state(lost, next_attempt_at=now - datetime.timedelta(minutes=5))
    set_state(recent, next_attempt_at=now - datetime.timedelta(seconds=30))
    set_state(done, status=Status.SUCCEEDED, next_attempt_at=None)

    due = selectors.deliveries_due(now=now, grace=datetime.timedelta(minutes=2), limit=100)

    assert due == [lost.pk]


def test_the_sweep_task_queues_the_lost_deliveries(three_deliveries, monkeypatch):
    lost = three_deliveries[0]
    set_state(lost, next_attempt_at=timezone.now() - datetime.timedelta(hours=1))
    queued = []
    monkeypatch.setattr(tasks, "deliveries_queue", lambda ids: queued.extend(ids) or len(ids))

    assert tasks.webhook_deliveries_sweep() == 1
    assert queued == [lost.pk]


def test_the_sweep_command_sends_what_is_due(three_deliveries, http):
    output = io.StringIO()

    call_command("webhook_sweep", stdout=output)

    assert "queued: 3 of 3" in output.getvalue()

    assert len(http.requests) == 3
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.SUCCEEDED}


def test_redeliver_starts_finished_deliveries_again_and_leaves_pending_ones(three_deliveries):
    failed, succeeded, pending = three_deliveries
    set_state(failed, status=Status.FAILED, attempts=10, next_attempt_at=None)
    set_state(succeeded, status=Status.SUCCEEDED, attempts=1, next_attempt_at=None)
    set_state(pending, attempts=2)

    queued = services.deliveries_redeliver(delivery_ids=[failed.pk, succeeded.pk, pending.pk])

    assert sorted(queued) == [failed.pk, succeeded.pk]
    for delivery in (failed, succeeded):
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (Status.PENDING, 0)
        assert delivery.next_attempt_at <= timezone.now()
        assert delivery.completed_at is None
    pending.refresh_from_db()
    assert pending.attempts == 2
