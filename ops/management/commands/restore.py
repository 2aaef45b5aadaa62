from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty database and an empty "
        "MEDIA_ROOT, then check every row count and file against its manifest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", help="The backup's directory.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_restore(source=Path(options["backup"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {result.rows} rows of {result.models} models and {result.files} files."
            )
        )
