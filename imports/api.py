"""The import jobs in the API: upload a file (multipart), read the dry-run report,
confirm, validate again, cancel. A job is seen by its uploader and administrators only
(imports.selectors): anyone else gets 404. Errors are problem details (api.exceptions)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Classification
from api.exceptions import Conflict
from api.views import ApiModelViewSet

from . import selectors, services
from .models import ImportJob
from .parsing import FIELDS

CLASSIFICATION_NAMES = {level.name.lower(): level.value for level in Classification}

_NULLABLE_STRING = {"type": "string", "nullable": True}
_NULLABLE_INTEGER = {"type": "integer", "nullable": True}
REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The dry-run report (after validation) or the final report (after the "
    "import). Empty until the file has been checked.",
    "properties": {
        "counts": {
            "type": "object",
            "properties": {
                name: {"type": "integer"}
                for name in ("created", "updated", "skipped", "failed", "nil_returns", "blank")
            },
        },
        "rows": {
            "type": "array",
            "description": "Each data row: sheet, row, action (create, update, skip, error), "
            "date, home, counterparts, matches (with needs_review for near matches) and "
            "meeting_id once written.",
            "items": {"type": "object", "additionalProperties": True},
        },
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "sheet": _NULLABLE_STRING,
                    "row": _NULLABLE_INTEGER,
                    "column": _NULLABLE_STRING,
                    "reason": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}


@extend_schema_field(REPORT_SCHEMA)
class ReportField(serializers.JSONField):
    pass


@extend_schema_field(
    {"type": "object", "additionalProperties": {"type": "string"}, "example": {"date": "Date"}}
)
class MappingOutputField(serializers.JSONField):
    pass


@extend_schema_field(
    {
        "type": "string",
        "description": "One of uploaded -> validating -> validated -> confirmed -> importing -> "
        "done; or failed (see error) or cancelled.",
    }
)
class JobStatusField(serializers.CharField):
    pass


class ImportJobListSerializer(serializers.ModelSerializer):
    status = JobStatusField(read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    progress_percent = serializers.IntegerField(read_only=True)
    counts = serializers.DictField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "original_name",
            "size",
            "detected_format",
            "status",
            "rows_total",
            "rows_done",
            "progress_percent",
            "counts",
            "error",
            "created_by",
            "created_at",
            "validated_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportJobSerializer(ImportJobListSerializer):
    mapping = MappingOutputField(read_only=True)
    report = ReportField(read_only=True)

    class Meta(ImportJobListSerializer.Meta):
        fields = [
            *ImportJobListSerializer.Meta.fields,
            "encoding",
            "delimiter",
            "sheets",
            "sheet",
            "mapping",
            "options",
            "report",
        ]
        read_only_fields = fields


def _mapping_from_text(value: str) -> dict[str, str]:
    if not value.strip():
        return {}
    try:
        mapping = json.loads(value)
    except ValueError:
        raise serializers.ValidationError(
            "Give the mapping as a JSON object of field: header."
        ) from None
    if not isinstance(mapping, dict):
        raise serializers.ValidationError("Give the mapping as a JSON object of field: header.")
    return mapping


class ImportJobCreateSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV, XLSX, XLSM or ODS: a return of meetings (minister, date, counterpart)."
    )
    period = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text='The year or quarter the return covers, e.g. "2016" or "2016-Q3".',
    )
    desk = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text="Code of the desk the meetings belong to (default: your only desk).",
    )
    classification = serializers.ChoiceField(
        choices=list(CLASSIFICATION_NAMES),
        required=False,
        help_text="Up to your own clearance; default internal.",
    )
    allow_create = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Create the people and organizations that match no record.",
    )
    mode = serializers.ChoiceField(choices=ImportJob.Mode.choices, required=False)
    sheet = serializers.CharField(required=False, allow_blank=True, max_length=200)
    mapping = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text=f"JSON object of field -> header; fields: {', '.join(FIELDS)}.",
    )
    preset = serializers.CharField(required=False, allow_blank=True, max_length=100)
    # The metaclass takes declared fields off the class: this does not shadow Field.source.
    source = serializers.CharField(  # type: ignore[assignment]
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="The file's identity for re-imports (default: from the desk and file name).",
    )

    def validate_mapping(self, value: str) -> dict[str, str]:
        return _mapping_from_text(value)

    def to_options(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        data.pop("file")
        if "classification" in data:
            data["classification"] = CLASSIFICATION_NAMES[data["classification"]]
        return {key: value for key, value in data.items() if value not in ("", None, {})}


class ImportConfirmSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=ImportJob.Mode.choices,
        required=False,
        help_text="all: every row or nothing (refused while any row has an error); "
        "valid_rows: the valid rows, the others reported. Default: the job's.",
    )


class ImportValidateSerializer(serializers.Serializer):
    sheet = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="The data sheet (empty: every sheet that looks like data).",
    )
    mapping = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=200),
        required=False,
        help_text=f"Field -> header; fields: {', '.join(FIELDS)}.",
    )


def _service_call(call: Any) -> Any:
    """A wrong state is a conflict (409); the other refusals keep their 400."""
    try:
        return call()
    except DjangoValidationError as error:
        if hasattr(error, "error_dict") and set(error.error_dict) == {"status"}:
            raise Conflict(" ".join(error.messages), code="invalid_state") from None
        raise
    except services.ImportPermissionDenied:
        raise exceptions.NotFound() from None


_POLL = " Work runs in the background: read the job until its status is validated, done or failed."


@extend_schema_view(
    list=extend_schema(summary="List import jobs", description="Yours; administrators see all."),
    retrieve=extend_schema(summary="An import job with its report"),
    create=extend_schema(
        summary="Upload a file to import",
        description="multipart/form-data. The file is checked by its content (CSV, XLSX, "
        "XLSM or ODS; size limit) and queued for a dry run that writes nothing." + _POLL,
    ),
)
class ImportJobViewSet(ApiModelViewSet):
    serializer_class = ImportJobSerializer
    list_serializer_class = ImportJobListSerializer
    write_serializer_class = ImportJobCreateSerializer
    permission_model = ImportJob
    # Reading is limited to one's own jobs by the queryset; importing writes meetings.
    method_permissions = {
        "GET": None,
        "HEAD": None,
        "OPTIONS": None,
        "POST": "engagements.add_meeting",
    }
    parser_classes = [parsers.MultiPartParser]
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["created_at", "id"]
    ordering = ["-id"]

    def get_queryset(self) -> QuerySet[ImportJob]:
        return selectors.import_jobs_visible_to(self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer) -> ImportJob:
        assert isinstance(serializer, ImportJobCreateSerializer)
        user = self.request.user

        def create() -> ImportJob:
            with transaction.atomic():
                job = services.import_job_create(
                    user=user,
                    uploaded_file=serializer.validated_data["file"],
                    options=serializer.to_options(),
                )
                return services.import_job_request_validation(job=job, user=user)

        return _service_call(create)

    def _accepted(self, job: ImportJob) -> Response:
        return self.record_response(job, status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Confirm the import",
        description="Only a validated job. Queues the write of its rows." + _POLL,
        request=ImportConfirmSerializer,
        responses={202: ImportJobSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[parsers.JSONParser])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()
        body = ImportConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        mode = body.validated_data.get("mode")
        job = _service_call(
            lambda: services.import_job_confirm(job=job, user=request.user, mode=mode)
        )
        return self._accepted(job)

    @extend_schema(
        summary="Check the file again",
        description="Optionally with another data sheet or column mapping; the report is "
        "replaced." + _POLL,
        request=ImportValidateSerializer,
        responses={202: ImportJobSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[parsers.JSONParser])
    def validate(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()
        body = ImportValidateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data

        def revalidate() -> ImportJob:
            with transaction.atomic():
                current = job
                if "sheet" in data or "mapping" in data:
                    current = services.import_job_update_settings(
                        job=current,
                        user=request.user,
                        sheet=data.get("sheet"),
                        mapping=data.get("mapping"),
                    )
                return services.import_job_request_validation(job=current, user=request.user)

        return self._accepted(_service_call(revalidate))

    @extend_schema(
        summary="Cancel the import",
        description="A job not yet importing or finished.",
        request=None,
        responses={200: ImportJobSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[parsers.JSONParser])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()
        job = _service_call(lambda: services.import_job_cancel(job=job, user=request.user))
        return self.record_response(job)
