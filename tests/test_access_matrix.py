"""The access matrix: every standing user x every classification, through every face's
write and read paths, held to the one policy (accounts.policy).

Each face is a small function that tries one change (or one read) and says what happened:
"done", "refused" (403, or a form or service error) or "hidden" (404: the record is not
there for this user). What should happen comes from the policy alone, so the faces cannot
drift apart. The admin and the importer are rows of FACES like the pages and the API
(every standing user is staff here, so that the admin's own answer is the one tested).
The data is built once for the module, in a transaction rolled back after it; each test
runs in a savepoint inside it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import policy
from accounts.models import ApiToken, Classification, Desk, DeskMembership, User
from accounts.services import roles_sync
from accounts.tokens import api_token_create
from core.exceptions import PermissionDenied
from engagements import services
from engagements.models import Attachment, Meeting, Person
from imports import services as imports
from imports.models import ImportJob
from tests import factories
from tests.api.conftest import ROLES

pytestmark = pytest.mark.django_db

LEVELS = list(Classification)
PUBLIC, INTERNAL, RESTRICTED, CONFIDENTIAL = LEVELS
NAMES = {
    Classification.PUBLIC: "public",
    Classification.INTERNAL: "internal",
    Classification.RESTRICTED: "restricted",
    Classification.CONFIDENTIAL: "confidential",
}
USERS = ["alice", "bob", "charlie", "dana", "erin", "admin_user", "administrator"]
START = datetime.datetime(2025, 3, 28, 14, 0, tzinfo=datetime.UTC)
DONE, REFUSED, HIDDEN = "done", "refused", "hidden"


@dataclass
class World:
    latam: Desk
    users: dict[str, User]
    tokens: dict[str, str]
    person: Person  # dana's: she took part in every meeting
    meetings: dict[int, int] = field(default_factory=dict)  # level -> meeting id
    files: dict[tuple[int, str], int] = field(default_factory=dict)  # (level, uploader) -> id


def _standing_users(latam, asia):
    """The standing users of tests/conftest.py (same names, desks, desk roles and
    clearances), each with the role group tests/api/conftest.py gives them."""
    make = factories.UserFactory
    users = {
        "alice": make(username="alice", clearance=Classification.RESTRICTED),
        "bob": make(username="bob", clearance=Classification.RESTRICTED),
        "charlie": make(username="charlie", clearance=Classification.INTERNAL),
        "dana": make(username="dana", clearance=Classification.RESTRICTED),
        "erin": make(username="erin", clearance=Classification.CONFIDENTIAL),
        "admin_user": make(
            username="root", is_staff=True, is_superuser=True, clearance=Classification.PUBLIC
        ),
        "administrator": make(username="administrator", is_staff=True),
    }
    User.objects.filter(pk__in=[user.pk for user in users.values()]).update(is_staff=True)
    DeskMembership.objects.create(user=users["alice"], desk=latam)
    DeskMembership.objects.create(user=users["bob"], desk=asia)
    DeskMembership.objects.create(user=users["erin"], desk=latam, role=DeskMembership.DeskRole.LEAD)
    for name, role in ROLES.items():
        if role is not None:
            users[name].groups.add(Group.objects.get(name=role))
    return users


def _build():
    roles_sync()
    latam = factories.DeskFactory(code="latam", name="Latin America and the Caribbean")
    asia = factories.DeskFactory(code="asia", name="Asia and the Pacific")
    users = _standing_users(latam, asia)
    tokens = {
        name: api_token_create(user=user, name="matrix", scope=ApiToken.Scope.READ_WRITE)[1]
        for name, user in users.items()
    }
    person = factories.PersonFactory(
        slug="dana-person", user=users["dana"], email="dana@example.org", phone="+56 2 1234"
    )
    world = World(latam=latam, users=users, tokens=tokens, person=person)
    # The names the importer's row refers to.
    factories.PersonFactory(name="Kim Yoon-sang", slug="kim-yoon-sang")
    factories.OrganizationFactory(name="Bank of England", abbreviation="BoE", country=None)
    for level in LEVELS:
        meeting = services.meeting_create(
            user=users["erin"],
            data=services.MeetingInput(
                title=f"Meeting word{NAMES[level]}",
                start=START,
                desk=latam,
                classification=level,
                participants=[services.ParticipantInput(side="counterpart", person=person)],
            ),
        )
        world.meetings[level] = meeting.pk
        for uploader in ("erin", "alice"):
            if policy.can_write(users[uploader], desk_id=latam.pk, classification=level):
                attachment = services.attachment_add(
                    user=users[uploader],
                    meeting=meeting,
                    upload=SimpleUploadedFile("minutes.txt", b"minutes", "text/plain"),
                )
                world.files[(level, uploader)] = attachment.pk
    return world


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[World]:
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        yield _build()
        transaction.set_rollback(True)


@dataclass
class Case:
    """One standing user trying one face on one classification."""

    world: World
    username: str
    level: Classification

    @property
    def user(self) -> User:
        return self.world.users[self.username]

    def meeting(self) -> Meeting:
        # Fresh from the database: a face's service call changes the instance it is given.
        return Meeting.objects.select_related("desk").get(pk=self.world.meetings[self.level])

    def web(self) -> Client:
        client = Client()
        client.force_login(self.user)
        return client

    def api(self) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.world.tokens[self.username]}")
        return client

    def took_part(self) -> bool:
        return self.world.person.user_id == self.user.pk

    def can_read(self) -> bool:
        return policy.can_read(
            self.user,
            classification=self.level,
            desk_id=self.world.latam.pk,
            took_part=self.took_part(),
        )

    def can_write(self) -> bool:
        return policy.can_write(self.user, desk_id=self.world.latam.pk, classification=self.level)


def _web_outcome(status: int, *, done: bool) -> str:
    if done:
        assert status == 302, status
        return DONE
    assert status in (400, 403, 404), status
    return HIDDEN if status == 404 else REFUSED


def _api_outcome(status: int, *, done: bool, ok: int) -> str:
    if done:
        assert status == ok, status
        return DONE
    assert status in (400, 403, 404), status
    return HIDDEN if status == 404 else REFUSED


def _service_outcome(write: Callable[[], Any]) -> str:
    try:
        with transaction.atomic():
            write()
    except (PermissionDenied, ValidationError):
        return REFUSED
    return DONE


# --- write faces ------------------------------------------------------------------------


def service_create(case: Case) -> str:
    data = services.MeetingInput(
        title="Logged by the service", start=START, desk=case.world.latam, classification=case.level
    )
    return _service_outcome(lambda: services.meeting_create(user=case.user, data=data))


def service_update(case: Case) -> str:
    meeting = case.meeting()
    data = services.MeetingInput(
        title="Changed by the service",
        start=meeting.start,
        desk=meeting.desk,
        classification=meeting.classification,
    )
    return _service_outcome(
        lambda: services.meeting_update(
            user=case.user, meeting=meeting, expected_version=meeting.version, data=data
        )
    )


def service_delete(case: Case) -> str:
    meeting = case.meeting()
    return _service_outcome(lambda: services.meeting_delete(user=case.user, meeting=meeting))


def _form(case: Case, *, title: str, version: str = "") -> dict[str, str]:
    data = {
        "title": title,
        "start_date": "2025-03-28",
        "start_time": "10:00",
        "time_zone": "America/Santiago",
        "date_precision": "day",
        "kind": "bilateral",
        "status": "held",
        "desk": str(case.world.latam.pk),
        "classification": str(int(case.level)),
        "version": version,
    }
    for prefix in ("participants", "agenda", "commitments"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return data


def web_create(case: Case) -> str:
    title = "Logged on the web"
    response = case.web().post(reverse("meeting_create"), _form(case, title=title))
    done = Meeting.objects.filter(title=title).exists()
    return _web_outcome(response.status_code, done=done)


def web_edit(case: Case) -> str:
    meeting = case.meeting()
    title = "Changed on the web"
    data = _form(case, title=title, version=str(meeting.version))
    response = case.web().post(reverse("meeting_edit", args=[meeting.pk]), data)
    return _web_outcome(response.status_code, done=case.meeting().title == title)


def api_create(case: Case) -> str:
    title = "Logged through the API"
    payload = {
        "title": title,
        "start": START.isoformat(),
        "desk": "latam",
        "classification": NAMES[case.level],
    }
    response = case.api().post("/api/v1/meetings/", payload, format="json")
    done = Meeting.objects.filter(title=title).exists()
    return _api_outcome(response.status_code, done=done, ok=201)


def api_update(case: Case) -> str:
    meeting = case.meeting()
    title = "Changed through the API"
    response = case.api().patch(f"/api/v1/meetings/{meeting.pk}/", {"title": title}, format="json")
    return _api_outcome(response.status_code, done=case.meeting().title == title, ok=200)


def api_delete(case: Case) -> str:
    meeting = case.meeting()
    response = case.api().delete(f"/api/v1/meetings/{meeting.pk}/")
    done = not Meeting.objects.filter(pk=meeting.pk).exists()
    return _api_outcome(response.status_code, done=done, ok=204)


def _admin_url(view: str, *args: Any) -> str:
    return reverse(f"admin:engagements_meeting_{view}", args=args)


def _admin_outcome(response: Any, *, done: bool) -> str:
    if done:
        assert response.status_code == 302, response.status_code
        return DONE
    if response.status_code == 302:
        # The admin's answer to a record not among those the user may see.
        assert response["Location"] == reverse("admin:index"), response["Location"]
        return HIDDEN
    assert response.status_code in (200, 403), response.status_code
    if response.status_code == 200:
        assert response.context["errors"], "a page shown again without errors"
    return REFUSED


def _admin_form(case: Case, *, title: str, version: int | str = "") -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": title,
        "kind": "bilateral",
        "status": "held",
        "desk": case.world.latam.pk,
        "classification": int(case.level),
        "start_0": "2025-03-28",
        "start_1": "10:00:00",
        "time_zone": "America/Santiago",
        "date_precision": "day",
        "expected_version": version,
    }
    for prefix in ("participants", "agenda_items", "commitments"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return data


def admin_add(case: Case) -> str:
    title = "Logged in the admin"
    response = case.web().post(_admin_url("add"), _admin_form(case, title=title))
    return _admin_outcome(response, done=Meeting.objects.filter(title=title).exists())


def admin_change(case: Case) -> str:
    meeting = case.meeting()
    title = "Changed in the admin"
    data = _admin_form(case, title=title, version=meeting.version)
    response = case.web().post(_admin_url("change", meeting.pk), data)
    return _admin_outcome(response, done=case.meeting().title == title)


def admin_delete(case: Case) -> str:
    pk = case.world.meetings[case.level]
    response = case.web().post(_admin_url("delete", pk), {"post": "yes"})
    return _admin_outcome(response, done=not Meeting.objects.filter(pk=pk).exists())


IMPORT_HEADERS = "Minister,Date of meeting,Name of Organisation or Individual,Protective marking"


def importer(case: Case) -> str:
    """One row, marked at the case's classification, imported for the Latin America desk
    through imports.services (upload, validate, write: the command's path)."""
    row = f"Kim Yoon-sang,13/07/2016,Bank of England,{NAMES[case.level]}"
    upload = SimpleUploadedFile("one.csv", f"{IMPORT_HEADERS}\n{row}\n".encode(), "text/csv")
    try:
        with transaction.atomic():
            job = imports.import_job_create(
                user=case.user,
                uploaded_file=upload,
                options={"desk": "latam", "period": "2016-Q3", "mode": "valid_rows"},
            )
    except (PermissionDenied, ValidationError, imports.ImportPermissionDenied):
        return REFUSED
    job = imports.import_job_run(job)
    assert job.status == ImportJob.Status.DONE, (job.status, job.error)
    counts = job.report["counts"]
    if counts["created"] == 1:
        meeting = Meeting.objects.get(external_source=job.external_source)
        assert meeting.classification == case.level
        return DONE
    assert counts["failed"] == 1, job.report
    (error,) = job.report["errors"]
    assert error["column"] in ("classification", "desk"), error
    return REFUSED


def _file(case: Case, uploader: str) -> int:
    return case.world.files[(case.level, uploader)]


def web_delete_file(uploader: str) -> Callable[[Case], str]:
    def face(case: Case) -> str:
        pk = _file(case, uploader)
        response = case.web().post(reverse("attachment_delete", args=[pk]))
        done = not Attachment.objects.filter(pk=pk).exists()
        return _web_outcome(response.status_code, done=done)

    return face


def api_delete_file(uploader: str) -> Callable[[Case], str]:
    def face(case: Case) -> str:
        pk = _file(case, uploader)
        response = case.api().delete(f"/api/v1/attachments/{pk}/")
        done = not Attachment.objects.filter(pk=pk).exists()
        return _api_outcome(response.status_code, done=done, ok=204)

    return face


# --- what the policy says ---------------------------------------------------------------


def may_write(case: Case) -> bool:
    return case.can_write()


def may_delete_meeting(case: Case) -> bool:
    return policy.may_delete_meeting(
        case.user, desk_id=case.world.latam.pk, classification=case.level
    )


def admin_offers_no_change(case: Case) -> bool:
    # The Django admin's own gate: the role's model permission (accounts.services).
    return not case.user.has_perm("engagements.change_meeting")


def admin_offers_no_delete(case: Case) -> bool:
    # MeetingAdmin.has_delete_permission before the record is known.
    return not policy.may_delete_desk_records(case.user)


def may_delete_file_of(uploader: str) -> Callable[[Case], bool]:
    def expected(case: Case) -> bool:
        attachment = Attachment.objects.get(pk=_file(case, uploader))
        return policy.may_delete_attachment(
            case.user,
            desk_id=case.world.latam.pk,
            classification=case.level,
            uploaded_by_id=attachment.uploaded_by_id,
        )

    return expected


@dataclass(frozen=True)
class Face:
    """`act` tries the change; `allowed` is the policy's answer. A face on an existing
    record (`hides`) answers 404 to whoever may not read it; the services refuse instead."""

    act: Callable[[Case], str]
    allowed: Callable[[Case], bool]
    hides: bool = True
    levels: tuple[Classification, ...] = tuple(LEVELS)
    # Users the face turns away before it looks any record up (the admin, for a user it
    # offers no such change at all): refused, whatever the record.
    turns_away: Callable[[Case], bool] | None = None


# Alice cannot write confidential meetings, so she has no file there.
ALICE_LEVELS = tuple(level for level in LEVELS if level != Classification.CONFIDENTIAL)
FACES = {
    "service create": Face(service_create, may_write, hides=False),
    "service update": Face(service_update, may_write, hides=False),
    "service delete": Face(service_delete, may_delete_meeting, hides=False),
    "web create": Face(web_create, may_write, hides=False),
    "web edit": Face(web_edit, may_write),
    "api create": Face(api_create, may_write, hides=False),
    "api update": Face(api_update, may_write),
    "api delete": Face(api_delete, may_delete_meeting),
    "admin add": Face(admin_add, may_write, hides=False),
    "admin change": Face(admin_change, may_write, turns_away=admin_offers_no_change),
    "admin delete": Face(admin_delete, may_delete_meeting, turns_away=admin_offers_no_delete),
    "importer": Face(importer, may_write, hides=False),
    "web delete erin's file": Face(web_delete_file("erin"), may_delete_file_of("erin")),
    "api delete erin's file": Face(api_delete_file("erin"), may_delete_file_of("erin")),
    "web delete alice's file": Face(
        web_delete_file("alice"), may_delete_file_of("alice"), levels=ALICE_LEVELS
    ),
    "api delete alice's file": Face(
        api_delete_file("alice"), may_delete_file_of("alice"), levels=ALICE_LEVELS
    ),
}


def _expected(face: Face, case: Case) -> str:
    if face.turns_away is not None and face.turns_away(case):
        # Turning away whom the policy would let through would be a drift of its own.
        assert not face.allowed(case), "the face turns away a user the policy allows"
        return REFUSED
    if face.hides and not case.can_read():
        return HIDDEN
    return DONE if face.allowed(case) else REFUSED


WRITE_CASES = [
    pytest.param(name, username, level, id=f"{name}-{username}-{NAMES[level]}")
    for name, face in FACES.items()
    for username in USERS
    for level in face.levels
]


@pytest.mark.parametrize(("face_name", "username", "level"), WRITE_CASES)
def test_each_write_face_does_what_the_policy_says(world, face_name, username, level):
    face = FACES[face_name]
    case = Case(world, username, level)
    expected = _expected(face, case)  # before the act: a deleted file has no uploader
    assert face.act(case) == expected


@pytest.mark.parametrize(
    ("username", "level", "uploader", "expected"),
    [
        pytest.param("alice", RESTRICTED, "alice", DONE, id="an officer, her own upload"),
        pytest.param("alice", RESTRICTED, "erin", REFUSED, id="an officer, the lead's file"),
        pytest.param("erin", RESTRICTED, "alice", DONE, id="the desk's lead, an officer's file"),
        pytest.param("administrator", CONFIDENTIAL, "erin", DONE, id="an administrator"),
        pytest.param("bob", INTERNAL, "erin", REFUSED, id="another desk's officer"),
        pytest.param("dana", RESTRICTED, "erin", REFUSED, id="took part, no desk"),
        pytest.param("charlie", RESTRICTED, "erin", HIDDEN, id="may not see the meeting"),
    ],
)
def test_web_and_api_agree_on_deleting_files(world, username, level, uploader, expected):
    """The faces disagreed once: the pages let any officer of the desk delete any file, the
    API only leads and administrators. Both now ask policy.may_delete_attachment (the rows
    above hold every user and file to it); here the rule itself, through both faces."""
    case = Case(world, username, level)
    with transaction.atomic():
        web = web_delete_file(uploader)(case)
        transaction.set_rollback(True)
    with transaction.atomic():
        api = api_delete_file(uploader)(case)
        transaction.set_rollback(True)
    assert web == api == expected


# --- read faces -------------------------------------------------------------------------


def web_detail(case: Case) -> bool:
    response = case.web().get(reverse("meeting_detail", args=[case.world.meetings[case.level]]))
    assert response.status_code in (200, 404)
    return response.status_code == 200


def web_list(case: Case) -> bool:
    response = case.web().get(reverse("meeting_list"))
    assert response.status_code == 200
    link = reverse("meeting_detail", args=[case.world.meetings[case.level]])
    return f'href="{link}"' in response.content.decode()


def api_detail(case: Case) -> bool:
    response = case.api().get(f"/api/v1/meetings/{case.world.meetings[case.level]}/")
    assert response.status_code in (200, 404)
    return response.status_code == 200


def api_list(case: Case) -> bool:
    response = case.api().get("/api/v1/meetings/", {"page_size": 100})
    assert response.status_code == 200
    return case.world.meetings[case.level] in {row["id"] for row in response.json()["results"]}


READ_FACES: dict[str, Callable[[Case], bool]] = {
    "web detail": web_detail,
    "web list": web_list,
    "api detail": api_detail,
    "api list": api_list,
}


@pytest.mark.parametrize("face_name", READ_FACES)
@pytest.mark.parametrize("level", LEVELS, ids=NAMES.get)
@pytest.mark.parametrize("username", USERS)
def test_each_read_face_shows_what_the_policy_says(world, face_name, username, level):
    case = Case(world, username, level)
    assert READ_FACES[face_name](case) is case.can_read()


@pytest.mark.parametrize("username", USERS)
def test_contact_details_show_in_the_api_as_the_policy_says(world, username):
    case = Case(world, username, Classification.PUBLIC)
    person = Person.objects.get(pk=world.person.pk)
    assert person.email
    response = case.api().get(f"/api/v1/people/{person.pk}/")
    assert response.status_code == 200
    shown = response.json()["email"] is not None
    assert shown is policy.may_see_contacts(case.user, person=person)


@pytest.mark.parametrize("username", USERS)
def test_the_detail_page_offers_delete_only_where_the_policy_allows_it(world, username):
    case = Case(world, username, RESTRICTED)
    response = case.web().get(reverse("meeting_detail", args=[world.meetings[RESTRICTED]]))
    if not case.can_read():
        assert response.status_code == 404
        return
    page = response.content.decode()
    for uploader in ("erin", "alice"):
        pk = world.files[(RESTRICTED, uploader)]
        offered = f'action="{reverse("attachment_delete", args=[pk])}"' in page
        assert offered is may_delete_file_of(uploader)(case), uploader
