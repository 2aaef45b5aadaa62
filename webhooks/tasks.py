"""Celery tasks: thin wrappers around webhooks.services, idempotent (a delivery is claimed
before it is sent), so they acknowledge late. Retries of a failed HTTP attempt are not
Celery retries: the attempt count and next attempt live on the delivery row, and the task
queues the next attempt itself (or leaves it to the sweep when the wait is long)."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from . import selectors, services

logger = logging.getLogger(__name__)

# Only the database may fail in a way worth a Celery retry; HTTP failures are handled above.
DATABASE_RETRY: dict[str, Any] = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": settings.TASK_MAX_RETRY_DELAY_SECONDS,
    "retry_jitter": True,
    "max_retries": 5,
}


def deliveries_queue(delivery_ids: Sequence[int], *, countdown: float | None = None) -> int:
    """Publish one task per delivery. A broker that is down loses nothing: the rows stay
    pending and the sweep publishes them again."""
    queued = 0
    for delivery_id in delivery_ids:
        try:
            webhook_deliver.apply_async(
                (delivery_id,), countdown=countdown, queue=settings.WEBHOOK_QUEUE
            )
        except (BrokerError, OSError):
            logger.warning(
                "Could not queue %s webhook deliveries; the sweep will",
                len(delivery_ids) - queued,
                exc_info=True,
            )
            break
        queued += 1
    return queued


def deliveries_queue_after_commit(delivery_ids: Sequence[int]) -> None:
    if delivery_ids:
        transaction.on_commit(partial(deliveries_queue, list(delivery_ids)), robust=True)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.WEBHOOK_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.WEBHOOK_TASK_TIME_LIMIT,
    **DATABASE_RETRY,
)
def webhook_deliver(self: Task, delivery_id: int) -> str:
    result = services.delivery_attempt(delivery_id=delivery_id)
    # In-process (eager) mode would run the retry at once, ignoring the countdown: there
    # the sweep command (or the redeliver action) sends it again.
    if (
        result.retry_in is not None
        and not self.request.is_eager
        and result.retry_in <= settings.TASK_MAX_RETRY_DELAY_SECONDS
    ):
        deliveries_queue([delivery_id], countdown=result.retry_in)
    return result.outcome


@shared_task(bind=True, acks_late=True, **DATABASE_RETRY)
def webhook_deliveries_sweep(self: Task) -> int:
    due = selectors.deliveries_due(
        now=timezone.now(),
        grace=datetime.timedelta(seconds=settings.WEBHOOK_SWEEP_GRACE_SECONDS),
        limit=settings.WEBHOOK_SWEEP_BATCH,
    )
    return deliveries_queue(due)


@shared_task(bind=True, acks_late=True, **DATABASE_RETRY)
def webhook_commitments_overdue(self: Task, as_of: str | None = None) -> int:
    today = datetime.date.fromisoformat(as_of) if as_of else None
    return deliveries_queue(services.deliveries_for_overdue_commitments(today=today))
