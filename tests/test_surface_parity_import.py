"""The importer's face of the surface-parity test: a meeting created by an import brings the
same webhook deliveries, the same notifications to watchers and the same history entries
(with the channel "import") as the same meeting created through the API."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Classification, Role
from accounts.services import roles_sync
from audit.models import AuditEntry
from engagements.models import Meeting
from imports import services as imports
from notifications import services as notifications
from notifications.models import Notification
from tests import factories
from tests.api.conftest import token_client
from webhooks import services as webhooks
from webhooks.models import EventType, WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def scene(desk_latam, alice, erin):
    roles = {group.name: group for group in roles_sync()}
    alice.groups.add(roles[Role.DESK_OFFICER])
    erin.groups.add(roles[Role.DESK_LEAD])
    chile = factories.CountryFactory(iso2="CL", iso3="CHL", numeric_code="152", name="Chile")
    korea = factories.CountryFactory(iso2="KR", iso3="KOR", numeric_code="410", name="Korea")
    moef = factories.OrganizationFactory(name="Ministry of Economy and Finance", country=korea)
    hacienda = factories.OrganizationFactory(name="Ministry of Finance of Chile", country=chile)
    kim = factories.PersonFactory(name="Kim Yoon-sang", slug="kim", nationality=korea)
    marcel = factories.PersonFactory(name="Mario Marcel", slug="marcel", nationality=chile)
    factories.TenureFactory(
        person=kim,
        post=factories.PostFactory(label="Second Vice Minister", organization=moef),
        start_date=datetime.date(2016, 1, 1),
    )
    factories.TenureFactory(
        person=marcel,
        post=factories.PostFactory(label="Minister of Finance", organization=hacienda),
        start_date=datetime.date(2016, 1, 1),
    )
    desk_latam.countries.add(chile)
    # Erin (lead of the desk) watches Chile, and her system takes every event.
    notifications.watch_add(user=erin, target=chile)
    endpoint = webhooks.endpoint_create(
        name="erin's system",
        url="https://hooks.example.org/in",
        owner=erin,
        event_types=EventType.values,
    )
    return {"kim": kim, "marcel": marcel, "endpoint": endpoint, "erin": erin}


def _through_the_api(alice):
    body = {
        "title": "Kim Yoon-sang with Mario Marcel",
        "start": "2016-07-13T00:00:00Z",
        "desk": "latam",
        "classification": "internal",
        "summary": "Critical minerals",
        "participants": [
            {"person": "kim", "side": "home"},
            {"person": "marcel", "side": "counterpart"},
        ],
    }
    response = token_client(alice).post("/api/v1/meetings/", body, format="json")
    assert response.status_code == 201, response.json()
    return Meeting.objects.get(pk=response.json()["id"])


def _through_the_importer(alice):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["Minister", "Date of meeting", "Name of Organisation or Individual", "Purpose"]
    )
    writer.writerow(["Kim Yoon-sang", "13/07/2016", "Mario Marcel", "Critical minerals"])
    upload = SimpleUploadedFile("return.csv", buffer.getvalue().encode(), "text/csv")
    job = imports.import_job_create(
        user=alice,
        uploaded_file=upload,
        options={"classification": Classification.INTERNAL, "mode": "valid_rows"},
    )
    job = imports.import_job_run(job)
    assert job.status == "done", job.error
    return Meeting.objects.get(external_source=job.external_source), job


def _effects(meeting):
    deliveries = sorted(
        WebhookDelivery.objects.filter(record_id=meeting.pk).values_list(
            "endpoint_id", "event_type"
        )
    )
    notified = sorted(Notification.objects.filter(meeting=meeting).values_list("recipient", "kind"))
    entries = AuditEntry.objects.filter(
        meeting_pk=meeting.pk,
        action="create",
        content_type__model__in=["meeting", "participant"],
    )
    history = sorted((entry.content_type.model, entry.action, entry.user_id) for entry in entries)
    return deliveries, notified, history, {entry.channel for entry in entries}


def test_an_imported_meeting_has_the_effects_of_the_same_meeting_made_through_the_api(scene, alice):
    api_meeting = _through_the_api(alice)
    imported, job = _through_the_importer(alice)

    api_deliveries, api_notified, api_history, api_channels = _effects(api_meeting)
    deliveries, notified, history, channels = _effects(imported)

    assert api_deliveries == [(scene["endpoint"].pk, "meeting.created")]
    assert deliveries == api_deliveries
    assert api_notified == [(scene["erin"].pk, Notification.Kind.MEETING_LOGGED)]
    assert notified == api_notified
    assert api_history == [
        ("meeting", "create", alice.pk),
        ("participant", "create", alice.pk),
        ("participant", "create", alice.pk),
    ]
    assert history == api_history
    assert (api_channels, channels) == ({"api"}, {"import"})
    assert set(
        AuditEntry.objects.filter(meeting_pk=imported.pk).values_list("label", flat=True)
    ) == {str(job.pk)}
    # The same post labels, snapshotted from the tenures held on the day.
    labels = {p.person_id: p.post_label for p in api_meeting.participants.all()}
    assert {p.person_id: p.post_label for p in imported.participants.all()} == labels
