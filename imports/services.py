"""Writes of the import engine. The web pages, the API, the admin, the management command
and the Celery tasks all come through here.

Flow: import_job_create (checks the file by its content, stores it, detects format,
encoding, delimiter, sheets, mapping) -> import_job_validate (dry run: reads every row,
matches names, fills job.report; writes no engagement record) -> import_job_confirm
(checks owner and status, enqueues the write after commit) -> import_job_write (writes in one
transaction, or only the valid rows; rows_done advances while it runs).

Idempotence: every row gets Meeting.external_source = the job's source (the file's identity,
options["source"] or the file name's stem) and Meeting.external_id = a hash of the row's
identity (home person, date as written, counterpart as written, and an occurrence number for
repeats). Re-importing a file changes nothing; a corrected file updates the rows whose other
content changed.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from pathlib import PurePath
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import Classification, Desk

from . import engine, readers
from .models import ImportJob, MappingPreset
from .parsing import FIELDS, REQUIRED_FIELDS, Period

IMPORT_MAX_UPLOAD_BYTES_DEFAULT = 10 * 1024 * 1024
# The tasks (imports.tasks, registered when the app is ready) are named, not imported:
# they call this module.
VALIDATE_TASK = "imports.tasks.validate_import_job"
WRITE_TASK = "imports.tasks.write_import_job"
STALE_IMPORT_SECONDS = 2 * 3600


class ImportPermissionDenied(Exception):
    """The user may not act on this job (callers answer 404 where the job is not theirs)."""


def max_upload_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_UPLOAD_BYTES", IMPORT_MAX_UPLOAD_BYTES_DEFAULT))


def _classification(value: Any) -> int:
    if value in (None, ""):
        return Classification.INTERNAL
    if isinstance(value, str) and not value.isdigit():
        for level in Classification:
            if (
                level.name.lower() == value.strip().lower()
                or level.label.lower() == value.strip().lower()
            ):
                return int(level)
        raise ValidationError(
            {"classification": _("Unknown classification %(value)r.") % {"value": value}}
        )
    number = int(value)
    if number not in Classification.values:
        raise ValidationError(
            {"classification": _("Unknown classification %(value)r.") % {"value": value}}
        )
    return number


def clean_mapping(mapping: Any) -> dict[str, str]:
    """A mapping of field name -> header; unknown fields and non-text headers are refused."""
    if mapping in (None, ""):
        return {}
    if not isinstance(mapping, dict):
        raise ValidationError({"mapping": _("The mapping must be an object of field: header.")})
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise ValidationError(
            {
                "mapping": _("Unknown fields %(fields)s; the fields are %(known)s.")
                % {"fields": ", ".join(unknown), "known": ", ".join(FIELDS)}
            }
        )
    cleaned = {}
    for name, header in mapping.items():
        if header in (None, ""):
            continue
        if not isinstance(header, str) or len(header) > 200:
            raise ValidationError(
                {"mapping": _("The header for %(field)s must be text.") % {"field": name}}
            )
        cleaned[name] = header.strip()
    return cleaned


def _default_source(original_name: str, desk: Desk) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", PurePath(original_name).stem.lower()).strip("-")
    return f"import:{desk.code}:{stem or 'file'}"[:64]


def clean_options(*, user: Any, options: dict[str, Any], original_name: str) -> dict[str, Any]:
    """Options checked against the uploader's rights; raises ValidationError naming them."""
    options = dict(options or {})
    cleaned: dict[str, Any] = {}
    try:
        period = Period.parse(options.get("period") or None)
    except ValueError as error:
        raise ValidationError({"period": str(error)}) from error
    cleaned["period"] = str(period) if period else ""
    classification = _classification(options.get("classification"))
    mode = options.get("mode") or ImportJob.Mode.ALL
    if mode not in ImportJob.Mode.values:
        raise ValidationError(
            {"mode": _("Mode must be %(modes)s.") % {"modes": " or ".join(ImportJob.Mode.values)}}
        )
    desk = options.get("desk")
    if isinstance(desk, Desk):
        desk = desk.code
    probe = ImportJob(
        created_by=user,
        options={"desk": desk or "", "classification": classification},
    )
    desk_obj, classification = engine.resolve_scope(probe)
    cleaned.update(
        desk=desk_obj.code,
        classification=classification,
        allow_create=bool(options.get("allow_create")),
        mode=mode,
    )
    source = str(options.get("source") or "").strip()
    cleaned["source"] = source[:64] if source else _default_source(original_name, desk_obj)
    return cleaned


