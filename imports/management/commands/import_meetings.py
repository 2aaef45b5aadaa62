"""Import a transparency return (CSV, XLSX, XLSM or ODS) of meetings from the command line.

    manage.py import_meetings FILE [--sheet NAME] [--mapping FILE] [--period YYYY|YYYY-QN]
        [--dry-run] [--json] [--user USERNAME] [--desk CODE] [--classification LEVEL]
        [--mode all|valid_rows] [--allow-create] [--source NAME]

Exit status: 0 when every row was read, 1 when a row failed (the report says which and
why), 2 when the file or the options were refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from imports import services
from imports.models import ImportJob


class Command(BaseCommand):
    help = "Import meetings from a spreadsheet; prints the report (rows created, errors)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--sheet", default="")
        parser.add_argument("--mapping", help='JSON file: {"home": header, "date": ..., ...}')
        parser.add_argument("--period", default="", help="YYYY or YYYY-QN")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--user", help="uploader (default: the only active superuser)")
        parser.add_argument("--desk", default="", help="desk code (default: the user's desk)")
        parser.add_argument("--classification", default="", help="0-3 or public..confidential")
        parser.add_argument("--mode", choices=ImportJob.Mode.values, default=ImportJob.Mode.ALL)
        parser.add_argument("--allow-create", action="store_true")
        parser.add_argument("--source", default="", help="the file's identity for re-imports")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self._user(options["user"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file", returncode=2)
        mapping = self._mapping(options["mapping"])
        job_options: dict[str, Any] = {
            "period": options["period"],
            "desk": options["desk"],
            "classification": options["classification"],
            "mode": options["mode"],
            "allow_create": options["allow_create"],
            "sheet": options["sheet"],
            "mapping": mapping,
            "source": options["source"],
        }
        try:
            with path.open("rb") as handle:
                job = services.import_job_create(
                    user=user, uploaded_file=File(handle, name=path.name), options=job_options
                )
        except ValidationError as error:
            raise CommandError(_messages(error), returncode=2) from error
        job = services.import_job_run(job, dry_run=options["dry_run"])
        report = dict(job.report or {})
        if options["json"]:
            payload = {
                "job": job.pk,
                "status": job.status,
                "error": job.error,
                "counts": report.get("counts", {}),
                "errors": report.get("errors", []),
                "rows": report.get("rows", []),
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            self._print(job, report)
        failed = report.get("counts", {}).get("failed", 0) or report.get("errors")
        if job.status == ImportJob.Status.FAILED and not report:
            raise CommandError(job.error, returncode=2)
        if failed or job.status == ImportJob.Status.FAILED:
            raise CommandError(
                f"{report.get('counts', {}).get('failed', 0)} rows failed"
                + (f": {job.error}" if job.error else ""),
                returncode=1,
            )

    def _user(self, username: str | None) -> Any:
        users = get_user_model().objects.filter(is_active=True)
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"No active user {username!r}", returncode=2)
            return user
        superusers = list(users.filter(is_superuser=True)[:2])
        if len(superusers) != 1:
            raise CommandError("Give --user: the import runs with that user's rights", returncode=2)
        return superusers[0]

    def _mapping(self, path: str | None) -> dict[str, str]:
        if not path:
            return {}
        try:
            mapping = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"--mapping {path}: {error}", returncode=2) from error
        try:
            return services.clean_mapping(mapping)
        except ValidationError as error:
            raise CommandError(_messages(error), returncode=2) from error

    def _print(self, job: ImportJob, report: dict[str, Any]) -> None:
        counts = report.get("counts", {})
        self.stdout.write(f"Import job {job.pk}: {job.original_name} ({job.get_status_display()})")
        if counts:
            self.stdout.write(
                ", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in counts.items())
            )
        for error in report.get("errors", []):
            where = (
                f"{error['sheet'] or 'CSV'} row {error['row']}" if error["row"] else error["sheet"]
            )
            column = f" [{error['column']}]" if error.get("column") else ""
            self.stdout.write(f"  {where}{column}: {error['reason']}")
        review = [
            (row["row"], match)
            for row in report.get("rows", [])
            for match in row.get("matches", [])
            if match.get("needs_review")
        ]
        for row_number, match in review:
            self.stdout.write(
                f"  row {row_number}: {match['raw']!r} resembles {match['matched_name']!r} "
                f"({match['similarity']:.2f}); not linked, check it"
            )
        if job.error:
            self.stdout.write(job.error)


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return "; ".join(error.messages)
