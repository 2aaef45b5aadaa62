"""Writes for webhooks: endpoints, the deliveries an event creates, and delivery attempts.

Exactly-once is not on offer over HTTP; this is at-least-once with a stable Webhook-Id:

- A delivery row is written in the transaction of the change (the receivers of
  engagements.signals), so a rolled-back change sends nothing and a committed one is not
  lost if the broker is down: the sweep queues what is pending and overdue.
- An attempt first claims its row with a conditional UPDATE that pushes next_attempt_at
  past the task's time limit. A second message for the same delivery (the sweep, a
  redelivered message) finds it not due and does nothing; a worker that died mid-attempt
  leaves a claim that expires, and the sweep tries again.
- The outcome is written only if the row is still in the state the claim left it in.
"""

from __future__ import annotations

import datetime
import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from core.schedules import Schedule, schedules_register
from core.schedules import schedules_ensure as schedules_ensure  # the one, re-exported
from engagements.models import Commitment, Meeting

from . import payloads, selectors, signing, transport
from .models import EventType, WebhookDelivery, WebhookEndpoint, generate_secret

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
OVERDUE_NAMESPACE = uuid.UUID("5d0f3f8e-3b0e-4c47-9a55-2a8f0f6c7b11")
# Clocks of web, worker and database hosts differ a little; a retry message that arrives a
# moment before its row is due must not be dropped (it would wait for the sweep).
CLAIM_SLACK = datetime.timedelta(seconds=2)
MEETING_EVENTS = {EventType.MEETING_CREATED, EventType.MEETING_UPDATED}
COMMITMENT_EVENTS = {
    EventType.COMMITMENT_CREATED,
    EventType.COMMITMENT_COMPLETED,
    EventType.COMMITMENT_OVERDUE,
}


# Endpoints


def _ordered_event_types(event_types: Iterable[str]) -> list[str]:
    wanted = list(event_types)
    unknown = [name for name in wanted if name not in EventType.values]
    return [name for name in EventType.values if name in wanted] + unknown


@transaction.atomic
def endpoint_save(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Validate and save an endpoint built or changed by the caller (the admin's form)."""
    endpoint.event_types = _ordered_event_types(endpoint.event_types)
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def endpoint_create(
    *,
    name: str,
    url: str,
    owner: User,
    event_types: Iterable[str],
    description: str = "",
    is_active: bool = True,
    created_by: User | None = None,
) -> WebhookEndpoint:
    return endpoint_save(
        endpoint=WebhookEndpoint(
            name=name,
            url=url,
            owner=owner,
            event_types=list(event_types),
            description=description,
            is_active=is_active,
            created_by=created_by,
        )
    )


ENDPOINT_UPDATABLE_FIELDS = {"name", "url", "owner", "event_types", "description", "is_active"}


def endpoint_update(*, endpoint: WebhookEndpoint, **changes: Any) -> WebhookEndpoint:
    unknown = set(changes) - ENDPOINT_UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"Fields that cannot be changed here: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(endpoint, name, value)
    return endpoint_save(endpoint=endpoint)


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint and its delivery log (pending deliveries are not sent)."""
    endpoint.delete()


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret at once: deliveries still pending are signed with it when they go."""
    endpoint.secret = generate_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint


# Events: called by the receivers inside the transaction of the change


def _fan_out(
    *,
    event_type: str,
    record_id: int,
    data: dict[str, Any],
    endpoints: Sequence[WebhookEndpoint],
    event_id: uuid.UUID | None = None,
) -> list[int]:
    if not endpoints:
        return []
    now = timezone.now()
    event_id = event_id or uuid.uuid4()
    payload = payloads.envelope(
        event_type=event_type, event_id=event_id, occurred_at=now, data=data
    )
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint,
            event_type=event_type,
            event_id=event_id,
            record_id=record_id,
            payload=payload,
            next_attempt_at=now,
        )
        for endpoint in endpoints
    )
    return [row.pk for row in rows]


