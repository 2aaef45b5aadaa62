"""Celery beat's scheduler: django-celery-beat's, plus a heartbeat and the default schedules."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import DatabaseError
from django_celery_beat.schedulers import DatabaseScheduler

from . import services
from .models import Heartbeat

logger = logging.getLogger(__name__)
HEARTBEAT_EVERY_SECONDS = 15.0


class Scheduler(DatabaseScheduler):
    _last_heartbeat: float | None = None

    def setup_schedule(self) -> None:
        # Beat brings its own schedules if nobody ran `manage.py notification_schedules`.
        try:
            services.schedules_ensure()
        except DatabaseError:
            logger.exception("Could not create the notification schedules")
        super().setup_schedule()

    def tick(self, *args: Any, **kwargs: Any) -> float:
        interval = super().tick(*args, **kwargs)
        now = time.monotonic()
        if self._last_heartbeat is None or now - self._last_heartbeat >= HEARTBEAT_EVERY_SECONDS:
            try:
                services.heartbeat_record(name="beat", kind=Heartbeat.Kind.BEAT)
                self._last_heartbeat = now
            except DatabaseError:
                logger.warning("Could not record the beat heartbeat", exc_info=True)
        return interval
