"""Connections to other apps' signals: the outbox is written inside the transaction of the
meeting or commitment (engagements.signals), and published to Celery after it commits."""

from __future__ import annotations

from functools import partial
from typing import Any

from celery.signals import worker_ready, worker_shutdown
from django.db import transaction
from django.dispatch import receiver

from engagements.models import Meeting
from engagements.signals import commitment_changed, meeting_saved, meetings_saved_in_bulk

from . import selectors, services, tasks
from .heartbeat import WorkerHeartbeat


def _publish_after_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(partial(tasks.notifications_publish, ids), robust=True)


@receiver(meeting_saved, dispatch_uid="notifications.meeting_saved")
def meeting_saved_notify(sender: Any, *, meeting: Any, created: bool, user: Any, **_: Any) -> None:
    _publish_after_commit(
        services.notifications_for_meeting(meeting=meeting, created=created, actor=user)
    )


@receiver(commitment_changed, dispatch_uid="notifications.commitment_changed")
def commitment_changed_notify(
    sender: Any,
    *,
    commitment: Any,
    created: bool,
    user: Any,
    previous_owner_id: int | None,
    previous_due_date: Any,
    previous_status: str | None,
    **_: Any,
) -> None:
    _publish_after_commit(
        services.commitment_changed_handle(
            commitment=commitment,
            created=created,
            actor=user,
            previous_owner_id=previous_owner_id,
            previous_due_date=previous_due_date,
            previous_status=previous_status,
        )
    )


@receiver(meetings_saved_in_bulk, dispatch_uid="notifications.meetings_saved_in_bulk")
def meetings_saved_in_bulk_notify(
    sender: Any,
    *,
    created_ids: list[int],
    updated_ids: list[int],
    commitment_ids: list[int],
    user: Any,
    **_: Any,
) -> None:
    """A bulk write, expanded into the outbox rows meeting_saved and commitment_changed
    write for each record. Only the meetings that touch something watched are read one by
    one (selectors.meetings_maybe_watched), only the open commitments owned by someone else
    than the writer (the others notify nobody)."""
    ids: list[int] = []
    created = set(created_ids)
    watched = sorted(selectors.meetings_maybe_watched([*created_ids, *updated_ids]))
    for start in range(0, len(watched), 1000):
        for meeting in Meeting.objects.filter(pk__in=watched[start : start + 1000]):
            ids += services.notifications_for_meeting(
                meeting=meeting, created=meeting.pk in created, actor=user
            )
    if commitment_ids:
        ids += services.notifications_for_new_commitments(commitment_ids=commitment_ids, actor=user)
    _publish_after_commit(ids)


_heartbeats: list[WorkerHeartbeat] = []


@worker_ready.connect(dispatch_uid="notifications.worker_ready")
def worker_heartbeat_start(sender: Any = None, **_: Any) -> None:
    hostname = getattr(sender, "hostname", None) or "worker"
    heartbeat = WorkerHeartbeat(hostname)
    heartbeat.start()
    _heartbeats.append(heartbeat)


@worker_shutdown.connect(dispatch_uid="notifications.worker_shutdown")
def worker_heartbeat_stop(**_: Any) -> None:
    while _heartbeats:
        _heartbeats.pop().stop()
