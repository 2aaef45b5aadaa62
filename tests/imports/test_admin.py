from __future__ import annotations

import pytest
from django.urls import reverse

from imports import services
from imports.models import ImportJob
from tests.imports import files

pytestmark = pytest.mark.django_db


def test_admin_shows_the_report_and_validates_and_confirms(
    client, admin_user, reference, alice, make_job, django_capture_on_commit_callbacks
):
    rows = [row for row in files.ROWS if row[1] not in {"sometime soon", "16/08/2016"}]
    job = make_job(files.csv_bytes(rows=rows), "clean.csv")
    client.force_login(admin_user)
    changelist = reverse("admin:imports_importjob_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            changelist, {"action": "validate_jobs", "_selected_action": [job.pk]}
        )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.VALIDATED
    page = client.get(reverse("admin:imports_importjob_change", args=[job.pk]))
    assert page.status_code == 200 and b"&quot;created&quot;: 8" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "confirm_jobs", "_selected_action": [job.pk]})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.report["counts"]["created"] == 8


def test_staff_without_administration_see_only_their_jobs(client, reference, make_job, alice, bob):
    job = make_job(files.csv_bytes(), "r.csv")
    assert services  # the same selector as the pages
    bob.is_staff = True
    bob.is_superuser = False
    bob.save()
    from django.contrib.auth.models import Permission

    bob.user_permissions.add(Permission.objects.get(codename="view_importjob"))
    client.force_login(bob)
    response = client.get(reverse("admin:imports_importjob_change", args=[job.pk]))
    assert response.status_code in (302, 404)
    listing = client.get(reverse("admin:imports_importjob_changelist"))
    assert listing.status_code == 200 and b"r.csv" not in listing.content
