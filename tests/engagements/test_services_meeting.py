import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from accounts.models import Classification
from audit.models import AuditEntry
from engagements import selectors, services
from engagements.models import AgendaItem, Commitment, Meeting, Participant
from engagements.services import (
    AgendaItemInput,
    CommitmentInput,
    MeetingInput,
    ParticipantInput,
)
from tests import factories

SANTIAGO = ZoneInfo("America/Santiago")


def entries_of(obj):
    return list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
        ).order_by("id")
    )


def entries_since(meeting, last_id):
    """The meeting's entries written after the entry `last_id`, by kind of record."""
    found: dict[str, list[AuditEntry]] = {}
    for entry in AuditEntry.objects.filter(meeting_pk=meeting.pk, id__gt=last_id).order_by("id"):
        found.setdefault(entry.content_type.model, []).append(entry)
    return found


def last_entry_id():
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture
def chile_finance(db):
    chile = factories.CountryFactory(iso2="CL", iso3="CHL", numeric_code="152", name="Chile")
    hacienda = factories.OrganizationFactory(name="Ministerio de Hacienda", country=chile)
    post = factories.PostFactory(label="Minister of Finance", organization=hacienda)
    marcel = factories.PersonFactory(name="Mario Marcel Cullell")
    grau = factories.PersonFactory(name="Nicolás Grau")
    services.tenure_create(
        person=marcel,
        post=post,
        start_date=datetime.date(2022, 3, 11),
        end_date=datetime.date(2025, 8, 21),
    )
    services.tenure_create(person=grau, post=post, start_date=datetime.date(2025, 8, 21))
    return {"chile": chile, "post": post, "marcel": marcel, "grau": grau}


def meeting_input(desk, **overrides):
    values = {
        "title": "Korea-Chile bilateral on critical minerals",
        "start": datetime.datetime(2025, 3, 28, 10, 0, tzinfo=SANTIAGO),
        "time_zone": "America/Santiago",
        "desk": desk,
        "classification": Classification.RESTRICTED,
    }
    values.update(overrides)
    return MeetingInput(**values)


def test_it_snapshots_the_post_label_held_on_the_meeting_date(alice, desk_latam, chile_finance):
    data = meeting_input(
        desk_latam,
        participants=[ParticipantInput(side="counterpart", person=chile_finance["marcel"])],
    )
    meeting = services.meeting_create(user=alice, data=data)

    participant = meeting.participants.get()
    assert participant.post_label == "Minister of Finance"
    assert participant.post == chile_finance["post"]
    assert participant.organization == chile_finance["post"].organization
    assert participant.country == chile_finance["chile"]
    assert list(meeting.counterpart_countries.all()) == [chile_finance["chile"]]
    # The post outlived Marcel: today it is held by his successor.
    holder = chile_finance["post"].holder_on(datetime.date.today())
    assert holder is not None and holder.person == chile_finance["grau"]


def test_a_label_typed_by_the_officer_is_kept(alice, desk_latam, chile_finance):
    data = meeting_input(
        desk_latam,
        participants=[
            ParticipantInput(
                side="counterpart", person=chile_finance["marcel"], post_label="Finance Minister"
            )
        ],
    )
    meeting = services.meeting_create(user=alice, data=data)
    assert meeting.participants.get().post_label == "Finance Minister"


