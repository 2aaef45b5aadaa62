"""Surface parity: a meeting or a commitment created, changed or deleted through any face
(web pages, API, admin form, admin inline, admin delete page, admin bulk action) leaves the
same webhook deliveries, the same notifications to watchers and owners, and the same audit
entries, recorded with the face's channel.

A face is one small function `face(world, target) -> None` doing the change as a user
would; FACES maps each change to its faces. Each face runs on its own fresh record; what
the change wrote (the rows added after it started) is summed up by `effects` and compared
with what the API's change wrote.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, Classification, DeskMembership
from accounts.tokens import api_token_create
from audit.models import AuditEntry
from engagements import services
from engagements.models import Commitment, Meeting
from notifications import services as notifications
from notifications.models import Notification
from tests import factories
from webhooks import services as webhooks
from webhooks.models import EventType, WebhookDelivery

SANTIAGO = ZoneInfo("America/Santiago")
START = datetime.datetime(2025, 3, 28, 10, 0, tzinfo=SANTIAGO)
INTERNAL = Classification.INTERNAL
API = "/api/v1"


@dataclass
class World:
    actor: Any  # makes every change: a superuser, whom no face refuses
    dana: Any  # owner of the commitments
    charlie: Any  # their new owner
    watcher: Any  # watches the meeting's topic
    desk: Any
    topic: Any
    web: Any  # Django test client signed in as the actor
    api: APIClient  # with a read-write token of the actor's


@pytest.fixture
def world(client, desk_latam, admin_user, dana, charlie, administrator):
    topic = factories.TopicFactory(name="Lithium supply")
    watcher = factories.UserFactory(username="watcher")
    notifications.watch_add(user=watcher, target=topic)
    webhooks.endpoint_create(
        name="Ministry system",
        url="https://hooks.example.org/in",
        owner=administrator,
        event_types=EventType.values,
    )
    client.force_login(admin_user)
    return World(admin_user, dana, charlie, watcher, desk_latam, topic, client, _api(admin_user))


def _api(user: Any) -> APIClient:
    _token, raw = api_token_create(user=user, name="parity", scope=ApiToken.Scope.READ_WRITE)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def a_meeting(world: World, *, commitment: bool = False) -> Meeting:
    return services.meeting_create(
        user=world.actor,
        data=services.MeetingInput(
            title="Lithium talk",
            start=START,
            time_zone="America/Santiago",
            desk=world.desk,
            classification=INTERNAL,
            topics=[world.topic],
            commitments=[services.CommitmentInput(title="Send the data", owner=world.dana)]
            if commitment
            else [],
        ),
    )


def the_commitment(world: World) -> Commitment:
    return a_meeting(world, commitment=True).commitments.get()


# What a change wrote


def effects(since: dict[str, int], *, about: str) -> dict[str, Any]:
    """The deliveries, notifications and audit entries written after `since`, about
    meetings or commitments; with the audit entries' channels apart."""
    deliveries = WebhookDelivery.objects.filter(pk__gt=since["delivery"])
    sent = Notification.objects.filter(pk__gt=since["notification"])
    entries = AuditEntry.objects.filter(pk__gt=since["entry"]).select_related("content_type")
    if about == "meeting":
        deliveries = deliveries.filter(event_type__startswith="meeting.")
        sent = sent.filter(commitment__isnull=True)
        entries = entries.exclude(content_type__model="commitment")
    else:
        deliveries = deliveries.filter(event_type__startswith="commitment.")
        sent = sent.filter(commitment__isnull=False)
        entries = entries.filter(content_type__model="commitment")
    return {
        "deliveries": Counter(deliveries.values_list("event_type", "endpoint__name")),
        "notifications": Counter(sent.values_list("recipient__username", "kind")),
        "audit": Counter(
            (e.content_type.model, e.action, tuple(sorted(e.changes))) for e in entries
        ),
        "channels": {entry.channel for entry in entries},
    }


def marker() -> dict[str, int]:
    def last(model: Any) -> int:
        return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    return {
        "delivery": last(WebhookDelivery),
        "notification": last(Notification),
        "entry": last(AuditEntry),
    }


# Web pages


