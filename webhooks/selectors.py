"""Reads for webhooks. Who may hear of a record is decided by engagements' selectors and
accounts.policy, for the endpoint's owner, as on every other surface."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Prefetch

from accounts import policy
from engagements.models import Commitment, Meeting, Participant, Person
from engagements.selectors import commitment_is_visible_to, meeting_is_visible_to

from .models import WebhookDelivery, WebhookEndpoint


def endpoints_for_event(*, event_type: str) -> list[WebhookEndpoint]:
    # Few rows; event_types is filtered here because SQLite has no JSON containment lookup.
    endpoints = WebhookEndpoint.objects.filter(is_active=True).select_related("owner")
    return [endpoint for endpoint in endpoints if endpoint.subscribes_to(event_type)]


def meeting_for_payload(*, meeting_id: int) -> Meeting | None:
    return (
        Meeting.objects.select_related("desk", "country", "event")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related(
                    "person", "organization", "country"
                ).order_by("side", "order", "id"),
            ),
            "topics",
            "minerals",
            "instruments",
        )
        .filter(pk=meeting_id)
        .first()
    )


def commitment_for_payload(*, commitment_id: int) -> Commitment | None:
    return Commitment.objects.select_related("owner").filter(pk=commitment_id).first()


def meeting_visible_to_owner(*, endpoint: WebhookEndpoint, meeting: Meeting) -> bool:
    return meeting_is_visible_to(user=endpoint.owner, meeting=meeting)


def commitment_visible_to_owner(*, endpoint: WebhookEndpoint, commitment: Commitment) -> bool:
    return commitment_is_visible_to(user=endpoint.owner, commitment=commitment)


def deleted_meeting_visible_to_owner(
    *, endpoint: WebhookEndpoint, snapshot: dict[str, Any]
) -> bool:
    """The rows are gone: the snapshot taken before the delete stands in for them."""
    owner = endpoint.owner
    took_part = Person.objects.filter(
        user=owner, pk__in=snapshot.get("participant_person_ids") or []
    ).exists()
    return policy.can_read(
        owner,
        classification=snapshot["classification"],
        desk_id=snapshot["desk_id"],
        took_part=took_part,
    )


def commitments_newly_overdue(*, today: datetime.date, catch_up_days: int) -> list[Commitment]:
    """Open commitments whose due date passed within the last `catch_up_days` days: the
    event fires once, on the first check after the due date, and a beat that was down for
    a few days still catches up, without announcing years-old commitments to a new
    endpoint."""
    return list(
        Commitment.objects.filter(
            status__in=[Commitment.Status.OPEN, Commitment.Status.IN_PROGRESS],
            due_date__lt=today,
            due_date__gte=today - datetime.timedelta(days=catch_up_days),
        )
        .select_related("owner")
        .order_by("due_date", "id")
    )


def deliveries_due(*, now: datetime.datetime, grace: datetime.timedelta, limit: int) -> list[int]:
    """Pending deliveries whose attempt is overdue by more than `grace`: their message was
    lost (broker down, worker killed) or their wait was too long for a Celery countdown."""
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now - grace
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
