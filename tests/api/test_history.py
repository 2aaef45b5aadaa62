"""GET /api/v1/meetings/{id}/history/ and /api/v1/commitments/{id}/history/: the record's
audit trail as audit.selectors.entries_for gives it, through the API."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, Classification
from engagements import services
from engagements.services import CommitmentInput, MeetingInput, ParticipantInput
from tests import factories
from tests.audit.html_forms import form_data

pytestmark = pytest.mark.django_db

FIVE = ["Kim Yoon-sang", "Choi Sang-mok", "Mario Marcel", "Nicolás Grau", "Aurora Williams"]


def _input(desk, **overrides):
    values = {
        "title": "Korea-Chile: critical minerals",
        "start": timezone.now().replace(microsecond=0),
        "time_zone": "America/Santiago",
        "desk": desk,
        "classification": Classification.RESTRICTED,
    }
    values.update(overrides)
    return MeetingInput(**values)


def _meeting(user, desk, **overrides):
    return services.meeting_create(user=user, data=_input(desk, **overrides))


def _rename(user, meeting, title, **overrides):
    meeting.refresh_from_db()
    return services.meeting_update(
        user=user,
        meeting=meeting,
        expected_version=meeting.version,
        data=_input(meeting.desk, title=title, **overrides),
    )


def _history(client, meeting, **params):
    response = client.get(f"/api/v1/meetings/{meeting.pk}/history/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_alice_reads_the_history_of_a_restricted_meeting_of_her_desk(client_for, users, desk_latam):
    meeting = _meeting(
        users["erin"],
        desk_latam,
        participants=[ParticipantInput(side="counterpart", raw_name="Mario Marcel")],
        commitments=[CommitmentInput(title="Share lithium data")],
    )
    _rename(
        users["erin"],
        meeting,
        "Renamed",
        participants=[ParticipantInput(side="counterpart", raw_name="Mario Marcel")],
    )

    body = _history(client_for("alice"), meeting)

    entries = body["results"]
    assert {"next", "previous", "results"} <= set(body)
    kinds = [(entry["action"], entry["record_type"]) for entry in entries]
    assert ("create", "meeting") in kinds
    assert ("create", "participant") in kinds and ("create", "commitment") in kinds
    newest = entries[0]
    assert (newest["action"], newest["record_type"]) == ("update", "meeting")
    assert newest["record_id"] == str(meeting.pk)
    assert "Renamed" in newest["record"]
    assert newest["changes"]["title"] == {
        "before": "Korea-Chile: critical minerals",
        "after": "Renamed",
    }
    assert newest["user"] == {"id": users["erin"].pk, "username": "erin"}
    # Newest first, as the selector orders them.
    stamps = [(entry["at"], entry["id"]) for entry in entries]
    assert stamps == sorted(stamps, reverse=True)
    written = datetime.datetime.fromisoformat(newest["at"].replace("Z", "+00:00"))
    assert written.utcoffset() is not None  # RFC 3339: with its offset


def test_bob_gets_404_on_a_restricted_meeting_of_another_desk(client_for, users, desk_latam):
    meeting = _meeting(users["erin"], desk_latam)

    response = client_for("bob").get(f"/api/v1/meetings/{meeting.pk}/history/")

    assert response.status_code == 404


def test_charlie_sees_an_internal_meeting_but_not_its_confidential_past(
    client_for, users, desk_latam
):
    erin = users["erin"]
    meeting = _meeting(erin, desk_latam, classification=Classification.CONFIDENTIAL)
    _rename(erin, meeting, "Lowered", classification=Classification.INTERNAL)

    charlie_sees = _history(client_for("charlie"), meeting)["results"]
    erin_sees = _history(client_for("erin"), meeting)["results"]

    assert ("create", "meeting") in {(e["action"], e["record_type"]) for e in erin_sees}
    assert "create" not in {entry["action"] for entry in charlie_sees}
    assert len(charlie_sees) < len(erin_sees)


def test_addresses_and_request_ids_are_for_administrators_only(client_for, users, desk_latam):
    meeting = _meeting(users["erin"], desk_latam)
    client_for("alice").patch(
        f"/api/v1/meetings/{meeting.pk}/",
        {"title": "Renamed through the API"},
        format="json",
        REMOTE_ADDR="192.0.2.44",
        HTTP_X_REQUEST_ID="api-call-1",
    )

    [latest, *_] = _history(client_for("administrator"), meeting)["results"]
    [seen_by_alice, *_] = _history(client_for("alice"), meeting)["results"]

    assert (latest["ip"], latest["request_id"]) == ("192.0.2.44", "api-call-1")
    assert "ip" not in seen_by_alice and "request_id" not in seen_by_alice
    assert seen_by_alice["id"] == latest["id"]


def test_web_and_api_edits_show_their_channels_and_the_token(client, client_for, users, desk_latam):
    meeting = _meeting(users["erin"], desk_latam)
    client.force_login(users["alice"])
    url = reverse("meeting_edit", args=[meeting.pk])
    data = form_data(client.get(url).content.decode(), containing="title")
    data["title"] = "Renamed on the web"
    assert client.post(url, data).status_code in (200, 302, 303)
    api = client_for("alice")
    response = api.patch(
        f"/api/v1/meetings/{meeting.pk}/", {"title": "Renamed through the API"}, format="json"
    )
    assert response.status_code == 200, response.content

    entries = _history(api, meeting)["results"]

    titled = {
        entry["changes"]["title"]["after"]: entry
        for entry in entries
        if "title" in entry["changes"]
    }
    web, through_api = titled["Renamed on the web"], titled["Renamed through the API"]
    assert web["channel"] == "web"
    token = ApiToken.objects.get(user=users["alice"])
    assert (through_api["channel"], through_api["label"]) == ("api", f"token {token.name}")
    assert web["user"]["username"] == through_api["user"]["username"] == "alice"


def test_an_edit_of_one_participant_of_five_shows_one_participant_entry(
    client_for, users, desk_latam
):
    erin = users["erin"]

    def five(edited=""):
        return [
            ParticipantInput(
                side="counterpart",
                raw_name=name,
                post_label=edited if name == "Nicolás Grau" else "",
            )
            for name in FIVE
        ]

    meeting = _meeting(erin, desk_latam, participants=five())
    client = client_for("alice")
    before = [e["id"] for e in _history(client, meeting)["results"]]
    _rename(erin, meeting, meeting.title, participants=five("Minister of Finance"))

    new = [e for e in _history(client, meeting)["results"] if e["id"] not in before]

    participants = [e for e in new if e["record_type"] == "participant"]
    assert len(participants) == 1
    [edited] = participants
    assert edited["action"] == "update"
    assert edited["record_id"] == str(meeting.participants.get(raw_name="Nicolás Grau").pk)
    assert edited["changes"] == {"post_label": {"before": "", "after": "Minister of Finance"}}


def test_pages_follow_the_cursor_without_repeating_an_entry(client_for, users, desk_latam):
    meeting = _meeting(users["erin"], desk_latam)
    for n in range(4):
        _rename(users["erin"], meeting, f"Title {n}")
    client = client_for("alice")

    first = _history(client, meeting, page_size=2)
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    ids = [e["id"] for page in (first, second, third) for e in page["results"]]
    assert len(ids) == 5 == len(set(ids))
    assert third["next"] is None


def test_tags_show_the_names_added_and_removed(client_for, users, desk_latam):
    lithium = factories.TopicFactory(name="Lithium supply")
    meeting = _meeting(users["erin"], desk_latam)
    _rename(users["erin"], meeting, meeting.title, topics=[lithium])

    entries = _history(client_for("alice"), meeting)["results"]

    [tagged] = [e for e in entries if "topics" in e["changes"]]
    assert tagged["changes"]["topics"]["added"] == ["Lithium supply"]


def test_a_commitment_has_its_own_history(client_for, users, desk_latam):
    meeting = _meeting(
        users["erin"], desk_latam, commitments=[CommitmentInput(title="Share lithium data")]
    )
    commitment = meeting.commitments.get()
    url = f"/api/v1/commitments/{commitment.pk}/history/"

    response = client_for("alice").get(url)

    assert response.status_code == 200, response.content
    [created] = response.json()["results"]
    assert (created["action"], created["record_type"]) == ("create", "commitment")
    assert created["changes"]["title"]["after"] == "Share lithium data"
    assert client_for("bob").get(url).status_code == 404


# Token, the role's permissions, administrator?, the meeting, may-read (took part, desk),
# the page of entries: the same for one entry as for thirty.
HISTORY_QUERIES = 8


def test_the_query_count_does_not_grow_with_the_entries(
    client_for, users, desk_latam, django_assert_max_num_queries
):
    client = client_for("alice")
    meeting = _meeting(users["erin"], desk_latam)
    _history(client, factories.MeetingFactory(desk=desk_latam))  # the token's first use

    with django_assert_max_num_queries(HISTORY_QUERIES) as at_one:
        assert len(_history(client, meeting, page_size=50)["results"]) == 1
    for n in range(29):
        _rename(users["erin"], meeting, f"Title {n}")
    with django_assert_max_num_queries(HISTORY_QUERIES) as at_thirty:
        assert len(_history(client, meeting, page_size=50)["results"]) == 30

    assert len(at_thirty.captured_queries) == len(at_one.captured_queries)
