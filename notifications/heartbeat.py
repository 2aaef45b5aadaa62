"""Signs of life for /healthz: each worker writes its own heartbeat from a thread of its
main process, independently of the pool and of beat (beat writes its own, scheduler.py)."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connection

from . import services
from .models import Heartbeat

logger = logging.getLogger(__name__)
INTERVAL_SECONDS = 15.0


class WorkerHeartbeat(threading.Thread):
    def __init__(self, hostname: str) -> None:
        super().__init__(name="notifications-heartbeat", daemon=True)
        self.hostname = hostname
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                close_old_connections()
                services.heartbeat_record(
                    name=f"worker:{self.hostname}", kind=Heartbeat.Kind.WORKER
                )
            except Exception:
                logger.warning("Could not record the worker heartbeat", exc_info=True)
            self.stopping.wait(INTERVAL_SECONDS)
        connection.close()

    def stop(self) -> None:
        self.stopping.set()
