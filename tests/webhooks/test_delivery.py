"""One attempt of a delivery: the claim, the signed request, the outcome and the retry."""

import datetime
import json
import logging

import pytest
from django.utils import timezone

from accounts.models import Classification
from engagements import services as engagements
from tests.webhooks.conftest import meeting_input
from webhooks import services, signing, tasks, transport
from webhooks.models import EventType, WebhookDelivery

Status = WebhookDelivery.Status


@pytest.fixture
def delivery(subscribe, alice, desk_latam, settings):
    settings.WEBHOOK_RETRY_BASE_DELAY_SECONDS = 10
    settings.WEBHOOK_RETRY_MAX_DELAY_SECONDS = 600
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    endpoint = subscribe(alice, EventType.MEETING_CREATED, url="https://erp.example.org/hook")
    engagements.meeting_create(user=alice, data=meeting_input(desk_latam))
    return WebhookDelivery.objects.get(endpoint=endpoint)


def make_due(delivery):
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_a_2xx_answer_marks_the_delivery_succeeded(delivery, http):
    http.answer(204)

    result = services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert result.outcome == "succeeded"
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        Status.SUCCEEDED,
        1,
        204,
    )
    assert delivery.next_attempt_at is None
    assert delivery.completed_at is not None
    assert delivery.last_error == ""


def test_the_request_is_signed_with_the_endpoint_secret(delivery, http, settings):
    services.delivery_attempt(delivery_id=delivery.pk)

    [sent] = http.requests
    headers = sent["headers"]
    assert sent["url"] == "https://erp.example.org/hook"
    assert headers["Webhook-Id"] == str(delivery.event_id)
    assert headers["Webhook-Event"] == "meeting.created"
    assert signing.verify(
        secret=delivery.endpoint.secret,
        body=sent["body"],
        timestamp_header=headers["Webhook-Timestamp"],
        signature_header=headers["Webhook-Signature"],
    )
    assert json.loads(sent["body"]) == delivery.payload
    assert (sent["connect_timeout"], sent["read_timeout"]) == (
        settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS,
        settings.WEBHOOK_TIMEOUT_SECONDS,
    )


@pytest.mark.parametrize(
    "answer",
    [500, 503, 429, transport.Response(status_code=None, error="Connection refused")],
    ids=["500", "503", "429", "no answer"],
)
def test_a_transient_failure_is_retried_after_a_backoff(delivery, http, answer):
    http.answer(answer)
    before = timezone.now()

    result = services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert result.outcome == "retry"
    assert 5 <= result.retry_in <= 10
    assert delivery.status == Status.PENDING
    assert delivery.attempts == 1
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 5 <= wait <= 11
    assert delivery.last_error


@pytest.mark.parametrize("code", [400, 401, 404, 410, 301])
def test_a_permanent_failure_fails_at_once(delivery, http, code):
    http.answer(code)

    result = services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert result.outcome == "failed"
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        Status.FAILED,
        1,
        code,
    )
    assert delivery.next_attempt_at is None


def test_the_backoff_grows_and_it_gives_up_after_the_maximum_attempts(delivery, http):
    http.answer(500, 500, 503)
    waits = []

    for _ in range(3):
        result = services.delivery_attempt(delivery_id=delivery.pk)
        waits.append(result.retry_in)
        make_due(delivery)

    delivery.refresh_from_db()
    assert 5 <= waits[0] <= 10 and 10 <= waits[1] <= 20
    assert waits[2] is None
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        Status.FAILED,
        3,
        503,
    )
    assert delivery.last_error.startswith("Gave up after 3 attempts")


def test_a_delivery_claimed_by_another_worker_is_left_alone(delivery, http):
    assert services._claim(delivery.pk, timezone.now())

    result = services.delivery_attempt(delivery_id=delivery.pk)

    assert result.outcome == "skipped"
    assert http.requests == []