def _web_meeting_data(world: World, meeting: Meeting | None = None, **changes: Any) -> dict:
    data = {
        "title": meeting.title if meeting else "Lithium talk",
        "start_date": "2025-03-28",
        "start_time": "10:00",
        "time_zone": "America/Santiago",
        "date_precision": "day",
        "kind": "bilateral",
        "status": "held",
        "desk": str(world.desk.pk),
        "classification": str(INTERNAL),
        "topics": [str(world.topic.pk)],
        "version": str(meeting.version) if meeting else "",
    }
    for prefix in ("participants", "agenda", "commitments"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    commitments = list(meeting.commitments.order_by("pk")) if meeting else []
    for index, commitment in enumerate(commitments):
        data.update(
            {
                f"commitments-{index}-id": str(commitment.pk),
                f"commitments-{index}-title": commitment.title,
                f"commitments-{index}-owed_by": commitment.owed_by,
                f"commitments-{index}-owner": str(commitment.owner_id or ""),
                f"commitments-{index}-status": commitment.status,
            }
        )
    data["commitments-TOTAL_FORMS"] = data["commitments-INITIAL_FORMS"] = str(len(commitments))
    data.update(changes)
    return data


def web_meeting_create(world: World, _: Any) -> None:
    response = world.web.post(reverse("meeting_create"), _web_meeting_data(world))
    assert response.status_code == 302, response.content


def web_meeting_update(world: World, meeting: Meeting) -> None:
    url = reverse("meeting_edit", args=[meeting.pk])
    response = world.web.post(url, _web_meeting_data(world, meeting, title="Renamed"))
    assert response.status_code == 302, response.content


def web_commitment_create(world: World, meeting: Meeting) -> None:
    data = _web_meeting_data(world, meeting)
    data.update(
        {
            "commitments-TOTAL_FORMS": "1",
            "commitments-0-title": "Send the data",
            "commitments-0-owed_by": "home",
            "commitments-0-owner": str(world.dana.pk),
            "commitments-0-status": "open",
        }
    )
    response = world.web.post(reverse("meeting_edit", args=[meeting.pk]), data)
    assert response.status_code == 302, response.content


def web_commitment_update(world: World, commitment: Commitment) -> None:
    data = _web_meeting_data(world, commitment.meeting, **{"commitments-0-owner": world.charlie.pk})
    response = world.web.post(reverse("meeting_edit", args=[commitment.meeting_id]), data)
    assert response.status_code == 302, response.content


# API


def api_meeting_create(world: World, _: Any) -> None:
    body = {
        "title": "Lithium talk",
        "start": "2025-03-28T10:00:00-03:00",
        "time_zone": "America/Santiago",
        "desk": world.desk.code,
        "classification": "internal",
        "topics": [world.topic.slug],
    }
    response = world.api.post(f"{API}/meetings/", body, format="json")
    assert response.status_code == 201, response.json()


def api_meeting_update(world: World, meeting: Meeting) -> None:
    url = f"{API}/meetings/{meeting.pk}/"
    etag = world.api.get(url)["ETag"]
    response = world.api.patch(url, {"title": "Renamed"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()


def api_meeting_delete(world: World, meeting: Meeting) -> None:
    assert world.api.delete(f"{API}/meetings/{meeting.pk}/").status_code == 204


def api_commitment_create(world: World, meeting: Meeting) -> None:
    body = {"meeting": meeting.pk, "title": "Send the data", "owner": world.dana.username}
    response = world.api.post(f"{API}/commitments/", body, format="json")
    assert response.status_code == 201, response.json()


def api_commitment_update(world: World, commitment: Commitment) -> None:
    url = f"{API}/commitments/{commitment.pk}/"
    response = world.api.patch(url, {"owner": world.charlie.username}, format="json")
    assert response.status_code == 200, response.json()


def api_commitment_delete(world: World, commitment: Commitment) -> None:
    assert world.api.delete(f"{API}/commitments/{commitment.pk}/").status_code == 204


# Admin


def _admin_url(model: Any, view: str, *args: Any) -> str:
    return reverse(f"admin:engagements_{model._meta.model_name}_{view}", args=args)


def _admin_meeting_data(world: World, meeting: Meeting | None = None, **changes: Any) -> dict:
    start = timezone.localtime(meeting.start if meeting else START)
    data: dict[str, Any] = {
        "title": meeting.title if meeting else "Lithium talk",
        "kind": "bilateral",
        "status": "held",
        "desk": world.desk.pk,
        "classification": INTERNAL,
        "start_0": start.date().isoformat(),
        "start_1": start.time().isoformat(),
        "time_zone": "America/Santiago",
        "date_precision": "day",
        "topics": [world.topic.pk],
        "expected_version": meeting.version if meeting else "",
    }
    for prefix in ("participants", "agenda_items", "commitments"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    commitments = list(meeting.commitments.order_by("pk")) if meeting else []
    for index, commitment in enumerate(commitments):
        data.update(
            {
                f"commitments-{index}-id": commitment.pk,
                f"commitments-{index}-meeting": meeting.pk if meeting else "",
                f"commitments-{index}-title": commitment.title,
                f"commitments-{index}-owed_by": commitment.owed_by,
                f"commitments-{index}-owner": commitment.owner_id or "",
                f"commitments-{index}-desk": commitment.desk_id,
                f"commitments-{index}-status": commitment.status,
            }
        )
    data["commitments-TOTAL_FORMS"] = data["commitments-INITIAL_FORMS"] = len(commitments)
    data.update(changes)
    return data


def _admin_post(world: World, url: str, data: dict) -> None:
    response = world.web.post(url, data)
    errors = response.context and response.context.get("errors")
    assert response.status_code == 302, errors or response.content[:500]


def admin_meeting_create(world: World, _: Any) -> None:
    _admin_post(world, _admin_url(Meeting, "add"), _admin_meeting_data(world))


def admin_meeting_update(world: World, meeting: Meeting) -> None:
    url = _admin_url(Meeting, "change", meeting.pk)
    _admin_post(world, url, _admin_meeting_data(world, meeting, title="Renamed"))


def admin_meeting_delete(world: World, meeting: Meeting) -> None:
    _admin_post(world, _admin_url(Meeting, "delete", meeting.pk), {"post": "yes"})


def _bulk_delete(world: World, model: Any, pk: int) -> None:
    data = {"action": "delete_selected", "_selected_action": [pk], "post": "yes"}
    _admin_post(world, _admin_url(model, "changelist"), data)


def admin_bulk_meeting_delete(world: World, meeting: Meeting) -> None:
    _bulk_delete(world, Meeting, meeting.pk)


def admin_commitment_create(world: World, meeting: Meeting) -> None:
    data = {
        "meeting": meeting.pk,
        "title": "Send the data",
        "owed_by": "home",
        "owner": world.dana.pk,
        "status": "open",
    }
    _admin_post(world, _admin_url(Commitment, "add"), data)


def admin_inline_commitment_create(world: World, meeting: Meeting) -> None:
    data = _admin_meeting_data(world, meeting)
    data.update(
        {
            "commitments-TOTAL_FORMS": 1,
            "commitments-0-title": "Send the data",
            "commitments-0-owed_by": "home",
            "commitments-0-owner": world.dana.pk,
            "commitments-0-status": "open",
        }
    )
    _admin_post(world, _admin_url(Meeting, "change", meeting.pk), data)


def admin_commitment_update(world: World, commitment: Commitment) -> None:
    data = {
        "title": commitment.title,
        "description": commitment.description,
        "owed_by": commitment.owed_by,
        "owner": world.charlie.pk,
        "status": commitment.status,
    }
    _admin_post(world, _admin_url(Commitment, "change", commitment.pk), data)


def admin_inline_commitment_update(world: World, commitment: Commitment) -> None:
    meeting = commitment.meeting
    assert meeting is not None
    data = _admin_meeting_data(world, meeting, **{"commitments-0-owner": world.charlie.pk})
    _admin_post(world, _admin_url(Meeting, "change", meeting.pk), data)


def admin_commitment_delete(world: World, commitment: Commitment) -> None:
    _admin_post(world, _admin_url(Commitment, "delete", commitment.pk), {"post": "yes"})


def admin_inline_commitment_delete(world: World, commitment: Commitment) -> None:
    meeting = commitment.meeting
    assert meeting is not None
    data = _admin_meeting_data(world, meeting, **{"commitments-0-DELETE": "on"})
    _admin_post(world, _admin_url(Meeting, "change", meeting.pk), data)


def admin_bulk_commitment_delete(world: World, commitment: Commitment) -> None:
    _bulk_delete(world, Commitment, commitment.pk)


# The changes and their faces. The first face of each is the reference: the API.

Face = Callable[[World, Any], None]
WEB, API_, ADMIN, ACTION = "web", "api", "admin", "admin_action"


@dataclass
class Change:
    about: str  # "meeting" or "commitment"
    target: Callable[[World], Any]  # the record the change starts from
    faces: dict[str, tuple[Face, str]]  # name: (face, the audit channel it records)


def _nothing(world: World) -> None:
    return None


CHANGES = {
    "meeting_create": Change(
        "meeting",
        _nothing,
        {
            "api": (api_meeting_create, API_),
            "web": (web_meeting_create, WEB),
            "admin_form": (admin_meeting_create, ADMIN),
        },
    ),
    "meeting_update": Change(
        "meeting",
        a_meeting,
        {
            "api": (api_meeting_update, API_),
            "web": (web_meeting_update, WEB),
            "admin_form": (admin_meeting_update, ADMIN),
        },
    ),
    "meeting_delete": Change(
        "meeting",
        a_meeting,
        {
            "api": (api_meeting_delete, API_),
            "admin_delete": (admin_meeting_delete, ADMIN),
            "admin_bulk": (admin_bulk_meeting_delete, ACTION),
        },
    ),
    "commitment_create": Change(
        "commitment",
        a_meeting,
        {
            "api": (api_commitment_create, API_),
            "web": (web_commitment_create, WEB),
            "admin_form": (admin_commitment_create, ADMIN),
            "admin_inline": (admin_inline_commitment_create, ADMIN),
        },
    ),
    "commitment_update": Change(
        "commitment",
        the_commitment,
        {
            "api": (api_commitment_update, API_),
            "web": (web_commitment_update, WEB),
            "admin_form": (admin_commitment_update, ADMIN),
            "admin_inline": (admin_inline_commitment_update, ADMIN),
        },
    ),
    "commitment_delete": Change(
        "commitment",
        the_commitment,
        {
            "api": (api_commitment_delete, API_),
            "admin_delete": (admin_commitment_delete, ADMIN),
            "admin_inline": (admin_inline_commitment_delete, ADMIN),
            "admin_bulk": (admin_bulk_commitment_delete, ACTION),
        },
    ),
}
CASES = [
    pytest.param(change, face, id=f"{change}-{face}")
    for change, spec in CHANGES.items()
    for face in spec.faces
    if face != "api"
]


def _run(world: World, change: Change, face: str) -> dict[str, Any]:
    target = change.target(world)
    since = marker()
    run, _channel = change.faces[face]
    run(world, target)
    return effects(since, about=change.about)


@pytest.mark.parametrize(("name", "face"), CASES)
def test_every_face_leaves_what_the_api_leaves(world, name, face):
    change = CHANGES[name]
    expected = _run(world, change, "api")
    found = _run(world, change, face)

    assert expected["audit"], "the API's change must leave audit entries"
    assert found["deliveries"] == expected["deliveries"]
    assert found["notifications"] == expected["notifications"]
    assert found["audit"] == expected["audit"]
    assert found["channels"] == {change.faces[face][1]}
    assert expected["channels"] == {API_}


def test_the_api_reference_itself_notifies_and_fires(world):
    """The reference is not empty: what the other faces must match says something."""
    created = _run(world, CHANGES["meeting_create"], "api")
    deleted = _run(world, CHANGES["meeting_delete"], "api")
    reassigned = _run(world, CHANGES["commitment_update"], "api")

    assert created["notifications"] == Counter({("watcher", "meeting_logged"): 1})
    assert created["deliveries"] == Counter({("meeting.created", "Ministry system"): 1})
    assert deleted["deliveries"] == Counter({("meeting.deleted", "Ministry system"): 1})
    assert ("charlie", "commitment_assigned") in reassigned["notifications"]


def test_a_desk_lead_deletes_in_the_admin_as_through_the_api(world, alice):
    """Not only superusers: the lead of a desk, with the admin's permissions, deletes a
    meeting of their desk (its outbox rows go with it) and the webhook fires, one by one or
    in bulk. Deleting a meeting is the leads' (accounts.policy.may_delete_meeting), so
    alice is made the lead of her desk here."""
    alice.is_staff = True
    alice.save()
    alice.user_permissions.add(*Permission.objects.filter(content_type__app_label="engagements"))
    alice.desk_memberships.update(role=DeskMembership.DeskRole.LEAD)
    world.web.force_login(alice)
    world.actor, world.api = alice, _api(alice)
    change = CHANGES["meeting_delete"]

    expected = _run(world, change, "api")
    for face in ("admin_delete", "admin_bulk"):
        assert _run(world, change, face)["deliveries"] == expected["deliveries"]
    assert expected["deliveries"] == Counter({("meeting.deleted", "Ministry system"): 1})