def test_it_writes_meeting_agenda_tags_and_commitments_together(alice, desk_latam, chile_finance):
    topic = factories.TopicFactory(name="Lithium supply")
    mineral = factories.MineralFactory(name="Lithium", slug="lithium")
    instrument = factories.InstrumentFactory()
    data = meeting_input(
        desk_latam,
        participants=[
            ParticipantInput(side="home", raw_name="Kim Yoon-sang", is_head_of_delegation=True),
            ParticipantInput(
                side="counterpart", person=chile_finance["marcel"], is_head_of_delegation=True
            ),
        ],
        agenda_items=[AgendaItemInput(title="Lithium", topic=topic), AgendaItemInput(title="IT")],
        topics=[topic],
        minerals=[mineral],
        instruments=[instrument],
        commitments=[
            CommitmentInput(title="Send MoU draft", owner=alice, due_date=datetime.date(2025, 5, 1))
        ],
    )
    meeting = services.meeting_create(user=alice, data=data)

    assert meeting.participants.count() == 2
    assert list(meeting.agenda_items.values_list("order", "title")) == [(1, "Lithium"), (2, "IT")]
    assert list(meeting.topics.all()) == [topic]
    assert list(meeting.minerals.all()) == [mineral]
    assert list(meeting.instruments.all()) == [instrument]
    commitment = meeting.commitments.get()
    assert (commitment.owner, commitment.desk) == (alice, desk_latam)
    assert meeting.version == 1 and meeting.created_by == alice


def test_a_bad_participant_rolls_everything_back_and_names_the_path(alice, desk_latam):
    data = meeting_input(
        desk_latam,
        participants=[
            ParticipantInput(side="home", raw_name="Kim Yoon-sang"),
            ParticipantInput(side="counterpart", raw_name="Mario Marcel"),
            ParticipantInput(side="counterpart"),  # neither person nor name
        ],
        agenda_items=[AgendaItemInput(title="Lithium")],
    )
    with pytest.raises(ValidationError) as caught:
        services.meeting_create(user=alice, data=data)

    assert list(caught.value.message_dict) == ["participants[2].person"]
    assert Meeting.objects.count() == 0
    assert Participant.objects.count() == 0
    assert AgendaItem.objects.count() == 0


def test_a_bad_side_is_reported_by_path(alice, desk_latam):
    data = meeting_input(
        desk_latam, participants=[ParticipantInput(side="guest", raw_name="Somebody")]
    )
    with pytest.raises(ValidationError) as caught:
        services.meeting_create(user=alice, data=data)
    assert "participants[0].side" in caught.value.message_dict


def test_two_heads_of_one_side_are_rejected(alice, desk_latam):
    data = meeting_input(
        desk_latam,
        participants=[
            ParticipantInput(side="home", raw_name="A", is_head_of_delegation=True),
            ParticipantInput(side="home", raw_name="B", is_head_of_delegation=True),
        ],
    )
    with pytest.raises(ValidationError) as caught:
        services.meeting_create(user=alice, data=data)
    assert "participants[1].is_head_of_delegation" in caught.value.message_dict
    assert not Meeting.objects.exists()


def test_an_unknown_time_zone_is_rejected(alice, desk_latam):
    with pytest.raises(ValidationError) as caught:
        services.meeting_create(user=alice, data=meeting_input(desk_latam, time_zone="Mars/Base"))
    assert "time_zone" in caught.value.message_dict


def test_an_officer_cannot_log_for_another_desk(bob, desk_latam):
    with pytest.raises(services.PermissionDenied):
        services.meeting_create(user=bob, data=meeting_input(desk_latam))
    assert not Meeting.objects.exists()


def test_an_officer_cannot_classify_above_their_clearance(alice, desk_latam):
    data = meeting_input(desk_latam, classification=Classification.CONFIDENTIAL)
    with pytest.raises(ValidationError) as caught:
        services.meeting_create(user=alice, data=data)
    assert "classification" in caught.value.message_dict


def test_a_commitment_owner_must_be_able_to_see_the_meeting(alice, charlie, desk_latam):
    data = meeting_input(
        desk_latam, commitments=[CommitmentInput(title="Call back", owner=charlie)]
    )
    with pytest.raises(ValidationError) as caught:
        services.meeting_create(user=alice, data=data)
    assert "commitments[0].owner" in caught.value.message_dict
    assert not Meeting.objects.exists()