@transaction.atomic
def import_job_create(
    *, user: Any, uploaded_file: UploadedFile | File, options: dict[str, Any] | None = None
) -> ImportJob:
    """Store an upload as a new job (status uploaded), after checking it by content.

    options: period ("2016", "2016-Q3"), desk (code; default: the uploader's only desk),
    classification (0-3 or a name; default internal), allow_create (bool), mode ("all" |
    "valid_rows"), sheet (name), mapping (field -> header), preset (MappingPreset name),
    source (the file's identity for idempotence; default from the desk and file name).
    Raises ValidationError naming "file", "desk", "classification", "period", "mode",
    "sheet" or "mapping": too large (IMPORT_MAX_UPLOAD_BYTES), not a CSV/XLSX/XLSM/ODS by
    its content, zip bomb, unsafe XML, no data sheet, rights beyond the uploader's.
    Nothing is stored when it raises. The caller then asks for validation
    (import_job_request_validation) or validates in-process (import_job_validate).
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise ImportPermissionDenied("Sign in to import.")
    options = dict(options or {})
    name = PurePath(getattr(uploaded_file, "name", "") or "upload").name[:255]
    size = uploaded_file.size or 0
    limit = max_upload_bytes()
    if size > limit:
        raise ValidationError(
            {
                "file": _("The file is %(size)s bytes; the limit is %(limit)s bytes.")
                % {"size": size, "limit": limit}
            }
        )
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    cleaned = clean_options(user=user, options=options, original_name=name)
    mapping = clean_mapping(options.get("mapping"))
    if options.get("preset"):
        preset = MappingPreset.objects.filter(name=options["preset"]).first()
        if preset is None:
            raise ValidationError(
                {"preset": _("There is no mapping preset %(name)r.") % {"name": options["preset"]}}
            )
        mapping = {**clean_mapping(preset.mapping), **mapping}
    stream = uploaded_file.open("rb") if hasattr(uploaded_file, "open") else uploaded_file
    stream = stream or uploaded_file
    stream.seek(0)
    detected = readers.sniff(stream)  # raises ValidationError({"file": ...})
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    try:
        sheets = engine.inspect_sheets(stream, detected, mapping)
    except ValidationError:
        raise
    except Exception as error:
        # openpyxl and the zip module raise their own errors for damaged workbooks.
        raise ValidationError(
            {"file": _("The spreadsheet cannot be read: %(error)s") % {"error": error}}
        ) from error
    sheet = str(options.get("sheet") or "")
    if sheet and sheet not in {item["name"] for item in sheets}:
        raise ValidationError(
            {
                "sheet": _("The file has no sheet %(name)r; it has %(names)s.")
                % {"name": sheet, "names": ", ".join(repr(item["name"]) for item in sheets)}
            }
        )
    if not sheet and not any(item["is_data"] for item in sheets) and not mapping:
        raise ValidationError(
            {
                "file": _(
                    "No sheet of the file has the columns of a meetings return (minister, "
                    "date, counterpart); choose the sheet and map the columns."
                )
            }
        )
    if not mapping:
        first = next(
            (item for item in sheets if item["is_data"] and (not sheet or item["name"] == sheet)),
            None,
        )
        mapping = dict(first["mapping"]) if first else {}
    stream.seek(0)
    job = ImportJob(
        created_by=user,
        original_name=name,
        size=size,
        sha256=digest.hexdigest(),
        detected_format=detected.format,
        encoding=detected.encoding,
        delimiter=detected.delimiter,
        sheets=sheets,
        sheet=sheet,
        mapping=mapping,
        options=cleaned,
    )
    job.file.save(name, File(stream, name=name), save=False)
    job.full_clean(exclude=["file"])
    job.save()
    return job


def _enqueue(task_name: str, job_id: int) -> None:
    queue = getattr(settings, "IMPORT_QUEUE", None) or settings.CELERY_TASK_DEFAULT_QUEUE
    current_app.tasks[task_name].apply_async(args=[job_id], queue=queue)


def _check_owner(job: ImportJob, user: Any) -> None:
    if not getattr(user, "is_authenticated", False) or not (
        job.created_by_id == user.pk or policy.is_administrator(user)
    ):
        raise ImportPermissionDenied(f"{user} may not act on import job {job.pk}.")


@transaction.atomic
def import_job_update_settings(
    *,
    job: ImportJob,
    user: Any,
    sheet: str | None = None,
    mapping: dict[str, str] | None = None,
    options: dict[str, Any] | None = None,
) -> ImportJob:
    """Change the sheet, mapping or options of a job not yet confirmed; its report is reset
    (status uploaded) so that it is validated again before it can be confirmed."""
    _check_owner(job, user)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in {
        ImportJob.Status.UPLOADED,
        ImportJob.Status.VALIDATED,
        ImportJob.Status.FAILED,
    }:
        raise ValidationError(
            {
                "status": _("This import can no longer be changed (it is %(status)s).")
                % {"status": job.get_status_display()}
            }
        )
    if sheet is not None:
        if sheet and sheet not in {item["name"] for item in job.sheets}:
            raise ValidationError({"sheet": _("The file has no sheet %(name)r.") % {"name": sheet}})
        job.sheet = sheet
    if mapping is not None:
        job.mapping = clean_mapping(mapping)
        with engine.job_file(job) as stream:
            job.sheets = engine.inspect_sheets(stream, engine.detected_of(job), job.mapping)
    if options is not None:
        merged = {**job.options, **options}
        if "source" not in options:
            merged.pop("source", None)
            merged["source"] = job.options.get("source", "")
        job.options = clean_options(
            user=job.created_by, options=merged, original_name=job.original_name
        )
    job.status = ImportJob.Status.UPLOADED
    job.report = {}
    job.error = ""
    job.validated_at = None
    job.rows_done = 0
    job.save()
    return job


def import_job_validate(job: ImportJob) -> ImportJob:
    """Dry run: read every row, match names, fill job.report and rows_total; status
    validated (or failed with job.error for a file that cannot be read at all). Writes no
    meeting. Runs in-process; imports.tasks.validate_import_job runs it on a worker."""
    return _validate(job)[0]


def _validate(job: ImportJob) -> tuple[ImportJob, engine.Plan | None]:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.VALIDATING, rows_done=0, updated_at=timezone.now()
    )

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(rows_total=done, rows_done=done)

    try:
        plan = engine.build_plan(job, progress=progress)
    except ValidationError as error:
        return _fail(job, "; ".join(error.messages)), None
    except Exception as error:  # a damaged file found only when read through
        return _fail(job, _("The file could not be read: %(error)s") % {"error": error}), None
    job.report = plan.report()
    job.rows_total = len(plan.rows)
    job.rows_done = 0
    job.error = ""
    job.status = ImportJob.Status.VALIDATED
    job.validated_at = timezone.now()
    job.save(
        update_fields=[
            "report",
            "rows_total",
            "rows_done",
            "error",
            "status",
            "validated_at",
            "updated_at",
        ]
    )
    return job, plan


def _fail(job: ImportJob, message: str) -> ImportJob:
    job.status = ImportJob.Status.FAILED
    job.error = message
    job.finished_at = timezone.now()
    job.rows_done = min(job.rows_done, job.rows_total)
    job.save(update_fields=["status", "error", "finished_at", "rows_done", "updated_at"])
    return job


@transaction.atomic
def import_job_request_validation(*, job: ImportJob, user: Any) -> ImportJob:
    """Queue the dry run on a worker (in-process in eager mode), after commit."""
    _check_owner(job, user)
    claimed = ImportJob.objects.filter(
        pk=job.pk,
        status__in=[ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED, ImportJob.Status.FAILED],
    ).update(status=ImportJob.Status.VALIDATING, updated_at=timezone.now())
    if not claimed:
        job.refresh_from_db()
        raise ValidationError(
            {
                "status": _("This import cannot be validated now (it is %(status)s).")
                % {"status": job.get_status_display()}
            }
        )
    job_id = job.pk
    transaction.on_commit(lambda: _enqueue(VALIDATE_TASK, job_id))
    job.refresh_from_db()
    return job


@transaction.atomic
def import_job_confirm(*, job: ImportJob, user: Any, mode: str | None = None) -> ImportJob:
    """Confirm a validated job (only its uploader or an administrator) and queue the write
    (imports.tasks.write_import_job) after commit. mode: "all" (any row error: nothing is written,
    so such a job cannot be confirmed in this mode) or "valid_rows" (default: the job's)."""
    _check_owner(job, user)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.VALIDATED:
        raise ValidationError(
            {
                "status": _("Only a validated import can be confirmed (this one is %(status)s).")
                % {"status": job.get_status_display()}
            }
        )
    mode = mode or job.options.get("mode") or ImportJob.Mode.ALL
    if mode not in ImportJob.Mode.values:
        raise ValidationError(
            {"mode": _("Mode must be %(modes)s.") % {"modes": " or ".join(ImportJob.Mode.values)}}
        )
    failed = (job.report or {}).get("counts", {}).get("failed", 0)
    if mode == ImportJob.Mode.ALL and (failed or (job.report or {}).get("errors")):
        raise ValidationError(
            {
                "mode": _(
                    "%(n)d rows have errors: correct the file, or import only the valid rows."
                )
                % {"n": failed}
            }
        )
    job.options = {**job.options, "mode": mode}
    job.status = ImportJob.Status.CONFIRMED
    job.save(update_fields=["options", "status", "updated_at"])
    job_id = job.pk
    transaction.on_commit(lambda: _enqueue(WRITE_TASK, job_id))
    return job


@transaction.atomic
def import_job_cancel(*, job: ImportJob, user: Any) -> ImportJob:
    """Cancel a job that is not importing or finished."""
    _check_owner(job, user)
    cancelled = ImportJob.objects.filter(
        pk=job.pk,
        status__in=[
            ImportJob.Status.UPLOADED,
            ImportJob.Status.VALIDATING,
            ImportJob.Status.VALIDATED,
            ImportJob.Status.CONFIRMED,
        ],
    ).update(
        status=ImportJob.Status.CANCELLED, finished_at=timezone.now(), updated_at=timezone.now()
    )
    job.refresh_from_db()
    if not cancelled:
        raise ValidationError(
            {
                "status": _("This import cannot be cancelled (it is %(status)s).")
                % {"status": job.get_status_display()}
            }
        )
    return job


_IN_FLIGHT = (
    ImportJob.Status.VALIDATING,
    ImportJob.Status.CONFIRMED,
    ImportJob.Status.IMPORTING,
)


@transaction.atomic
def import_job_delete(*, job: ImportJob, user: Any) -> None:
    """Remove a job, its report and its stored file (its owner or an administrator; not
    while a worker is on it). The records it imported stay."""
    _check_owner(job, user)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status in _IN_FLIGHT:
        raise ValidationError(_("The job is still running; cancel it or wait for it to finish."))
    name, storage = job.file.name, job.file.storage
    job.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def _claim_for_write(job: ImportJob) -> bool:
    stale = timezone.now() - datetime.timedelta(seconds=STALE_IMPORT_SECONDS)
    return bool(
        ImportJob.objects.filter(pk=job.pk)
        .filter(
            Q(status=ImportJob.Status.CONFIRMED)
            | Q(status=ImportJob.Status.IMPORTING, updated_at__lt=stale)
        )
        .update(status=ImportJob.Status.IMPORTING, rows_done=0, updated_at=timezone.now())
    )


def import_job_write(job: ImportJob, *, plan: engine.Plan | None = None) -> ImportJob:
    """Write the rows of a confirmed job, re-planned against the database as it is now
    (rights are checked again). Mode "all": one transaction, and any row error writes
    nothing (status failed, the report says which rows). Mode "valid_rows": the valid rows
    in one transaction, the others reported. Status done, or failed with job.error.

    The job's row is committed as "importing" before the write transaction opens and is not
    touched inside it, so rows_done can be advanced from a side connection meanwhile."""
    if not _claim_for_write(job):
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    try:
        # A plan made a moment ago in this process (import_job_run) is reused; its scope
        # is checked again here all the same.
        engine.resolve_scope(job)
        plan = plan if plan is not None else engine.build_plan(job)
    except ValidationError as error:
        return _fail(job, "; ".join(error.messages))
    ImportJob.objects.filter(pk=job.pk).update(rows_total=len(plan.rows))
    mode = job.options.get("mode", ImportJob.Mode.ALL)
    if mode == ImportJob.Mode.ALL and (plan.error_rows or plan.problems):
        job.report = plan.report()
        job.save(update_fields=["report", "updated_at"])
        return _fail(
            job,
            _("%(n)d rows have errors; nothing was written.")
            % {"n": len(plan.error_rows) + len(plan.problems)},
        )
    progress = engine.Progress(job)
    try:
        engine.write_plan(plan, progress=progress)
    except (
        ValidationError,
        Exception,
    ) as error:  # nothing was written: the transaction rolled back
        job.report = plan.report()
        job.save(update_fields=["report", "updated_at"])
        message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        return _fail(
            job, _("The import failed and nothing was written: %(error)s") % {"error": message}
        )
    finally:
        progress.close()
    job.report = plan.report()
    job.rows_total = len(plan.rows)
    job.rows_done = len(plan.rows)
    job.status = ImportJob.Status.DONE
    job.error = ""
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "report",
            "rows_total",
            "rows_done",
            "status",
            "error",
            "finished_at",
            "updated_at",
        ]
    )
    return job


