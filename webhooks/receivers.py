"""Receivers of engagements.signals, connected in WebhooksConfig.ready(). They run inside
the transaction of the change: the delivery rows commit or roll back with it, and the
tasks are queued only once it has committed."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError
from django.dispatch import receiver

from engagements.models import Commitment, Meeting
from engagements.signals import meetings_saved_in_bulk

from . import selectors, services, tasks
from .models import EventType

logger = logging.getLogger(__name__)


def meeting_saved(sender: Any, *, meeting: Any, created: bool, **_: Any) -> None:
    tasks.deliveries_queue_after_commit(
        services.deliveries_for_meeting_saved(meeting=meeting, created=created)
    )


def meeting_deleted(sender: Any, *, snapshot: dict[str, Any], **_: Any) -> None:
    tasks.deliveries_queue_after_commit(services.deliveries_for_meeting_deleted(snapshot=snapshot))


def commitment_changed(
    sender: Any, *, commitment: Any, created: bool, previous_status: str | None, **_: Any
) -> None:
    tasks.deliveries_queue_after_commit(
        services.deliveries_for_commitment_changed(
            commitment=commitment, created=created, previous_status=previous_status
        )
    )


@receiver(meetings_saved_in_bulk, dispatch_uid="webhooks.meetings_saved_in_bulk")
def meetings_saved_in_bulk_deliver(
    sender: Any,
    *,
    created_ids: list[int],
    updated_ids: list[int],
    commitment_ids: list[int],
    **_: Any,
) -> None:
    """A bulk write, expanded into the deliveries meeting_saved and commitment_changed make
    for each record; nothing is read per record when no endpoint takes the event."""
    deliveries: list[int] = []
    for created, meeting_ids, event_type in (
        (True, created_ids, EventType.MEETING_CREATED),
        (False, updated_ids, EventType.MEETING_UPDATED),
    ):
        if meeting_ids and selectors.endpoints_for_event(event_type=event_type):
            for meeting in Meeting.objects.filter(pk__in=meeting_ids).only("pk").order_by("pk"):
                deliveries += services.deliveries_for_meeting_saved(
                    meeting=meeting, created=created
                )
    if commitment_ids and selectors.endpoints_for_event(event_type=EventType.COMMITMENT_CREATED):
        for commitment in Commitment.objects.filter(pk__in=commitment_ids).order_by("pk"):
            deliveries += services.deliveries_for_commitment_changed(
                commitment=commitment, created=True, previous_status=None
            )
    tasks.deliveries_queue_after_commit(deliveries)


def beat_started(sender: Any = None, **_: Any) -> None:
    """Beat brings the webhook schedules if nobody ran `manage.py webhook_schedules`."""
    try:
        services.schedules_ensure()
    except DatabaseError:
        logger.exception("Could not create the webhook schedules")
