"""Reads of import jobs: a user sees their own jobs; administrators see all."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts import policy

from .models import ImportJob, MappingPreset


def import_jobs_visible_to(user: Any) -> QuerySet[ImportJob]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ImportJob.objects.none()
    jobs = ImportJob.objects.select_related("created_by")
    if policy.is_administrator(user):
        return jobs
    return jobs.filter(created_by=user)


def import_job_get_visible(*, user: Any, pk: int) -> ImportJob:
    """The job, or Http404 whether it is missing or someone else's."""
    return get_object_or_404(import_jobs_visible_to(user), pk=pk)


def mapping_presets() -> QuerySet[MappingPreset]:
    return MappingPreset.objects.all()
