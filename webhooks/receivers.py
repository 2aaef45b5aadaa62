"""Receivers of engagements.signals, connected in WebhooksConfig.ready(). They run inside
the transaction of the change: the delivery rows commit or roll back with it, and the
tasks are queued only once it has committed."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError

from . import services, tasks

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


def beat_started(sender: Any = None, **_: Any) -> None:
    """Beat brings the webhook schedules if nobody ran `manage.py webhook_schedules`."""
    try:
        services.schedules_ensure()
    except DatabaseError:
        logger.exception("Could not create the webhook schedules")
