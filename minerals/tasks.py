"""Thin Celery wrappers around minerals.services: they take ids and call a service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celery import shared_task

from .models import DataSource
from .services import usgs_mcs_import


@shared_task(acks_late=True)
def usgs_mcs_import_task(*, source_id: int, path: str | None = None) -> dict[str, Any]:
    """Import the data source's stored file, or the file at `path` (on storage the workers
    share). Idempotent: importing the same file again changes nothing, so a redelivered
    message is harmless."""
    source = DataSource.objects.get(pk=source_id)
    if path is None:
        if not source.file:
            raise ValueError(f"data source {source.slug} has no stored file to import")
        file_path = Path(source.file.path)
    else:
        file_path = Path(path)
    return usgs_mcs_import(path=file_path, source=source).as_dict()
