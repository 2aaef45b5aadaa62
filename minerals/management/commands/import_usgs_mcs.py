"""`manage.py import_usgs_mcs FILE [--dry-run] [--json]`: the USGS MCS data release CSV."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from minerals.services import ImportReport, data_source_upsert, usgs_mcs_import
from minerals.usgs import UsgsFileError

# Enough errors to see what went wrong without flooding the terminal (-v 2: all).
ERRORS_SHOWN = 50


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD)") from error


class Command(BaseCommand):
    help = (
        "Import the world production, refinery, capacity and reserves tables of a USGS "
        "Mineral Commodity Summaries data release CSV. Other sections are skipped and counted. "
        "Exits with status 1 if any row failed; importing the same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The data release CSV (long layout).")
        parser.add_argument(
            "--source",
            default="usgs-mcs-2026",
            help="Slug of the data source the statistics belong to (created if missing). "
            "Default: usgs-mcs-2026.",
        )
        parser.add_argument("--edition", default="", help='e.g. "2026, version 1.3".')
        parser.add_argument("--doi", default="", help="e.g. 10.5066/P1WKQ63T.")
        parser.add_argument("--name", default="", help="Name of a new data source.")
        parser.add_argument("--released-on", type=_date, default=None, help="YYYY-MM-DD")
        parser.add_argument(
            "--retrieved-on", type=_date, default=None, help="When the file was downloaded."
        )
        parser.add_argument("--dry-run", action="store_true", help="Report only; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        try:
            with transaction.atomic():
                source = data_source_upsert(
                    slug=options["source"],
                    name=options["name"],
                    publisher="U.S. Geological Survey",
                    edition=options["edition"],
                    doi=options["doi"],
                    released_on=options["released_on"],
                    retrieved_on=options["retrieved_on"],
                )
                report = usgs_mcs_import(path=path, source=source, dry_run=options["dry_run"])
                if options["dry_run"]:
                    # Nothing at all is written, not even a new data source.
                    transaction.set_rollback(True)
        except (UsgsFileError, ValidationError, OSError) as error:
            raise CommandError(f"{path.name} not imported: {error}") from error
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        else:
            self._print(report, verbosity=options["verbosity"])
        if report.failed:
            raise CommandError(f"{report.failed} row(s) failed")

    def _print(self, report: ImportReport, *, verbosity: int) -> None:
        prefix = "Dry run, nothing written: " if report.dry_run else ""
        self.stdout.write(
            f"{prefix}{report.file} into {report.source}: {report.rows_read} rows read, "
            f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.skipped} skipped, {report.failed} failed"
        )
        for section, count in sorted(report.skipped_sections.items()):
            self.stdout.write(f"  skipped: {count} row(s) of section {section!r}")
        if report.minerals_created:
            self.stdout.write(f"  new minerals: {', '.join(report.minerals_created)}")
        shown = report.errors if verbosity >= 2 else report.errors[:ERRORS_SHOWN]
        for error in shown:
            self.stdout.write(self.style.ERROR(f"  failed: {error}"))
        if len(shown) < len(report.errors):
            self.stdout.write(
                f"  ... and {len(report.errors) - len(shown)} more (-v 2 lists them all)"
            )