def deliveries_for_meeting_saved(*, meeting: Meeting, created: bool) -> list[int]:
    event_type = EventType.MEETING_CREATED if created else EventType.MEETING_UPDATED
    endpoints = selectors.endpoints_for_event(event_type=event_type)
    if not endpoints:
        return []
    loaded = selectors.meeting_for_payload(meeting_id=meeting.pk)
    if loaded is None:
        return []
    readers = [
        e for e in endpoints if selectors.meeting_visible_to_owner(endpoint=e, meeting=loaded)
    ]
    if not readers:
        return []
    return _fan_out(
        event_type=event_type,
        record_id=loaded.pk,
        data=payloads.meeting_data(loaded),
        endpoints=readers,
    )


def deliveries_for_meeting_deleted(*, snapshot: dict[str, Any]) -> list[int]:
    event_type = EventType.MEETING_DELETED
    endpoints = selectors.endpoints_for_event(event_type=event_type)
    readers = [
        e
        for e in endpoints
        if selectors.deleted_meeting_visible_to_owner(endpoint=e, snapshot=snapshot)
    ]
    return _fan_out(
        event_type=event_type,
        record_id=snapshot["id"],
        data=payloads.meeting_deleted_data(snapshot),
        endpoints=readers,
    )


def commitment_event_type(
    *, commitment: Commitment, created: bool, previous_status: str | None
) -> str | None:
    if created:
        return EventType.COMMITMENT_CREATED
    done = Commitment.Status.DONE
    if commitment.status == done and previous_status != done:
        return EventType.COMMITMENT_COMPLETED
    return None


def _commitment_readers(
    endpoints: Sequence[WebhookEndpoint], commitment: Commitment
) -> list[WebhookEndpoint]:
    return [
        e
        for e in endpoints
        if selectors.commitment_visible_to_owner(endpoint=e, commitment=commitment)
    ]


def deliveries_for_commitment_changed(
    *, commitment: Commitment, created: bool, previous_status: str | None
) -> list[int]:
    event_type = commitment_event_type(
        commitment=commitment, created=created, previous_status=previous_status
    )
    if event_type is None:
        return []
    endpoints = selectors.endpoints_for_event(event_type=event_type)
    if not endpoints:
        return []
    loaded = selectors.commitment_for_payload(commitment_id=commitment.pk)
    if loaded is None:
        return []
    return _fan_out(
        event_type=event_type,
        record_id=loaded.pk,
        data=payloads.commitment_data(loaded),
        endpoints=_commitment_readers(endpoints, loaded),
    )


def overdue_event_id(*, commitment_id: int, due_date: datetime.date) -> uuid.UUID:
    """The unique key of an overdue event: one per commitment and due date. Moving the due
    date makes a new event when the new date passes in turn."""
    return uuid.uuid5(OVERDUE_NAMESPACE, f"commitment.overdue:{commitment_id}:{due_date}")


def deliveries_for_overdue_commitments(*, today: datetime.date | None = None) -> list[int]:
    """The daily check. Safe to run any number of times: the event id is derived from the
    commitment and its due date, and (endpoint, event id) is unique."""
    today = today or timezone.localdate()
    event_type = EventType.COMMITMENT_OVERDUE
    endpoints = selectors.endpoints_for_event(event_type=event_type)
    if not endpoints:
        return []
    created: list[int] = []
    commitments = selectors.commitments_newly_overdue(
        today=today, catch_up_days=settings.WEBHOOK_OVERDUE_CATCH_UP_DAYS
    )
    for commitment in commitments:
        if commitment.due_date is None:  # for the type checker: selected by due date
            continue
        event_id = overdue_event_id(commitment_id=commitment.pk, due_date=commitment.due_date)
        announced = set(
            WebhookDelivery.objects.filter(event_id=event_id).values_list("endpoint_id", flat=True)
        )
        waiting = [e for e in endpoints if e.pk not in announced]
        try:
            with transaction.atomic():
                created += _fan_out(
                    event_type=event_type,
                    record_id=commitment.pk,
                    data=payloads.commitment_data(commitment),
                    endpoints=_commitment_readers(waiting, commitment),
                    event_id=event_id,
                )
        except IntegrityError:
            # A concurrent run wrote this event first; it also queues it.
            logger.info("Overdue event of commitment %s was written by another run", commitment.pk)
    return created


