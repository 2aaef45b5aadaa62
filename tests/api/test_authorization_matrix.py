"""The authorization matrix: each standing user against each endpoint and classification,
for reading and writing, and through search, filters and nested fields. A record a user
may not see answers 404 and appears nowhere; 403 only ever says "visible, not yours"."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Classification
from engagements import services
from engagements.models import Attachment
from tests import factories
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

LEVELS = list(Classification)
NAMES = {
    Classification.PUBLIC: "public",
    Classification.INTERNAL: "internal",
    Classification.RESTRICTED: "restricted",
    Classification.CONFIDENTIAL: "confidential",
}
PUBLIC, INTERNAL, RESTRICTED, CONFIDENTIAL = LEVELS
# Who sees a meeting of the Latin America desk, by classification (as in accounts.policy and
# tests/engagements/test_access_policy.py).
VISIBLE = {
    "alice": {PUBLIC, INTERNAL, RESTRICTED},
    "bob": {PUBLIC, INTERNAL},
    "charlie": {PUBLIC, INTERNAL},
    "dana": {PUBLIC, INTERNAL, RESTRICTED},
    "erin": {PUBLIC, INTERNAL, RESTRICTED, CONFIDENTIAL},
    "administrator": set(LEVELS),
    "admin_user": set(LEVELS),
}
# Who may change a visible record of the desk (role and desk), and who may delete one.
CHANGERS = {"alice", "erin", "administrator", "admin_user"}
DELETERS = {"erin", "administrator", "admin_user"}
USERS = sorted(VISIBLE)


@pytest.fixture
def records(users, desk_latam):
    """A meeting of the Latin America desk per classification, each with a participant
    (dana's person), a commitment, an attachment and an instrument tag."""
    person = factories.PersonFactory(slug="dana-person", user=users["dana"])
    instrument = factories.InstrumentFactory(slug="kpc")
    found = {}
    for level in LEVELS:
        word = f"secretword{NAMES[level]}"
        meeting = services.meeting_create(
            user=users["erin"],
            data=services.MeetingInput(
                title=f"Meeting {word}",
                start=timezone.now(),
                desk=desk_latam,
                classification=level,
                participants=[services.ParticipantInput(side="counterpart", person=person)],
                commitments=[
                    services.CommitmentInput(title=f"Follow-up {word}", instrument=instrument)
                ],
                instruments=[instrument],
            ),
        )
        attachment = services.attachment_add(
            user=users["erin"],
            meeting=meeting,
            upload=SimpleUploadedFile(f"{word}.txt", b"minutes", content_type="text/plain"),
        )
        found[level] = {
            "meeting": meeting,
            "commitment": meeting.commitments.get(),
            "participant": meeting.participants.get(),
            "attachment": attachment,
            "word": word,
        }
    return {"levels": found, "person": person, "instrument": instrument}


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("level", LEVELS, ids=NAMES.get)
@pytest.mark.parametrize("resource", ["meetings", "commitments", "participants", "attachments"])
def test_reading(client_for, records, username, level, resource):
    client = client_for(username)
    visible = level in VISIBLE[username]
    record = records["levels"][level][resource.removesuffix("s")]

    detail = client.get(f"/api/v1/{resource}/{record.pk}/")
    assert detail.status_code == (200 if visible else 404)
    if not visible:
        assert detail["Content-Type"] == "application/problem+json"
    assert (record.pk in _ids(client.get(f"/api/v1/{resource}/"))) is visible


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("level", LEVELS, ids=NAMES.get)
def test_search_filters_and_nested_fields_reveal_nothing_hidden(
    client_for, records, username, level
):
    client = client_for(username)
    visible = level in VISIBLE[username]
    found = records["levels"][level]
    meeting = found["meeting"]

    assert (meeting.pk in _ids(client.get("/api/v1/meetings/", {"q": found["word"]}))) is visible
    for query in (
        {"person": "dana-person"},
        {"instrument": "kpc"},
        {"classification": NAMES[level]},
    ):
        assert (meeting.pk in _ids(client.get("/api/v1/meetings/", query))) is visible
    by_meeting = {"meeting": meeting.pk}
    assert bool(_ids(client.get("/api/v1/participants/", by_meeting))) is visible
    assert bool(_ids(client.get("/api/v1/commitments/", by_meeting))) is visible
    assert bool(_ids(client.get("/api/v1/attachments/", by_meeting))) is visible
    assert bool(_ids(client.get("/api/v1/people/", by_meeting))) is visible

    person = client.get(f"/api/v1/people/{records['person'].pk}/").json()
    assert (meeting.pk in {p["meeting"] for p in person["participations"]}) is visible
    instrument = client.get(f"/api/v1/instruments/{records['instrument'].pk}/").json()
    commitment = found["commitment"].pk
    assert (commitment in {c["id"] for c in instrument["commitments"]}) is visible
    listed = client.get("/api/v1/instruments/").json()["results"]
    assert (commitment in {c["id"] for c in listed[0]["commitments"]}) is visible


def _expected_write(username: str, level: Classification, allowed: set[str], ok: int) -> int:
    if level not in VISIBLE[username]:
        return 404
    return ok if username in allowed else 403


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("level", LEVELS, ids=NAMES.get)
def test_writing(client_for, records, username, level):
    client = client_for(username)
    found = records["levels"][level]
    meeting, commitment = found["meeting"], found["commitment"]

    response = client.patch(f"/api/v1/meetings/{meeting.pk}/", {"title": "Changed"}, format="json")
    assert response.status_code == _expected_write(username, level, CHANGERS, 200)
    response = client.patch(
        f"/api/v1/commitments/{commitment.pk}/", {"title": "Changed"}, format="json"
    )
    assert response.status_code == _expected_write(username, level, CHANGERS, 200)
    response = client.delete(f"/api/v1/attachments/{found['attachment'].pk}/")
    assert response.status_code == _expected_write(username, level, DELETERS, 204)
    assert Attachment.objects.filter(pk=found["attachment"].pk).exists() is (
        response.status_code != 204
    )
    response = client.delete(f"/api/v1/meetings/{meeting.pk}/")
    assert response.status_code == _expected_write(username, level, DELETERS, 204)


# Reference records: read by every role, curated by leads and administrators.
CURATORS = {
    "countries": {"administrator", "admin_user"},
    "organizations": {"erin", "administrator", "admin_user"},
    "people": {"erin", "administrator", "admin_user"},
    "posts": {"erin", "administrator", "admin_user"},
    "tenures": {"erin", "administrator", "admin_user"},
    "events": {"erin", "administrator", "admin_user"},
    "topics": {"erin", "administrator", "admin_user"},
    "instruments": {"erin", "administrator", "admin_user"},
    "minerals": {"administrator", "admin_user"},
    "data-sources": {"administrator", "admin_user"},
    "mineral-statistics": {"administrator", "admin_user"},
    "desks": {"administrator", "admin_user"},
    "meetings": {"alice", "bob", "erin", "administrator", "admin_user"},
    "commitments": {"alice", "bob", "erin", "administrator", "admin_user"},
    "attachments": {"alice", "bob", "erin", "administrator", "admin_user"},
}


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("resource", sorted(CURATORS))
def test_roles_for_each_collection(client_for, users, username, resource):
    client = client_for(username)
    assert client.get(f"/api/v1/{resource}/").status_code == 200
    # An empty body: 400 says the role may create here (validation came next), 403 not.
    body_format = "multipart" if resource == "attachments" else "json"
    response = client.post(f"/api/v1/{resource}/", {}, format=body_format)
    assert response.status_code == (400 if username in CURATORS[resource] else 403)
    assert response["Content-Type"] == "application/problem+json"


def test_a_user_without_a_role_reads_nothing(client_for, users):
    client = token_client(factories.UserFactory(username="nobody"))
    assert client.get("/api/v1/meetings/").status_code == 403
    assert client.get("/api/v1/me/").status_code == 200


def test_participants_are_read_only(client_for, records):
    participant = records["levels"][PUBLIC]["participant"]
    response = client_for("administrator").patch(
        f"/api/v1/participants/{participant.pk}/", {"side": "home"}, format="json"
    )
    assert response.status_code == 405
    assert response.json()["status"] == 405
