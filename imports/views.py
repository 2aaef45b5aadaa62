"""The import pages: upload, the dry-run report with the column mapping, confirmation,
and the final report. A job is seen by its uploader and administrators only: anyone
else gets 404 (imports.selectors)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import policy
from accounts.models import Classification

from . import selectors, services
from .forms import ConfirmForm, ImportUploadForm, MappingForm
from .models import ImportJob, MappingPreset
from .parsing import FIELDS

IN_PROGRESS = {
    ImportJob.Status.VALIDATING,
    ImportJob.Status.CONFIRMED,
    ImportJob.Status.IMPORTING,
}
CHANGEABLE = {ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED, ImportJob.Status.FAILED}
ACTIONS = ("create", "update", "skip", "error")


def _job(request: HttpRequest, pk: int) -> ImportJob:
    return selectors.import_job_get_visible(user=request.user, pk=pk)


def _messages_of(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{name}: {message}" if name not in ("__all__", "status", "mode") else message
            for name, found in error.message_dict.items()
            for message in found
        ]
    return list(error.messages)


@require_GET
@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    jobs = selectors.import_jobs_visible_to(request.user).order_by("-created_at", "-id")
    page = Paginator(jobs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "imports/list.html",
        {"page": page, "show_owner": policy.is_administrator(request.user)},
    )


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                job = services.import_job_create(
                    user=request.user,
                    uploaded_file=form.cleaned_data["file"],
                    options=form.options(),
                )
                services.import_job_request_validation(job=job, user=request.user)
        except ValidationError as error:
            form.add_service_errors(error)
        except services.ImportPermissionDenied:
            form.add_error(None, _("You may not import records."))
        else:
            return redirect("imports:detail", pk=job.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "imports/upload.html",
        {"form": form, "presets": selectors.mapping_presets()},
        status=status,
    )


def _report_context(job: ImportJob) -> dict[str, Any]:
    report = job.report or {}
    rows = report.get("rows", [])
    by_action: dict[str, list[dict[str, Any]]] = {action: [] for action in ACTIONS}
    review = []
    for row in rows:
        by_action.setdefault(row.get("action") or "error", []).append(row)
        for match in row.get("matches", []):
            if match.get("needs_review"):
                review.append({"row": row, "match": match})
    return {
        "report": report,
        "counts": report.get("counts", {}),
        "rows_by_action": [
            (action, by_action[action]) for action in ACTIONS if by_action.get(action)
        ],
        "errors": report.get("errors", []),
        "review": review,
        "truncated": report.get("truncated", {}),
    }


def _detail_context(job: ImportJob, *, mapping_form: MappingForm | None = None) -> dict[str, Any]:
    options = job.options or {}
    try:
        classification = Classification(int(options.get("classification", 1))).label
    except ValueError:
        classification = ""
    return {
        "job": job,
        "options": options,
        "classification_label": classification,
        "in_progress": job.status in IN_PROGRESS,
        "changeable": job.status in CHANGEABLE,
        "can_confirm": job.status == ImportJob.Status.VALIDATED,
        "can_cancel": job.status in CHANGEABLE - {ImportJob.Status.FAILED},
        "mapping_form": mapping_form or MappingForm(job=job),
        "confirm_form": ConfirmForm(initial={"mode": options.get("mode", ImportJob.Mode.ALL)}),
        "presets": selectors.mapping_presets(),
        **_report_context(job),
    }


@require_GET
@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    return render(request, "imports/detail.html", _detail_context(job))


@require_GET
@login_required
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment polled by htmx; once the job has moved on, the page reloads
    to show the report."""
    job = _job(request, pk)
    response = render(
        request,
        "imports/_progress.html",
        {"job": job, "in_progress": job.status in IN_PROGRESS},
    )
    if job.status not in IN_PROGRESS and request.headers.get("HX-Request") == "true":
        response["HX-Refresh"] = "true"
    return response


@require_POST
@login_required
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the sheet and column mapping (and save them as a preset), then validate
    again."""
    job = _job(request, pk)
    form = MappingForm(request.POST, job=job)
    if form.is_valid():
        try:
            with transaction.atomic():
                mapping = form.mapping()
                if form.cleaned_data["save_as"].strip():
                    services.mapping_preset_save(
                        name=form.cleaned_data["save_as"], mapping=mapping, user=request.user
                    )
                sheet = form.cleaned_data["sheet"]
                # Only what changed: a new mapping makes the service read the file again.
                job = services.import_job_update_settings(
                    job=job,
                    user=request.user,
                    sheet=sheet if sheet != job.sheet else None,
                    mapping=mapping if mapping != job.mapping else None,
                )
                services.import_job_request_validation(job=job, user=request.user)
        except ValidationError as error:
            form.add_service_errors(error)
        except services.ImportPermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("The mapping was changed; the file is checked again."))
            return redirect("imports:detail", pk=job.pk)
    job.refresh_from_db()
    context = _detail_context(job, mapping_form=form)
    return render(request, "imports/detail.html", context, status=400)


def _job_action(request: HttpRequest, job: ImportJob, action: Callable[[], object]) -> HttpResponse:
    """Run an action on the job and go back to its page: a refusal (the job is not in a
    state for it) becomes messages there; a job the user may not act on is a 404."""
    try:
        action()
    except ValidationError as error:
        for message in _messages_of(error):
            messages.error(request, message)
    except services.ImportPermissionDenied:
        raise Http404 from None
    return redirect("imports:detail", pk=job.pk)


@require_POST
@login_required
def import_validate(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    return _job_action(
        request, job, lambda: services.import_job_request_validation(job=job, user=request.user)
    )


@require_POST
@login_required
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose which rows to import."))
        return redirect("imports:detail", pk=job.pk)
    return _job_action(
        request,
        job,
        lambda: services.import_job_confirm(
            job=job, user=request.user, mode=form.cleaned_data["mode"]
        ),
    )


@require_POST
@login_required
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    return _job_action(request, job, lambda: services.import_job_cancel(job=job, user=request.user))


def _json_download(data: dict[str, str], filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n",
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@login_required
def preset_export(request: HttpRequest, pk: int) -> HttpResponse:
    """A preset as a JSON mapping file (the format the import command's --mapping reads)."""
    preset = get_object_or_404(MappingPreset, pk=pk)
    name = slugify(preset.name) or f"preset-{preset.pk}"
    return _json_download(services.mapping_preset_export(preset=preset), f"mapping-{name}.json")


@require_GET
@login_required
def job_mapping_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's current mapping as a JSON mapping file."""
    job = _job(request, pk)
    mapping = {name: job.mapping[name] for name in FIELDS if job.mapping.get(name)}
    return _json_download(mapping, f"mapping-import-{job.pk}.json")
