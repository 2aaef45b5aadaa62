"""The migration that retires django-simple-history: its rows become audit entries (unless
the trail has the entry already) and show on the meeting's history page."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts.models import Classification
from audit.models import AuditEntry
from engagements.models import Meeting, Participant

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2025, 3, 1, 9, 0, tzinfo=datetime.UTC)
T1 = datetime.datetime(2025, 3, 28, 14, 0, tzinfo=datetime.UTC)
BEFORE_COPY = [
    ("engagements", "0008_meeting_country_id_index"),
    ("audit", "0002_audit_entry_append_only_trigger"),
]


@pytest.fixture
def old_apps():
    """The models as they were before the copy, with the historical tables made again
    (inside the test's transaction: they go when it rolls back)."""
    state = MigrationExecutor(connection).loader.project_state(BEFORE_COPY)
    apps = state.apps
    with connection.schema_editor() as editor:
        for name in (
            "HistoricalMeeting",
            "HistoricalParticipant",
            "HistoricalCommitment",
            "HistoricalTenure",
            "HistoricalInstrument",
        ):
            editor.create_model(apps.get_model("engagements", name))
        editor.create_model(apps.get_model("audit", "HistoricalUser"))
    return apps


def _copy(apps):
    importlib.import_module("engagements.migrations.0009_copy_simple_history").forwards(apps, None)


def _historical_meeting(apps, meeting, *, when, kind, user, **values):
    fields = {
        "id": meeting.pk,
        "title": meeting.title,
        "start": meeting.start,
        "desk_id": meeting.desk_id,
        "classification": meeting.classification,
        "version": 1,
        "created_at": T0,
    }
    fields.update(values)
    return apps.get_model("engagements", "HistoricalMeeting").objects.create(
        history_date=when, history_type=kind, history_user_id=user.pk, **fields
    )


@pytest.fixture
def old_meeting(alice, desk_latam):
    # Written as the old importer did: rows without entries of the trail.
    [meeting] = Meeting.objects.bulk_create(
        [Meeting(title="Lithium talk", start=T0, desk=desk_latam, version=2)]
    )
    Participant.objects.bulk_create(
        [Participant(meeting=meeting, raw_name="Mario Marcel", side="counterpart")]
    )
    return meeting


def test_a_simple_history_row_becomes_an_entry_shown_on_the_history_page(
    client, alice, erin, old_meeting, old_apps
):
    meeting = old_meeting
    _historical_meeting(old_apps, meeting, when=T0, kind="+", user=alice, title="Lithium")
    _historical_meeting(old_apps, meeting, when=T1, kind="~", user=erin, version=2)
    old_apps.get_model("engagements", "HistoricalParticipant").objects.create(
        id=meeting.participants.get().pk,
        meeting_id=meeting.pk,
        raw_name="Mario Marcel",
        side="counterpart",
        history_date=T1,
        history_type="+",
        history_user_id=erin.pk,
    )

    _copy(old_apps)

    meeting_type = ContentType.objects.get_for_model(Meeting)
    entries = list(
        AuditEntry.objects.filter(content_type=meeting_type, object_id=str(meeting.pk)).order_by(
            "at"
        )
    )
    assert [(e.action, e.at, e.user) for e in entries] == [
        ("create", T0, alice),
        ("update", T1, erin),
    ]
    assert entries[1].changes == {
        "title": {"before": "Lithium", "after": "Lithium talk"},
        "version": {"before": 1, "after": 2},
    }
    assert (entries[1].username, entries[1].channel, entries[1].label) == (
        "erin",
        "system",
        "simple-history",
    )
    assert (entries[1].meeting_pk, entries[1].classification) == (
        meeting.pk,
        Classification.INTERNAL,
    )
    added = AuditEntry.objects.get(content_type=ContentType.objects.get_for_model(Participant))
    assert (added.action, added.meeting_pk, added.object_repr) == (
        "create",
        meeting.pk,
        "Mario Marcel",
    )

    client.force_login(alice)
    history = client.get(reverse("meeting_detail", args=[meeting.pk])).context["history"]
    changed = next(e for e in history if e.action == "changed")
    assert changed.who == erin and changed.when == T1
    rows = [(c.label, c.old, c.new) for c in changed.changes]
    assert ("Title", "Lithium", "Lithium talk") in rows
    assert changed.added == ["Mario Marcel (Counterpart)"]
    assert [e.action for e in history if e.subject == "Meeting"] == ["changed", "created"]


def test_a_row_the_trail_already_has_is_not_copied_again(alice, old_meeting, old_apps):
    meeting = old_meeting
    _historical_meeting(old_apps, meeting, when=T0, kind="+", user=alice)
    _historical_meeting(old_apps, meeting, when=T1, kind="~", user=alice, summary="Agreed")
    meeting_type = ContentType.objects.get_for_model(Meeting)
    # The audit app wrote its entry for the creation a moment after simple-history did.
    AuditEntry.objects.create(
        at=T0 + datetime.timedelta(milliseconds=3),
        content_type=meeting_type,
        object_id=str(meeting.pk),
        object_repr="Lithium talk",
        action="create",
        changes={"title": {"before": None, "after": "Lithium talk"}},
        channel="web",
    )

    _copy(old_apps)
    _copy(old_apps)  # and running it again adds nothing

    rows = AuditEntry.objects.filter(content_type=meeting_type, object_id=str(meeting.pk))
    assert sorted(rows.values_list("action", "channel")) == [
        ("create", "web"),
        ("update", "system"),
    ]


def test_users_history_is_copied_without_credentials(alice, old_apps):
    historical = old_apps.get_model("audit", "HistoricalUser")
    base = {
        "id": alice.pk,
        "username": "alice",
        "email": "alice@old.example",
        "date_joined": T0,
        "history_user_id": None,
    }
    historical.objects.create(history_date=T0, history_type="+", **base)
    historical.objects.create(
        history_date=T1, history_type="~", **(base | {"email": "alice@ministry.example"})
    )
    # A login: nothing recorded changed.
    historical.objects.create(
        history_date=T1 + datetime.timedelta(days=1),
        history_type="~",
        **(base | {"email": "alice@ministry.example"}),
    )

    importlib.import_module("audit.migrations.0003_copy_simple_history_of_users").forwards(
        old_apps, None
    )

    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(alice)),
        object_id=str(alice.pk),
        label="simple-history",
    ).order_by("at")
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].changes == {
        "email": {"before": "alice@old.example", "after": "alice@ministry.example"}
    }
    assert all("password" not in e.changes for e in entries)