def import_job_validate_by_id(job_id: int) -> str:
    """For the task: validate if the job still waits for it (a repeated message does nothing)."""
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.status != ImportJob.Status.VALIDATING:
        return "skipped"
    return import_job_validate(job).status


def import_job_write_by_id(job_id: int) -> str:
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        return "missing"
    return import_job_write(job).status


def import_job_run(job: ImportJob, *, dry_run: bool = False) -> ImportJob:
    """Validate and (unless dry_run) write in-process: the command's and the benchmark's
    path. The write uses the plan the validation just made."""
    job, plan = _validate(job)
    if dry_run or job.status != ImportJob.Status.VALIDATED or plan is None:
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CONFIRMED)
    job.refresh_from_db()
    plan.job = job
    return import_job_write(job, plan=plan)


def _preset_mapping(mapping: Any) -> dict[str, str]:
    """A preset's mapping, checked: known fields, text headers, the required fields present."""
    try:
        cleaned = clean_mapping(mapping)
    except ValidationError as error:
        raise ValidationError({"mapping": error.messages}) from error
    missing = [field for field in REQUIRED_FIELDS if field not in cleaned]
    if missing:
        raise ValidationError(
            {"mapping": _("The mapping lacks %(fields)s.") % {"fields": ", ".join(missing)}}
        )
    return cleaned


@transaction.atomic
def mapping_preset_save(*, name: str, mapping: dict[str, str], user: Any) -> MappingPreset:
    """Create or replace the preset of that name (the mapping checked by _preset_mapping)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the preset a name.")})
    cleaned = _preset_mapping(mapping)
    preset, _created = MappingPreset.objects.update_or_create(
        name=name,
        defaults={"mapping": cleaned, "created_by": user if getattr(user, "pk", None) else None},
    )
    return preset


@transaction.atomic
def mapping_preset_update(*, preset: MappingPreset, actor: Any) -> MappingPreset:
    """Save a preset created or changed by the caller (the admin's form), name included;
    its author is whoever saved it first."""
    preset.mapping = _preset_mapping(preset.mapping)
    if not preset.created_by_id and getattr(actor, "pk", None):
        preset.created_by = actor
    preset.full_clean()
    preset.save()
    return preset


@transaction.atomic
def mapping_preset_delete(*, preset: MappingPreset) -> None:
    preset.delete()


def mapping_preset_export(*, preset: MappingPreset) -> dict[str, str]:
    """The preset's mapping as a plain dict (the --mapping file format of the command)."""
    return {field: preset.mapping[field] for field in FIELDS if preset.mapping.get(field)}
