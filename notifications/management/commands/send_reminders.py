from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from notifications import services
from notifications.models import SweepRun


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--date {value!r} is not a date (YYYY-MM-DD)") from error


class Command(BaseCommand):
    help = (
        "Run the reminder sweep now, as beat does each day: create the reminders and digests "
        "due as of the date and send everything pending. Safe to run again: nothing is sent twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            type=iso_date,
            default=None,
            help="Sweep as of this day (YYYY-MM-DD); default today in REMINDER_TIME_ZONE.",
        )

    def handle(self, *args: Any, date: datetime.date | None, **options: Any) -> None:
        result = services.reminder_sweep(as_of=date, trigger=SweepRun.Trigger.COMMAND)
        for email in result.dispatch.sent:
            self.stdout.write(f"sent {email.kind} to {email.recipient}: {email.subject}")
        dispatch = result.dispatch
        self.stdout.write(
            f"Sweep as of {result.as_of}: {dispatch.reminders_sent} reminder(s) and "
            f"{dispatch.digests_sent} digest(s) sent, {dispatch.withheld} withheld, "
            f"{dispatch.cancelled} cancelled, {dispatch.failed} failed."
        )
        if dispatch.transient_error:
            self.stderr.write(
                f"The mail server refused for now ({dispatch.transient_error}); the rest stays "
                "pending and is sent by the next run."
            )