# Delivery


@dataclass(frozen=True)
class AttemptResult:
    outcome: str  # "skipped", "succeeded", "retry" or "failed"
    retry_in: float | None = None


def _claim(delivery_id: int, now: datetime.datetime) -> bool:
    claim_until = now + datetime.timedelta(seconds=settings.WEBHOOK_CLAIM_SECONDS)
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now + CLAIM_SLACK
        ).update(
            attempts=F("attempts") + 1,
            next_attempt_at=claim_until,
            last_attempt_at=now,
            updated_at=now,
        )
    )


def _record(delivery: WebhookDelivery, **values: Any) -> bool:
    """Write the outcome unless the claim was lost meanwhile (expired and taken again)."""
    now = timezone.now()
    if values.get("status") in (Status.SUCCEEDED, Status.FAILED):
        values.setdefault("completed_at", now)
        values.setdefault("next_attempt_at", None)
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery.pk, status=Status.PENDING, attempts=delivery.attempts
        ).update(updated_at=now, **values)
    )


def _access_withdrawn(delivery: WebhookDelivery) -> str:
    """Access is checked again before each attempt: a meeting reclassified after a mistake,
    or an owner who left, must stop what is still waiting to be sent."""
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        return "Not sent: the endpoint is inactive."
    if not endpoint.owner.is_active:
        return "Not sent: the endpoint's owner is inactive."
    record_id = delivery.record_id
    if record_id is None:
        return ""
    if delivery.event_type in MEETING_EVENTS:
        meeting = Meeting.objects.filter(pk=record_id).first()
        if meeting is not None and not selectors.meeting_visible_to_owner(
            endpoint=endpoint, meeting=meeting
        ):
            return "Not sent: the endpoint's owner may no longer read the meeting."
    elif delivery.event_type in COMMITMENT_EVENTS:
        commitment = Commitment.objects.filter(pk=record_id).first()
        if commitment is not None and not selectors.commitment_visible_to_owner(
            endpoint=endpoint, commitment=commitment
        ):
            return "Not sent: the endpoint's owner may no longer read the commitment."
    return ""


def _describe(response: transport.Response) -> str:
    if response.status_code is None:
        return response.error
    text = f"HTTP {response.status_code}"
    excerpt = " ".join(response.excerpt.split())[:200]
    return f"{text}: {excerpt}" if excerpt else text


def delivery_attempt(*, delivery_id: int) -> AttemptResult:
    """One attempt of one delivery; see the module docstring for the claim."""
    if not _claim(delivery_id, timezone.now()):
        return AttemptResult("skipped")
    delivery = WebhookDelivery.objects.select_related("endpoint__owner").get(pk=delivery_id)
    try:
        return _attempt(delivery)
    except DatabaseError:
        raise  # The claim expires and the sweep tries again.
    except Exception as error:
        # A bug would otherwise be retried by the sweep for ever: fail visibly instead.
        _record(
            delivery, status=Status.FAILED, last_error=f"Internal error: {type(error).__name__}"
        )
        raise


