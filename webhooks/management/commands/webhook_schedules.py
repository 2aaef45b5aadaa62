from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from webhooks import services


class Command(BaseCommand):
    help = (
        "Create the Celery beat schedules of webhooks (the sweep of pending deliveries every "
        "minute, the overdue check daily at WEBHOOK_OVERDUE_TIME). Beat also creates them "
        "when it starts. Existing schedules, maybe edited in the admin, are kept unless --reset."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true", help="Put back the settings of existing schedules."
        )

    def handle(self, *args: Any, reset: bool, **options: Any) -> None:
        for name, state in services.schedules_ensure(reset=reset):
            self.stdout.write(f"{state}: {name}")
