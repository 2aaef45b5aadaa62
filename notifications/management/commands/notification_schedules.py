from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from notifications import services


class Command(BaseCommand):
    help = (
        "Create the Celery beat schedules of reminders and notifications (the daily sweep at "
        "REMINDER_SWEEP_TIME in REMINDER_TIME_ZONE, the dispatch of what is pending, the outbox "
        "relay). Existing schedules, maybe edited in the admin, are kept unless --reset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="Put back the settings of existing schedules."
        )

    def handle(self, *args: Any, reset: bool, **options: Any) -> None:
        for name, state in services.schedules_ensure(reset=reset):
            self.stdout.write(f"{state}: {name}")