def test_update_with_a_stale_version_changes_nothing(alice, erin, desk_latam):
    meeting = services.meeting_create(user=alice, data=meeting_input(desk_latam))
    services.meeting_update(
        user=erin,
        meeting=meeting,
        expected_version=1,
        data=meeting_input(desk_latam, summary="First edit"),
    )
    stale = Meeting.objects.get(pk=meeting.pk)
    with pytest.raises(services.VersionConflict) as caught:
        services.meeting_update(
            user=alice,
            meeting=stale,
            expected_version=1,
            data=meeting_input(desk_latam, summary="Second edit"),
        )
    assert caught.value.current_version == 2
    meeting.refresh_from_db()
    assert (meeting.summary, meeting.version) == ("First edit", 2)


def test_update_replaces_participants_and_keeps_commitments(alice, desk_latam, chile_finance):
    meeting = services.meeting_create(
        user=alice,
        data=meeting_input(
            desk_latam,
            participants=[ParticipantInput(side="home", raw_name="Kim Yoon-sang")],
            commitments=[CommitmentInput(title="Send data", owner=alice)],
        ),
    )
    commitment = meeting.commitments.get()
    services.meeting_update(
        user=alice,
        meeting=meeting,
        expected_version=1,
        data=meeting_input(
            desk_latam,
            participants=[ParticipantInput(side="counterpart", person=chile_finance["marcel"])],
            commitments=[CommitmentInput(id=commitment.pk, title="Send data", status="done")],
        ),
    )
    meeting.refresh_from_db()
    assert [p.display_name for p in meeting.participants.all()] == ["Mario Marcel Cullell"]
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.DONE and commitment.completed_on is not None
    assert meeting.version == 2


def test_history_records_who_changed_the_meeting(alice, desk_latam):
    meeting = services.meeting_create(user=alice, data=meeting_input(desk_latam))
    services.meeting_update(
        user=alice, meeting=meeting, expected_version=1, data=meeting_input(desk_latam, summary="x")
    )
    entries = entries_of(meeting)
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].user == alice
    assert entries[1].changes == {
        "summary": {"before": "", "after": "x"},
        "version": {"before": 1, "after": 2},
    }


def test_commitment_status_done_sets_completion_date(alice, desk_latam):
    commitment = factories.CommitmentFactory(meeting=None, desk=desk_latam, owner=alice)
    services.commitment_set_status(user=alice, commitment=commitment, status="done", note="Sent")
    commitment.refresh_from_db()
    assert commitment.completed_on == datetime.date.today()
    assert commitment.completion_note == "Sent"
    assert selectors.commitment_is_visible_to(user=alice, commitment=commitment)


def test_commitment_status_rejects_unknown_values(alice, desk_latam):
    commitment = factories.CommitmentFactory(meeting=None, desk=desk_latam, owner=alice)
    with pytest.raises(ValidationError):
        services.commitment_set_status(user=alice, commitment=commitment, status="finished")


def test_delete_removes_the_record_and_checks_the_desk(alice, bob, erin, desk_latam):
    meeting = services.meeting_create(
        user=alice,
        data=meeting_input(
            desk_latam,
            participants=[ParticipantInput(side="home", raw_name="Kim Yoon-sang")],
            commitments=[CommitmentInput(title="Send data", owner=alice)],
        ),
    )
    with pytest.raises(services.PermissionDenied):
        services.meeting_delete(user=bob, meeting=meeting)
    # An officer of the desk changes its meetings; deleting one is its lead's
    # (accounts.policy.may_delete_meeting).
    with pytest.raises(services.PermissionDenied):
        services.meeting_delete(user=alice, meeting=meeting)
    with pytest.raises(services.VersionConflict):
        services.meeting_delete(user=erin, meeting=meeting, expected_version=7)
    services.meeting_delete(user=erin, meeting=meeting, expected_version=1)
    assert not Meeting.objects.exists()
    assert not Participant.objects.exists() and not Commitment.objects.exists()


