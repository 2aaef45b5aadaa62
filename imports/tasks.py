"""Celery tasks: thin wrappers taking a job id and calling a service. Both check the job's
status first (a second delivery of the same message does nothing). imports.services queues
them by these names after commit, without importing this module."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name=services.VALIDATE_TASK, acks_late=True, reject_on_worker_lost=True)
def validate_import_job(job_id: int) -> str:
    return services.import_job_validate_by_id(job_id)


@shared_task(name=services.WRITE_TASK, acks_late=True, reject_on_worker_lost=True)
def write_import_job(job_id: int) -> str:
    return services.import_job_write_by_id(job_id)
