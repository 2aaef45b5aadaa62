"""Beat schedules of reminders and notifications (ensured by core.schedules), and
heartbeats."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from core.schedules import Schedule, schedules_ensure, schedules_register

from ..models import Heartbeat

SCHEDULE_SWEEP = "Reminders: daily sweep"
SCHEDULE_DISPATCH = "Reminders: send what is pending"
SCHEDULE_RELAY = "Notifications: relay the outbox"


def notification_schedules() -> list[Schedule]:
    return [
        Schedule(
            name=SCHEDULE_SWEEP,
            task="notifications.tasks.reminders_sweep",
            daily_at=settings.REMINDER_SWEEP_TIME,
            time_zone=settings.REMINDER_TIME_ZONE,
            description="Creates the reminders and digests due today and sends them.",
        ),
        Schedule(
            name=SCHEDULE_DISPATCH,
            task="notifications.tasks.reminders_dispatch",
            every_minutes=5,
            description="Sends reminders an earlier run left pending.",
        ),
        Schedule(
            name=SCHEDULE_RELAY,
            task="notifications.tasks.outbox_relay",
            every_minutes=1,
            description="Hands notifications the broker never got to the workers.",
        ),
    ]


schedules_register(notification_schedules)

__all__ = [
    "SCHEDULE_DISPATCH",
    "SCHEDULE_RELAY",
    "SCHEDULE_SWEEP",
    "heartbeat_record",
    "notification_schedules",
    "schedules_ensure",
]


def heartbeat_record(*, name: str, kind: str) -> None:
    Heartbeat.objects.update_or_create(
        name=name[:200], defaults={"kind": kind, "seen_at": timezone.now()}
    )
