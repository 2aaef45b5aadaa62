from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, custom format) and the uploaded files into a new "
        "directory with a manifest of row counts and file checksums."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            default="backups",
            help="The directory in which the backup's own directory is made (default: backups).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            target = backup_create(output_dir=Path(options["output"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(target))
