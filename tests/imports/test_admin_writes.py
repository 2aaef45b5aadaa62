"""The imports admin writes through the services: deleting a job (import_job_delete) and
saving a mapping preset (mapping_preset_update, with the same checks as the web page)."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from imports import services
from imports.models import ImportJob, MappingPreset

from . import files


def test_only_the_owner_or_an_administrator_deletes_a_job(make_job, alice, bob, administrator):
    job = make_job(files.csv_bytes(), "r.csv")
    with pytest.raises(services.ImportPermissionDenied):
        services.import_job_delete(job=job, user=bob)
    assert ImportJob.objects.filter(pk=job.pk).exists()
    services.import_job_delete(job=job, user=administrator)
    assert not ImportJob.objects.filter(pk=job.pk).exists()


def test_a_running_job_is_not_deleted(make_job, alice):
    job = make_job(files.csv_bytes(), "r.csv")
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.IMPORTING)
    with pytest.raises(ValidationError):
        services.import_job_delete(job=job, user=alice)
    assert ImportJob.objects.filter(pk=job.pk).exists()


def test_the_admin_deletes_a_job_and_its_file_through_the_service(
    client, admin_user, make_job, django_capture_on_commit_callbacks
):
    job = make_job(files.csv_bytes(), "r.csv")
    storage, name = job.file.storage, job.file.name
    assert storage.exists(name)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:imports_importjob_changelist"),
            {"action": "delete_selected", "_selected_action": [job.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert not ImportJob.objects.filter(pk=job.pk).exists()
    assert not storage.exists(name)


def test_the_admin_refuses_a_preset_without_the_required_fields(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:imports_mappingpreset_add"),
        {"name": "Half a mapping", "mapping": '{"title": "Purpose"}'},
    )
    assert response.status_code == 403
    assert not MappingPreset.objects.filter(name="Half a mapping").exists()


def test_the_admin_saves_a_preset_through_the_service(client, admin_user):
    mapping = {field: f"Column {field}" for field in services.REQUIRED_FIELDS}
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:imports_mappingpreset_add"),
        {"name": "Quarterly return", "mapping": json.dumps(mapping)},
    )
    assert response.status_code == 302, response.content[:2000]
    preset = MappingPreset.objects.get(name="Quarterly return")
    assert preset.created_by == admin_user
    assert preset.mapping == mapping
