import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from engagements.demo_data import demo_data_generate


class Command(BaseCommand):
    help = "Generate a deterministic, realistic data set of N meetings on top of the seeds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--meetings", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["meetings"] < 1:
            raise CommandError("--meetings must be at least 1")
        started = time.monotonic()
        try:
            report = demo_data_generate(meetings=options["meetings"], seed=options["seed"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        if report.reused:
            self.stdout.write(
                f"Reusing the existing data set ({report.counts['meetings']} meetings)."
            )
            return
        for name, count in report.counts.items():
            self.stdout.write(f"{name}: {count}")
        self.stdout.write(self.style.SUCCESS(f"Generated in {elapsed:.1f} s."))
