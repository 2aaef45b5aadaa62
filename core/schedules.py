"""Celery beat's periodic tasks, kept in django-celery-beat's tables: one `schedules_ensure`
for the whole project.

Each app registers a function that lists its schedules (read when called, so that the
settings of the moment decide times and zones); `schedules_ensure` creates the missing ones
and, with reset, puts back the settings of those an administrator edited in the admin.
The `notification_schedules` and `webhook_schedules` commands and beat's start call it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    description: str
    every_minutes: int | None = None  # either this...
    daily_at: str | None = None  # ...or "HH:MM" in time_zone
    time_zone: str = "UTC"
    expire_seconds: int | None = None  # a run nobody picked up in time is dropped


_providers: list[Callable[[], Iterable[Schedule]]] = []


def schedules_register(provider: Callable[[], Iterable[Schedule]]) -> None:
    """Add an app's list of schedules (called when its services module is imported)."""
    if provider not in _providers:
        _providers.append(provider)


def _when(schedule: Schedule) -> dict[str, Any]:
    if schedule.daily_at is not None:
        hour, minute = schedule.daily_at.split(":")
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=str(int(minute)),
            hour=str(int(hour)),
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=schedule.time_zone,
        )
        return {"crontab": crontab, "interval": None}
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=schedule.every_minutes or 1, period=IntervalSchedule.MINUTES
    )
    return {"interval": interval, "crontab": None}


@transaction.atomic
def schedules_ensure(*, reset: bool = False) -> list[tuple[str, str]]:
    """Create the registered periodic tasks; with reset, also put back their settings.

    Returns (name, "created" | "reset" | "kept") for each. Without reset a schedule edited
    in the admin is left as it is.
    """
    done = []
    for provider in _providers:
        for schedule in provider():
            values = {
                "task": schedule.task,
                "description": schedule.description,
                "expire_seconds": schedule.expire_seconds,
                **_when(schedule),
            }
            task = PeriodicTask.objects.filter(name=schedule.name).first()
            if task is None:
                PeriodicTask.objects.create(name=schedule.name, enabled=True, **values)
                done.append((schedule.name, "created"))
            elif reset:
                for attribute, value in values.items():
                    setattr(task, attribute, value)
                task.enabled = True
                task.save()
                done.append((schedule.name, "reset"))
            else:
                done.append((schedule.name, "kept"))
    return done