def _attempt(delivery: WebhookDelivery) -> AttemptResult:
    endpoint = delivery.endpoint
    refusal = _access_withdrawn(delivery)
    if refusal:
        _record(delivery, status=Status.FAILED, last_error=refusal, last_response_code=None)
        logger.warning("Webhook delivery %s withheld: %s", delivery.pk, refusal)
        return AttemptResult("failed")

    body = payloads.encode(delivery.payload)
    headers = signing.signed_headers(
        secret=endpoint.secret,
        event_id=str(delivery.event_id),
        event_type=delivery.event_type,
        timestamp=int(time.time()),
        body=body,
    )
    response = transport.post(
        endpoint.url,
        body=body,
        headers=headers,
        connect_timeout=settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS,
        read_timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        proxy=settings.WEBHOOK_PROXY_URL,
    )
    verdict = transport.classify(response)
    code = response.status_code
    if verdict is transport.Verdict.SUCCEEDED:
        _record(delivery, status=Status.SUCCEEDED, last_response_code=code, last_error="")
        logger.info(
            "Webhook delivery %s (%s) to endpoint %s succeeded on attempt %s",
            delivery.pk,
            delivery.event_type,
            endpoint.pk,
            delivery.attempts,
        )
        return AttemptResult("succeeded")

    error = _describe(response)
    if verdict is transport.Verdict.RETRY and delivery.attempts < settings.WEBHOOK_MAX_ATTEMPTS:
        delay = transport.backoff_seconds(
            delivery.attempts,
            base=settings.WEBHOOK_RETRY_BASE_DELAY_SECONDS,
            cap=settings.WEBHOOK_RETRY_MAX_DELAY_SECONDS,
            retry_after=response.retry_after,
        )
        _record(
            delivery,
            next_attempt_at=timezone.now() + datetime.timedelta(seconds=delay),
            last_response_code=code,
            last_error=error,
        )
        logger.info(
            "Webhook delivery %s to endpoint %s failed on attempt %s (%s); retry in %.1f s",
            delivery.pk,
            endpoint.pk,
            delivery.attempts,
            error,
            delay,
        )
        return AttemptResult("retry", retry_in=delay)

    if verdict is transport.Verdict.RETRY:
        error = f"Gave up after {delivery.attempts} attempts. {error}"
    _record(delivery, status=Status.FAILED, last_response_code=code, last_error=error)
    logger.warning(
        "Webhook delivery %s to endpoint %s failed on attempt %s: %s",
        delivery.pk,
        endpoint.pk,
        delivery.attempts,
        error,
    )
    return AttemptResult("failed")


@transaction.atomic
def deliveries_redeliver(*, delivery_ids: Iterable[int]) -> list[int]:
    """Send finished deliveries again, with the same event id, counting attempts afresh.
    Pending ones are left alone: one may be in flight, and it is retried anyway."""
    now = timezone.now()
    finished = list(
        WebhookDelivery.objects.select_for_update()
        .filter(pk__in=list(delivery_ids))
        .exclude(status=Status.PENDING)
        .values_list("pk", flat=True)
    )
    WebhookDelivery.objects.filter(pk__in=finished).update(
        status=Status.PENDING,
        attempts=0,
        next_attempt_at=now,
        completed_at=None,
        updated_at=now,
    )
    return finished


# Beat schedules

SCHEDULE_SWEEP = "Webhooks: queue pending deliveries"
SCHEDULE_OVERDUE = "Webhooks: announce overdue commitments"


def webhook_schedules() -> list[Schedule]:
    hour_minute = settings.WEBHOOK_OVERDUE_TIME
    return [
        Schedule(
            name=SCHEDULE_SWEEP,
            task="webhooks.tasks.webhook_deliveries_sweep",
            every_minutes=1,
            # A sweep nobody ran in time is replaced by the next one.
            expire_seconds=55,
            description="Queues webhook deliveries whose message was lost or whose "
            "retry wait was too long for a Celery countdown.",
        ),
        Schedule(
            name=SCHEDULE_OVERDUE,
            task="webhooks.tasks.webhook_commitments_overdue",
            daily_at=hour_minute,
            # In TIME_ZONE: the zone of timezone.localdate(), which decides what is overdue.
            time_zone=settings.TIME_ZONE,
            expire_seconds=3600,
            description="Sends commitment.overdue, once per commitment and due date.",
        ),
    ]


# One schedules_ensure for the project (core.schedules); re-exported for the command.
schedules_register(webhook_schedules)
