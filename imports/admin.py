"""Admin for import jobs (read-only, with validate / confirm actions) and mapping presets.

A staff member sees the jobs the selector lets them see (their own; administrators all);
the actions call the same services as the web pages and the command."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.exceptions import PermissionDenied
from core.service_admin import ServiceWritesAdmin

from . import selectors, services
from .models import ImportCreatedRecord, ImportJob, MappingPreset


@admin.register(ImportJob)
class ImportJobAdmin(ServiceWritesAdmin):
    list_display = (
        "id",
        "original_name",
        "detected_format",
        "status",
        "created_by",
        "created_at",
        "rows_done",
        "rows_total",
    )
    list_filter = ("status", "detected_format")
    search_fields = ("original_name", "created_by__username")
    actions = ["validate_jobs", "confirm_jobs"]
    readonly_fields = (
        "created_by",
        "created_at",
        "updated_at",
        "file",
        "original_name",
        "size",
        "sha256",
        "detected_format",
        "encoding",
        "delimiter",
        "sheets",
        "sheet",
        "mapping",
        "options",
        "status",
        "rows_total",
        "rows_done",
        "error",
        "validated_at",
        "finished_at",
        "report_counts",
        "report_errors",
    )
    exclude = ("report",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportJob]:
        return selectors.import_jobs_visible_to(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # viewed read-only; changed only through the actions (services)

    def remove(self, request: HttpRequest, obj: ImportJob) -> None:
        try:
            services.import_job_delete(job=obj, user=request.user)
        except services.ImportPermissionDenied as error:
            raise PermissionDenied(str(error)) from error

    @admin.display(description=_("Counts"))
    def report_counts(self, job: ImportJob) -> str:
        return format_html("<pre>{}</pre>", json.dumps(job.counts, indent=2))

    @admin.display(description=_("Errors"))
    def report_errors(self, job: ImportJob) -> str:
        errors = (job.report or {}).get("errors", [])
        lines = [
            f"{e.get('sheet') or 'CSV'} row {e.get('row')} [{e.get('column') or '-'}]: "
            f"{e.get('reason')}"
            for e in errors
        ]
        return format_html("<pre>{}</pre>", "\n".join(lines) or "-")

    @admin.action(description=_("Validate (dry run)"))
    def validate_jobs(self, request: HttpRequest, queryset: QuerySet[ImportJob]) -> None:
        for job in queryset:
            try:
                services.import_job_request_validation(job=job, user=request.user)
            except (ValidationError, services.ImportPermissionDenied) as error:
                self.message_user(request, f"{job}: {_join(error)}", messages.ERROR)
            else:
                self.message_user(request, f"{job}: validation queued", messages.SUCCESS)

    @admin.action(description=_("Confirm: import the valid rows"))
    def confirm_jobs(self, request: HttpRequest, queryset: QuerySet[ImportJob]) -> None:
        for job in queryset:
            try:
                services.import_job_confirm(job=job, user=request.user, mode=None)
            except (ValidationError, services.ImportPermissionDenied) as error:
                self.message_user(request, f"{job}: {_join(error)}", messages.ERROR)
            else:
                self.message_user(request, f"{job}: import queued", messages.SUCCESS)


def _join(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error)


@admin.register(MappingPreset)
class MappingPresetAdmin(ServiceWritesAdmin):
    list_display = ("name", "created_by", "created_at")
    search_fields = ("name",)
    readonly_fields = ("created_by", "created_at")

    def write(self, request: HttpRequest, obj: MappingPreset, form: Any, change: bool) -> Any:
        return services.mapping_preset_update(preset=obj, actor=request.user)

    def remove(self, request: HttpRequest, obj: MappingPreset) -> None:
        services.mapping_preset_delete(preset=obj)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ImportCreatedRecord)
class ImportCreatedRecordAdmin(_ReadOnly):
    list_display = ("job", "kind", "name", "object_id", "created_at")
    list_filter = ("kind",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ImportCreatedRecord]:
        return (
            super()
            .get_queryset(request)
            .filter(job__in=selectors.import_jobs_visible_to(request.user))
        )