# --- saving a meeting keeps the rows that did not change ----------------------------------


FIVE = ["Kim Yoon-sang", "Choi Sang-mok", "Mario Marcel", "Nicolás Grau", "Aurora Williams"]


def _five(desk, *, with_commitments=True, **overrides):
    """Five participants, agenda items and commitments; for an edit, without commitments
    (those not given are left as they are)."""
    return meeting_input(
        desk,
        participants=[
            ParticipantInput(side="home" if n < 2 else "counterpart", raw_name=name)
            for n, name in enumerate(FIVE)
        ],
        agenda_items=[AgendaItemInput(title=f"Item {n}") for n in range(1, 6)],
        commitments=[CommitmentInput(title=f"Follow-up {n}") for n in range(1, 6)]
        if with_commitments
        else [],
        **overrides,
    )


def test_editing_one_participant_of_five_keeps_the_other_rows_and_records_one_change(
    alice, desk_latam
):
    meeting = services.meeting_create(user=alice, data=_five(desk_latam))
    before = {p.raw_name: p.pk for p in meeting.participants.all()}
    data = _five(desk_latam, with_commitments=False)
    data.participants[3].post_label = "Minister of Finance"
    mark = last_entry_id()

    services.meeting_update(user=alice, meeting=meeting, expected_version=1, data=data)

    after = {p.raw_name: p.pk for p in meeting.participants.all()}
    assert after == before  # every row kept its id, the edited one too
    entries = entries_since(meeting, mark)
    assert set(entries) == {"participant", "meeting"}
    [changed] = entries["participant"]
    assert (changed.action, changed.object_id) == ("update", str(before["Nicolás Grau"]))
    assert changed.changes == {"post_label": {"before": "", "after": "Minister of Finance"}}
    # The meeting's own entry says only that the save moved it to version 2.
    [version] = entries["meeting"]
    assert version.changes == {"version": {"before": 1, "after": 2}}


def test_adding_and_removing_participants_touches_only_those(alice, desk_latam):
    meeting = services.meeting_create(user=alice, data=_five(desk_latam))
    before = {p.raw_name: p.pk for p in meeting.participants.all()}
    data = _five(desk_latam, with_commitments=False)
    data.participants = [p for p in data.participants if p.raw_name != "Choi Sang-mok"] + [
        ParticipantInput(side="observer", raw_name="Ilan Goldfajn")
    ]
    mark = last_entry_id()

    services.meeting_update(user=alice, meeting=meeting, expected_version=1, data=data)

    after = {p.raw_name: p.pk for p in meeting.participants.all()}
    assert set(after) == set(before) - {"Choi Sang-mok"} | {"Ilan Goldfajn"}
    assert all(after[name] == pk for name, pk in before.items() if name in after)
    actions = sorted(e.action for e in entries_since(meeting, mark)["participant"])
    assert actions == ["create", "delete"]


def test_a_person_keeps_their_row_when_the_head_of_delegation_moves(
    alice, desk_latam, chile_finance
):
    marcel, grau = chile_finance["marcel"], chile_finance["grau"]
    meeting = services.meeting_create(
        user=alice,
        data=meeting_input(
            desk_latam,
            participants=[
                ParticipantInput(side="counterpart", person=marcel, is_head_of_delegation=True),
                ParticipantInput(side="counterpart", person=grau),
            ],
        ),
    )
    ids = {p.person_id: p.pk for p in meeting.participants.all()}

    services.meeting_update(
        user=alice,
        meeting=meeting,
        expected_version=1,
        data=meeting_input(
            desk_latam,
            participants=[
                ParticipantInput(side="counterpart", person=grau, is_head_of_delegation=True),
                ParticipantInput(side="counterpart", person=marcel),
            ],
        ),
    )

    rows = {p.person_id: p for p in meeting.participants.all()}
    assert {pk: row.pk for pk, row in rows.items()} == ids
    assert rows[grau.pk].is_head_of_delegation and not rows[marcel.pk].is_head_of_delegation