def test_a_finished_delivery_is_not_sent_twice(delivery, http):
    services.delivery_attempt(delivery_id=delivery.pk)
    make_due(delivery)

    assert services.delivery_attempt(delivery_id=delivery.pk).outcome == "skipped"
    assert len(http.requests) == 1


def test_the_claim_of_a_dead_worker_expires(delivery, http):
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=long_ago)
    assert services._claim(delivery.pk, long_ago)

    result = services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert result.outcome == "succeeded"
    assert delivery.attempts == 2


def test_an_attempt_whose_claim_was_taken_over_does_not_record_its_outcome(delivery, monkeypatch):
    def answer_after_a_takeover(url, **request):
        # Meanwhile the claim expired and another worker took the delivery.
        WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=5)
        return transport.Response(status_code=500)

    monkeypatch.setattr(transport, "post", answer_after_a_takeover)

    services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_response_code, delivery.last_error) == (5, None, "")


def test_nothing_is_sent_once_the_owner_may_no_longer_read_the_meeting(
    subscribe, alice, bob, desk_latam, http
):
    endpoint = subscribe(bob, EventType.MEETING_CREATED)
    meeting = engagements.meeting_create(
        user=alice, data=meeting_input(desk_latam, classification=Classification.INTERNAL)
    )
    # A mistake corrected before the worker got to it.
    engagements.meeting_update(
        user=alice, meeting=meeting, expected_version=1, data=meeting_input(desk_latam)
    )
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)

    result = services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert result.outcome == "failed"
    assert http.requests == []
    assert "may no longer read" in delivery.last_error


def test_nothing_is_sent_to_an_endpoint_deactivated_meanwhile(delivery, http):
    services.endpoint_update(endpoint=delivery.endpoint, is_active=False)

    assert services.delivery_attempt(delivery_id=delivery.pk).outcome == "failed"
    assert http.requests == []


def test_the_secret_never_reaches_the_log(delivery, http, caplog):
    http.answer(500, transport.Response(status_code=None, error="Connection refused"), 404)
    caplog.set_level(logging.DEBUG)

    for _ in range(3):
        services.delivery_attempt(delivery_id=delivery.pk)
        make_due(delivery)

    delivery.refresh_from_db()
    assert caplog.records
    assert delivery.endpoint.secret not in caplog.text
    assert delivery.endpoint.secret not in delivery.last_error


def test_the_task_queues_the_next_attempt_with_the_backoff(delivery, http, monkeypatch):
    http.answer(502)
    queued = []
    monkeypatch.setattr(
        tasks, "deliveries_queue", lambda ids, countdown=None: queued.append((ids, countdown))
    )

    assert tasks.webhook_deliver(delivery.pk) == "retry"

    [(ids, countdown)] = queued
    assert ids == [delivery.pk]
    assert 5 <= countdown <= 10


def test_in_process_mode_leaves_the_retry_to_the_sweep(delivery, http):
    http.answer(500, 500)

    tasks.webhook_deliver.delay(delivery.pk)

    delivery.refresh_from_db()
    assert len(http.requests) == 1
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 1)


def test_a_long_wait_is_left_to_the_sweep(delivery, http, monkeypatch, settings):
    settings.WEBHOOK_RETRY_BASE_DELAY_SECONDS = settings.TASK_MAX_RETRY_DELAY_SECONDS * 4
    settings.WEBHOOK_RETRY_MAX_DELAY_SECONDS = settings.TASK_MAX_RETRY_DELAY_SECONDS * 8
    http.answer(500)
    queued = []
    monkeypatch.setattr(tasks, "deliveries_queue", lambda ids, countdown=None: queued.append(ids))

    assert tasks.webhook_deliver(delivery.pk) == "retry"
    assert queued == []


def test_an_unexpected_error_fails_the_delivery_instead_of_looping(delivery, monkeypatch):
    def broken(url, **request):
        raise RuntimeError("a bug")

    monkeypatch.setattr(transport, "post", broken)

    with pytest.raises(RuntimeError):
        services.delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (Status.FAILED, "Internal error: RuntimeError")
