"""Imports of engagement records from spreadsheets (docs/imports.md).

An ImportJob holds one uploaded file through its life: uploaded -> validating -> validated
(a dry-run report) -> confirmed -> importing -> done (or failed / cancelled).
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q


def import_upload_path(instance: ImportJob, filename: str) -> str:
    # A random name: the uploaded name is kept in original_name, never used as a path.
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"imports/{uuid.uuid4().hex}{suffix if suffix.isascii() else ''}"


class ImportJob(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        VALIDATING = "validating", "Validating"
        VALIDATED = "validated", "Validated"
        CONFIRMED = "confirmed", "Confirmed"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel workbook (XLSX)"
        XLSM = "xlsm", "Excel macro-enabled workbook (XLSM)"
        ODS = "ods", "OpenDocument spreadsheet (ODS)"

    class Mode(models.TextChoices):
        ALL = "all", "All rows or nothing"
        VALID_ROWS = "valid_rows", "Only the valid rows"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    file = models.FileField(upload_to=import_upload_path, max_length=200)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, editable=False)
    detected_format = models.CharField(max_length=8, choices=Format.choices)
    encoding = models.CharField(max_length=32, blank=True, help_text="CSV only.")
    delimiter = models.CharField(max_length=4, blank=True, help_text="CSV only.")
    sheets = models.JSONField(
        default=list,
        blank=True,
        help_text='[{"name": ..., "is_data": bool, "headers": [...]}] in workbook order.',
    )
    sheet = models.CharField(max_length=200, blank=True, help_text="The chosen data sheet.")
    mapping = models.JSONField(
        default=dict, blank=True, help_text="Field name -> header, e.g. {'home': 'Minister'}."
    )
    options = models.JSONField(
        default=dict,
        blank=True,
        help_text="period, desk (code), classification, allow_create, mode, source.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UPLOADED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="importjob_user_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "uploaded",
                        "validating",
                        "validated",
                        "confirmed",
                        "importing",
                        "done",
                        "failed",
                        "cancelled",
                    ]
                ),
                name="importjob_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(detected_format__in=["csv", "xlsx", "xlsm", "ods"]),
                name="importjob_format_valid",
            ),
            models.CheckConstraint(
                condition=Q(rows_done__lte=models.F("rows_total")),
                name="importjob_progress_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk}: {self.original_name} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED}

    @property
    def counts(self) -> dict[str, int]:
        return dict((self.report or {}).get("counts", {}))

    @property
    def external_source(self) -> str:
        """The Meeting.external_source of rows written by this job (the file's identity)."""
        return str((self.options or {}).get("source") or f"import:{self.original_name}")[:64]


class MappingPreset(models.Model):
    """A saved column mapping, e.g. for one department's quarterly transparency return."""

    name = models.CharField(max_length=100, unique=True)
    mapping = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportRowLink(models.Model):
    """Which meeting a row of which job created or updated (for the job's report and undo)."""

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        SKIP = "skip", "Unchanged"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_links")
    meeting = models.ForeignKey(
        "engagements.Meeting", on_delete=models.CASCADE, related_name="import_links"
    )
    sheet = models.CharField(max_length=200, blank=True)
    row = models.PositiveIntegerField()
    action = models.CharField(max_length=8, choices=Action.choices)

    class Meta:
        ordering = ["job", "sheet", "row"]
        constraints = [
            models.UniqueConstraint(fields=["job", "sheet", "row"], name="importrowlink_unique"),
            models.CheckConstraint(
                condition=Q(action__in=["create", "update", "skip"]),
                name="importrowlink_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.sheet}:{self.row} -> {self.meeting_id}"


class ImportCreatedRecord(models.Model):
    """A person or organization an import created (allow_create): people and organizations
    keep no history of their own, so their provenance is kept here."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANIZATION = "organization", "Organization"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="created_records")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    name = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["job", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["person", "organization"]),
                name="importcreatedrecord_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name} (import {self.job_id})"