def test_editing_one_agenda_item_of_five_keeps_the_others(alice, desk_latam):
    meeting = services.meeting_create(user=alice, data=_five(desk_latam))
    before = list(meeting.agenda_items.order_by("order").values_list("pk", flat=True))
    data = _five(desk_latam, with_commitments=False)
    data.agenda_items[2].outcome = "Agreed to share data"
    mark = last_entry_id()

    services.meeting_update(user=alice, meeting=meeting, expected_version=1, data=data)

    assert list(meeting.agenda_items.order_by("order").values_list("pk", flat=True)) == before
    [changed] = entries_since(meeting, mark)["agendaitem"]
    assert (changed.action, changed.object_id) == ("update", str(before[2]))
    assert changed.changes == {"outcome": {"before": "", "after": "Agreed to share data"}}


def test_reordering_the_agenda_moves_the_rows_it_names(alice, desk_latam):
    meeting = services.meeting_create(user=alice, data=_five(desk_latam))
    ids = {a.title: a.pk for a in meeting.agenda_items.all()}
    data = _five(desk_latam, with_commitments=False)
    data.agenda_items = [data.agenda_items[n] for n in (1, 0, 2, 3, 4)]
    mark = last_entry_id()

    services.meeting_update(user=alice, meeting=meeting, expected_version=1, data=data)

    rows = list(meeting.agenda_items.order_by("order"))
    assert [(a.title, a.pk) for a in rows] == [
        (title, ids[title]) for title in ("Item 2", "Item 1", "Item 3", "Item 4", "Item 5")
    ]
    moved = entries_since(meeting, mark)["agendaitem"]
    assert sorted((e.object_id, e.changes["order"]["after"]) for e in moved) == sorted(
        [(str(ids["Item 2"]), 1), (str(ids["Item 1"]), 2)]
    )
    assert all(set(e.changes) == {"order"} for e in moved)


def test_editing_one_commitment_of_five_saves_only_that_one(alice, desk_latam):
    meeting = services.meeting_create(user=alice, data=_five(desk_latam))
    commitments = list(meeting.commitments.order_by("id"))
    data = _five(desk_latam)
    data.commitments = [
        CommitmentInput(id=c.pk, title=c.title, status="done" if n == 1 else "open")
        for n, c in enumerate(commitments)
    ]
    mark = last_entry_id()

    services.meeting_update(user=alice, meeting=meeting, expected_version=1, data=data)

    assert list(meeting.commitments.order_by("id")) == commitments
    [changed] = entries_since(meeting, mark)["commitment"]
    assert changed.object_id == str(commitments[1].pk)
    assert set(changed.changes) == {"status", "completed_on"}
    assert changed.changes["status"] == {"before": "open", "after": "done"}


def test_saving_an_unchanged_meeting_records_only_the_new_version(alice, desk_latam):
    meeting = services.meeting_create(user=alice, data=_five(desk_latam))
    mark = last_entry_id()
    data = _five(desk_latam)
    data.commitments = [CommitmentInput(id=c.pk, title=c.title) for c in meeting.commitments.all()]

    services.meeting_update(user=alice, meeting=meeting, expected_version=1, data=data)

    entries = entries_since(meeting, mark)
    assert list(entries) == ["meeting"]
    assert entries["meeting"][0].changes == {"version": {"before": 1, "after": 2}}


def test_an_unknown_participant_id_is_reported_by_path(alice, desk_latam):
    meeting = services.meeting_create(user=alice, data=_five(desk_latam))
    data = _five(desk_latam, with_commitments=False)
    data.participants[0].id = 10**9
    with pytest.raises(ValidationError) as caught:
        services.meeting_update(user=alice, meeting=meeting, expected_version=1, data=data)
    assert "participants[0].id" in caught.value.message_dict
