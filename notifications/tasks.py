"""Celery tasks: thin wrappers that call services. All are idempotent (see services.py), so
they acknowledge late and go back to the queue if their worker dies; they retry only errors
that may pass (mail server, database connection), with a bound and a capped back-off."""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Iterable
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from . import selectors, services
from .models import SweepRun

logger = logging.getLogger(__name__)


class DeliveryDeferred(Exception):
    """The mail server refused for now; the rows stay pending and the task retries."""


RELIABLE: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DeliveryDeferred, OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": settings.TASK_MAX_RETRY_DELAY_SECONDS,
    "retry_jitter": True,
    "max_retries": 6,
}


def _deadline(task: Task) -> float | None:
    """Stop sending before the soft time limit; what is left goes to a follow-up task."""
    if task.request.is_eager:
        return None
    soft_limit = task.soft_time_limit or settings.CELERY_TASK_SOFT_TIME_LIMIT
    return time.monotonic() + soft_limit * 0.75


def _day(as_of: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(as_of) if as_of else None


def _follow_up(dispatch: services.DispatchResult, *, as_of: datetime.date) -> None:
    if dispatch.transient_error:
        raise DeliveryDeferred(dispatch.transient_error)
    if dispatch.unfinished:
        reminders_dispatch.apply_async(kwargs={"as_of": as_of.isoformat()})


@shared_task(**RELIABLE)
def reminders_sweep(self: Task, as_of: str | None = None) -> dict[str, Any]:
    result = services.reminder_sweep(
        as_of=_day(as_of), trigger=SweepRun.Trigger.SCHEDULE, deadline=_deadline(self)
    )
    _follow_up(result.dispatch, as_of=result.as_of)
    return result.summary()


@shared_task(**RELIABLE)
def reminders_dispatch(self: Task, as_of: str | None = None) -> int:
    day = _day(as_of) or selectors.sweep_today()
    dispatch = services.reminders_dispatch(as_of=day, deadline=_deadline(self))
    _follow_up(dispatch, as_of=day)
    return len(dispatch.sent)


@shared_task(**RELIABLE)
def notification_deliver(self: Task, notification_id: int) -> int:
    dispatch = services.notification_deliver(notification_id=notification_id)
    if dispatch.transient_error:
        raise DeliveryDeferred(dispatch.transient_error)
    return len(dispatch.sent)


@shared_task(**RELIABLE)
def outbox_relay(self: Task) -> int:
    return notifications_publish(services.notifications_to_relay())


def notifications_publish(ids: Iterable[int]) -> int:
    """Hand notifications to the broker. Never raises: what is not handed over stays in the
    outbox (relayed_at empty) and outbox_relay tries again once the broker is back."""
    published = []
    try:
        for notification_id in ids:
            notification_deliver.apply_async(args=[notification_id])
            published.append(notification_id)
    except Exception:
        logger.warning(
            "Could not hand notifications to the broker; the outbox relay will retry",
            exc_info=True,
        )
    if published:
        services.notifications_mark_relayed(ids=published)
    return len(published)
