"""The audit trail: every create, update and delete of an audited record says who, when,
from where, through which channel and what changed, whichever way the change was made."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import ApiToken, Classification, DeskMembership
from audit.context import channel
from audit.models import AuditEntry
from audit.services import audit_bulk, audit_queryset_update
from engagements import services
from engagements.models import Commitment, Instrument, Meeting, Participant, Tenure
from tests import factories
from tests.audit.html_forms import form_data

pytestmark = pytest.mark.django_db


def entries_of(obj, **filters):
    content_type = ContentType.objects.get_for_model(type(obj))
    return AuditEntry.objects.filter(
        content_type=content_type, object_id=str(obj.pk), **filters
    ).order_by("id")


def _meeting(user, desk, **overrides):
    values = {
        "title": "Korea-Chile: critical minerals",
        "start": timezone.now().replace(microsecond=0),
        "desk": desk,
        "classification": Classification.RESTRICTED,
        "participants": [
            services.ParticipantInput(side="counterpart", raw_name="Mario Marcel"),
        ],
        "commitments": [services.CommitmentInput(title="Share lithium data")],
    }
    values.update(overrides)
    return services.meeting_create(user=user, data=services.MeetingInput(**values))


def test_a_service_call_under_the_import_channel(erin, desk_latam):
    with channel("import", 42, user=erin):
        meeting = _meeting(erin, desk_latam)

    created = entries_of(meeting).get(action="create")
    assert created.user == erin and created.username == "erin"
    assert (created.channel, created.label) == ("import", "42")
    assert created.changes["title"] == {"before": None, "after": meeting.title}
    assert created.classification == Classification.RESTRICTED
    assert len(created.request_id) == 32
    participant = meeting.participants.get()
    child = entries_of(participant).get()
    assert (child.action, child.channel, child.meeting_pk) == ("create", "import", meeting.pk)
    assert child.request_id == created.request_id  # one piece of work, one id
    commitment = meeting.commitments.get()
    assert entries_of(commitment).get().changes["title"]["after"] == "Share lithium data"


def test_the_api_patch_is_recorded_with_token_user_address_and_changes(client_for, desk_latam):
    client = client_for("alice")
    meeting = _meeting(factories.UserFactory(username="erin"), desk_latam)
    response = client.patch(
        f"/api/v1/meetings/{meeting.pk}/",
        {"title": "Renamed through the API"},
        format="json",
        REMOTE_ADDR="192.0.2.44",
        HTTP_X_REQUEST_ID="api-call-1",
    )

    assert response.status_code == 200, response.content
    entry = entries_of(meeting).get(action="update", changes__has_key="title")
    assert entry.username == "alice" and entry.user.username == "alice"
    assert entry.channel == "api"
    assert entry.ip == "192.0.2.44"
    assert entry.request_id == "api-call-1" == response["X-Request-ID"]
    assert entry.label == f"token {ApiToken.objects.get(user__username='alice').name}"
    assert entry.changes["title"] == {
        "before": "Korea-Chile: critical minerals",
        "after": "Renamed through the API",
    }
    assert entry.changes["version"] == {"before": 1, "after": 2}


def test_the_admin_form_is_recorded(client, admin_user, desk_latam, erin):
    meeting = _meeting(erin, desk_latam)
    topic = factories.TopicFactory(name="Lithium supply")
    client.force_login(admin_user)
    url = reverse("admin:engagements_meeting_change", args=[meeting.pk])
    data = form_data(client.get(url).content.decode(), form_id="meeting_form")
    data["title"] = "Renamed in the admin"
    data["topics"] = [str(topic.pk)]

    response = client.post(url, data, REMOTE_ADDR="198.51.100.8")

    assert response.status_code == 302, response.context and response.context["errors"]
    entry = entries_of(meeting).get(action="update", changes__has_key="title")
    assert (entry.user, entry.channel, entry.ip) == (admin_user, "admin", "198.51.100.8")
    assert entry.changes["title"]["after"] == "Renamed in the admin"
    assert entry.request_id == response["X-Request-ID"]
    tags = entries_of(meeting).get(changes__has_key="topics")
    assert tags.changes["topics"] == {"added": ["Lithium supply"]}
    assert tags.user == admin_user


def test_an_admin_bulk_action_is_recorded(client, users, desk_latam):
    administrator, erin = users["administrator"], users["erin"]
    kept = _meeting(erin, desk_latam, title="Kept")
    doomed = _meeting(erin, desk_latam, title="Deleted in bulk")
    participant = doomed.participants.get()
    client.force_login(administrator)

    response = client.post(
        reverse("admin:engagements_meeting_changelist"),
        {"action": "delete_selected", "_selected_action": [doomed.pk], "post": "yes"},
        REMOTE_ADDR="203.0.113.77",
    )

    assert response.status_code == 302
    assert not Meeting.objects.filter(pk=doomed.pk).exists()
    entry = entries_of(doomed).get(action="delete")
    assert (entry.user, entry.channel, entry.label) == (
        administrator,
        "admin_action",
        "delete_selected",
    )
    assert entry.ip == "203.0.113.77"
    assert entry.changes["title"] == {"before": "Deleted in bulk", "after": None}
    # What went with it is recorded too, under the same request.
    cascade = entries_of(participant).get(action="delete")
    assert cascade.request_id == entry.request_id and cascade.channel == "admin_action"
    assert not entries_of(kept).filter(action="delete").exists()


def test_a_queryset_update_in_the_admin_is_recorded(client, admin_user):
    post = factories.PostFactory(single_holder=True)
    tenure = services.tenure_create(
        person=factories.PersonFactory(), post=post, start_date=datetime.date(2020, 1, 1)
    )
    client.force_login(admin_user)
    url = reverse("admin:engagements_post_change", args=[post.pk])
    data = form_data(client.get(url).content.decode(), form_id="post_form")
    data.pop("single_holder", None)  # unticked

    response = client.post(url, data)

    assert response.status_code == 302
    tenure.refresh_from_db()
    assert tenure.exclusive is False
    entry = entries_of(tenure).get(action="update")
    assert entry.changes == {"exclusive": {"before": True, "after": False}}
    assert (entry.user, entry.channel) == (admin_user, "admin")


def test_the_web_form_is_recorded(client, alice, desk_latam, erin):
    try:
        url_name = "meeting_edit"
        meeting = _meeting(erin, desk_latam)
        url = reverse(url_name, args=[meeting.pk])
    except NoReverseMatch:
        pytest.skip("The meeting_edit page (helper A) does not exist yet.")
    client.force_login(alice)
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page.content.decode(), containing="title")
    data["title"] = "Renamed on the web"

    response = client.post(url, data, REMOTE_ADDR="192.0.2.99")

    assert response.status_code in (200, 302, 303)
    entry = entries_of(meeting).get(action="update", changes__has_key="title")
    assert (entry.user, entry.channel, entry.ip) == (alice, "web", "192.0.2.99")
    assert entry.changes["title"]["after"] == "Renamed on the web"
    assert entry.request_id == response["X-Request-ID"] and len(entry.request_id) == 32
    # Everything that one request changed carries its id.
    assert set(
        AuditEntry.objects.filter(meeting_pk=meeting.pk, at__gte=entry.at).values_list(
            "request_id", flat=True
        )
    ) == {entry.request_id}


def test_m2m_changes_and_deletes_through_services(erin, desk_latam):
    lithium = factories.TopicFactory(name="Lithium")
    copper = factories.TopicFactory(name="Copper")
    meeting = _meeting(erin, desk_latam, topics=[lithium])
    meeting.topics.set([copper])
    meeting.topics.clear()
    changes = [e.changes["topics"] for e in entries_of(meeting).filter(changes__has_key="topics")]
    assert changes == [
        {"added": ["Lithium"]},
        {"removed": ["Lithium"]},
        {"added": ["Copper"]},
        {"removed": ["Copper"]},
    ]
    copper.meetings.add(meeting)  # from the other side
    assert entries_of(meeting).filter(changes__topics={"added": ["Copper"]}).count() == 2

    services.meeting_delete(user=erin, meeting=meeting)
    assert entries_of(meeting).filter(action="delete").count() == 1


def test_instruments_and_tenures_are_recorded():
    instrument = factories.InstrumentFactory(name="Korea Infrastructure Fund")
    instrument.status = Instrument.Status.CLOSED
    instrument.save()
    instrument.save()  # nothing changed: no entry
    actions = list(entries_of(instrument).values_list("action", flat=True))
    assert actions == ["create", "update"]
    assert entries_of(instrument).last().changes == {
        "status": {"before": "active", "after": "closed"}
    }
    tenure = factories.TenureFactory()
    tenure_pk = tenure.pk
    tenure.delete()
    assert entries_of(Tenure(pk=tenure_pk)).filter(action="delete").exists()


def test_users_are_recorded_without_credentials(client, administrator, alice, desk_asia):
    client.force_login(administrator)
    alice.set_password("another secret phrase 42")
    alice.email = "alice@ministry.example"
    alice.save()
    DeskMembership.objects.create(user=alice, desk=desk_asia)

    entries = entries_of(alice)
    assert entries.filter(action="create").exists()
    update = entries.get(action="update", changes__has_key="email")
    assert update.changes["email"]["after"] == "alice@ministry.example"
    assert entries.filter(changes__desks={"added": ["Asia and the Pacific"]}).exists()
    for entry in entries:
        assert "password" not in entry.changes and "last_login" not in entry.changes
        assert "pbkdf2" not in str(entry.changes) and alice.password not in str(entry.changes)
    # The new password was saved with the address: the entry names the address only.
    assert set(update.changes) == {"email"}


def test_audit_bulk_for_imports(erin, desk_latam):
    rows = Meeting.objects.bulk_create(
        [Meeting(title=f"Imported {n}", start=timezone.now(), desk=desk_latam) for n in range(3)]
    )
    with channel("import", "job-9", user=erin):
        entries = audit_bulk(Meeting, rows, "create")
    assert len(entries) == 3
    entry = entries_of(rows[0]).get()
    assert (entry.channel, entry.label, entry.user, entry.action) == (
        "import",
        "job-9",
        erin,
        "create",
    )
    assert entry.changes["title"]["after"] == "Imported 0"

    with channel("import", "job-10"):
        audit_queryset_update(Meeting.objects.filter(pk=rows[1].pk), status="cancelled")
    update = entries_of(rows[1]).get(action="update")
    assert update.changes == {"status": {"before": "held", "after": "cancelled"}}
    with pytest.raises(ValueError, match="channel"):
        audit_bulk(Meeting, rows, "create", "carrier pigeon")


def test_bulk_commitments_know_their_meeting_in_one_query(
    erin, desk_latam, django_assert_max_num_queries
):
    meeting = factories.MeetingFactory(desk=desk_latam, classification=Classification.RESTRICTED)
    rows = Commitment.objects.bulk_create(
        [Commitment(meeting_id=meeting.pk, desk=desk_latam, title=f"C {n}") for n in range(20)]
    )
    # Read back without their meeting loaded, as an import would hold them.
    fresh = list(Commitment.objects.filter(pk__in=[r.pk for r in rows]))
    with django_assert_max_num_queries(4):
        audit_bulk(Commitment, fresh, "create", "import")
    assert set(
        AuditEntry.objects.filter(meeting_pk=meeting.pk).values_list("classification", flat=True)
    ) == {Classification.RESTRICTED}


def test_participants_deleted_with_their_meeting_keep_the_meeting(erin, desk_latam):
    meeting = _meeting(erin, desk_latam)
    participant_pk = meeting.participants.get().pk
    services.meeting_delete(user=erin, meeting=meeting)
    gone = entries_of(Participant(pk=participant_pk)).get(action="delete")
    assert gone.meeting_pk == meeting.pk
