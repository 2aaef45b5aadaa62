"""The whole flow through a real Celery worker on Redis: upload, validation on the worker,
confirmation, the write on the worker, progress visible from here."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from engagements.models import Meeting
from imports import services
from imports.models import ImportJob
from notifications.models import Heartbeat
from tests.imports import files
from tests.notifications.processes import (
    celery_worker,
    delete_queue,
    publishing_to,
    unique_name,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def status_of(job: ImportJob, *wanted: str) -> bool:
    return ImportJob.objects.filter(pk=job.pk, status__in=wanted).exists()


def test_a_worker_validates_and_writes_an_import(tmp_path, reference, alice, make_job):
    queue = unique_name("imports-test")
    hostname = f"{queue}@localhost"
    worker = None
    try:
        worker = celery_worker(
            tmp_path, hostname=hostname, CELERY_QUEUE=queue, MEDIA_ROOT=str(settings.MEDIA_ROOT)
        )
        wait_for(
            lambda: (
                worker.process.poll() is None
                and Heartbeat.objects.filter(name=f"worker:{hostname}").exists()
            ),
            timeout=60,
            what="the worker to start",
        )
        with publishing_to(settings.CELERY_BROKER_URL), override_settings(IMPORT_QUEUE=queue):
            job = make_job(files.ods_bytes(), "return.ods")
            services.import_job_request_validation(job=job, user=alice)
            wait_for(
                lambda: status_of(job, "validated", "failed"), timeout=90, what="the validation"
            )
            job.refresh_from_db()
            assert job.status == "validated", job.error + worker.output()
            assert job.report["counts"] == files.EXPECTED_COUNTS
            assert Meeting.objects.count() == 0
            services.import_job_confirm(job=job, user=alice, mode="valid_rows")
            wait_for(lambda: status_of(job, "done", "failed"), timeout=90, what="the write")
    finally:
        if worker is not None:
            worker.stop()
        delete_queue(settings.CELERY_BROKER_URL, queue)
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.rows_done == job.rows_total == 10
    assert job.report["counts"]["created"] == 8
    assert Meeting.objects.filter(external_source=job.external_source).count() == 8
