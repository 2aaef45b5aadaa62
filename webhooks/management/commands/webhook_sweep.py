from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from webhooks import selectors, services, tasks


class Command(BaseCommand):
    help = (
        "Queue the webhook deliveries that are pending and due (beat does this every minute; "
        "in embedded mode, without beat, this sends them). With --overdue, first announce "
        "the commitments that became overdue (beat does this daily)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--overdue", action="store_true", help="Also run the daily overdue check."
        )
        parser.add_argument(
            "--date", type=datetime.date.fromisoformat, help="The day of the check (YYYY-MM-DD)."
        )

    def handle(self, *args: Any, overdue: bool, date: datetime.date | None, **options: Any):
        if overdue:
            created = services.deliveries_for_overdue_commitments(today=date)
            self.stdout.write(f"overdue: {len(created)} deliveries written")
        due = selectors.deliveries_due(
            now=timezone.now(), grace=datetime.timedelta(0), limit=10_000
        )
        queued = tasks.deliveries_queue(due)
        self.stdout.write(f"queued: {queued} of {len(due)} due deliveries")
