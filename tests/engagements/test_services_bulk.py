"""engagements.services.bulk: the rules of meeting_create and meeting_update, row by row."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Classification
from audit.models import AuditEntry
from core.exceptions import PermissionDenied
from engagements.models import Meeting, Participant
from engagements.services import (
    BulkMeeting,
    MeetingInput,
    ParticipantInput,
    meetings_bulk_write,
)
from tests import factories

pytestmark = pytest.mark.django_db

START = datetime.datetime(2016, 7, 13, tzinfo=datetime.UTC)


def data(desk, **values):
    defaults = {"title": "Bilateral", "start": START, "desk": desk}
    return MeetingInput(**{**defaults, **values})


def test_each_row_asks_the_policy_and_nothing_is_written_when_one_is_refused(
    alice, charlie, desk_latam
):
    rows = [
        BulkMeeting(data=data(desk_latam)),
        BulkMeeting(data=data(desk_latam, classification=Classification.CONFIDENTIAL)),
    ]
    with pytest.raises(ValidationError) as caught:
        meetings_bulk_write(user=alice, rows=rows, channel="import")
    assert list(caught.value.message_dict) == ["rows[1].classification"]
    with pytest.raises(PermissionDenied):
        meetings_bulk_write(user=charlie, rows=rows[:1], channel="import")
    assert not Meeting.objects.exists()


def test_post_labels_are_snapshotted_and_unchanged_participants_keep_their_rows(alice, desk_latam):
    person = factories.PersonFactory(name="Mario Marcel")
    post = factories.PostFactory(label="Minister of Finance")
    factories.TenureFactory(person=person, post=post, start_date=datetime.date(2016, 1, 1))
    participants = [
        ParticipantInput(side="counterpart", person=person),
        ParticipantInput(side="home", raw_name="Kim Yoon-sang"),
    ]
    result = meetings_bulk_write(
        user=alice,
        rows=[BulkMeeting(data=data(desk_latam, participants=participants))],
        channel="import",
        label="7",
    )
    (meeting,) = result.meetings
    assert result.created_ids == [meeting.pk]
    marcel = Participant.objects.get(meeting=meeting, person=person)
    assert (marcel.post_id, marcel.post_label) == (post.pk, "Minister of Finance")

    changed = [participants[0], ParticipantInput(side="home", raw_name="Choi Sang-mok")]
    again = meetings_bulk_write(
        user=alice,
        rows=[
            BulkMeeting(
                data=data(desk_latam, participants=changed),
                meeting=Meeting.objects.get(pk=meeting.pk),
                keep_tags=True,
                keep_agenda=True,
            )
        ],
        channel="import",
        label="8",
    )
    assert again.updated_ids == [meeting.pk]
    assert Participant.objects.get(meeting=meeting, person=person).pk == marcel.pk
    entries = AuditEntry.objects.filter(content_type__model="participant", label="8")
    assert sorted(entries.values_list("action", flat=True)) == ["create", "delete"]
