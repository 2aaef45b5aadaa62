"""The rules an import keeps because it writes through the bulk service of engagements: the
policy asked per row, and a re-import that changes nothing emits nothing."""

from __future__ import annotations

import csv
import io

import pytest

from accounts.models import Classification
from audit.models import AuditEntry
from engagements.models import Meeting
from engagements.signals import meeting_saved, meetings_saved_in_bulk
from imports import services
from imports.models import ImportJob
from notifications import services as notifications
from notifications.models import Notification
from tests.imports import files
from webhooks import services as webhooks
from webhooks.models import EventType, WebhookDelivery

pytestmark = pytest.mark.django_db

HEADERS = [
    "Minister",
    "Date of meeting",
    "Name of Organisation or Individual",
    "Protective marking",
]


def marked_csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode()


ROWS = [
    ["Kim Yoon-sang", "13/07/2016", "Mario Marcel", "Confidential"],
    ["Kim Yoon-sang", "20/07/2016", "Bank of England", "Restricted"],
    ["Kim Yoon-sang", "21/07/2016", "Barclays", ""],
]


def run(make_job, content, user=None, **options):
    job = make_job(content, "marked.csv", user=user, mode="valid_rows", **options)
    return services.import_job_run(job)


def test_a_row_above_the_uploaders_clearance_is_refused_naming_the_files_header(
    reference, make_job, alice
):
    assert alice.clearance == Classification.RESTRICTED
    job = run(make_job, marked_csv(ROWS))

    assert job.status == ImportJob.Status.DONE, job.error
    assert job.report["counts"]["created"] == 2 and job.report["counts"]["failed"] == 1
    (error,) = job.report["errors"]
    assert (error["row"], error["column"]) == (2, "classification")
    assert "'Protective marking'" in error["reason"] and "clearance" in error["reason"]
    written = Meeting.objects.filter(external_source=job.external_source)
    assert sorted(written.values_list("classification", flat=True)) == [
        Classification.INTERNAL,
        Classification.RESTRICTED,
    ]


def test_an_administrator_may_import_the_same_row(reference, make_job, administrator, desk_latam):
    job = run(make_job, marked_csv(ROWS), user=administrator, desk="latam")
    assert job.report["counts"]["created"] == 3, job.report["errors"]
    assert Meeting.objects.filter(classification=Classification.CONFIDENTIAL).count() == 1


def test_a_meeting_raised_beyond_the_uploader_by_an_earlier_import_is_refused_per_row(
    reference, make_job, alice, erin
):
    first = run(make_job, marked_csv(ROWS), user=erin, desk="latam", source="marked")
    assert first.report["counts"]["created"] == 3
    corrected = [[*row[:3], ""] for row in ROWS]
    again = run(make_job, marked_csv(corrected), source="marked")
    rows = {row["row"]: row["action"] for row in again.report["rows"]}
    # The confidential meeting is beyond alice: refused; the others are as they were.
    assert rows == {2: "error", 3: "skip", 4: "skip"}
    assert Meeting.objects.get(classification=Classification.CONFIDENTIAL).version == 1


def test_reimporting_the_same_file_changes_nothing_and_emits_nothing(
    reference, make_job, alice, erin
):
    notifications.watch_add(user=erin, target=reference["chile"])
    webhooks.endpoint_create(
        name="erin's system",
        url="https://hooks.example.org/in",
        owner=erin,
        event_types=EventType.values,
    )
    first = run(make_job, files.csv_bytes())
    assert first.report["counts"]["created"] == 8
    assert WebhookDelivery.objects.count() == 8  # meeting.created, each visible to erin
    assert Notification.objects.filter(recipient=erin).exists()  # meetings with Chile
    heard = []

    def listen(sender, **kwargs):
        heard.append(kwargs)

    meeting_saved.connect(listen, dispatch_uid="test_rules.one")
    meetings_saved_in_bulk.connect(listen, dispatch_uid="test_rules.bulk")
    before = (
        AuditEntry.objects.count(),
        WebhookDelivery.objects.count(),
        Notification.objects.count(),
        sorted(Meeting.objects.values_list("id", "version", "updated_at")),
    )
    try:
        again = run(make_job, files.csv_bytes())
    finally:
        meeting_saved.disconnect(dispatch_uid="test_rules.one")
        meetings_saved_in_bulk.disconnect(dispatch_uid="test_rules.bulk")

    assert again.report["counts"]["skipped"] == 8 and again.report["counts"]["created"] == 0
    assert heard == []
    assert (
        AuditEntry.objects.count(),
        WebhookDelivery.objects.count(),
        Notification.objects.count(),
        sorted(Meeting.objects.values_list("id", "version", "updated_at")),
    ) == before
