"""Writes. Views, the admin, the API, tasks, seeds and imports all come through here."""

from __future__ import annotations

import codecs
import datetime
import os
import secrets
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils.text import slugify

from accounts import policy
from accounts.models import Desk

from .models import (
    AgendaItem,
    Attachment,
    Commitment,
    Country,
    Instrument,
    Meeting,
    MeetingDraft,
    Organization,
    Participant,
    Person,
    Post,
    Tenure,
    Topic,
)
from .selectors import tenure_valid_on
from .signals import commitment_changed, meeting_deleted, meeting_saved


class PermissionDenied(Exception):
    """The user may not make this change (callers answer 404 or 403 as the surface needs)."""


class VersionConflict(Exception):
    """Someone else saved the record since it was read (optimistic locking)."""

    def __init__(self, *, current_version: int) -> None:
        super().__init__(f"the record was changed meanwhile (now at version {current_version})")
        self.current_version = current_version


@dataclass
class ParticipantInput:
    side: str
    person: Person | None = None
    raw_name: str = ""
    organization: Organization | None = None
    country: Country | None = None
    post: Post | None = None
    # None: fill from the tenure valid on the meeting date. A string is kept as typed.
    post_label: str | None = None
    is_head_of_delegation: bool = False


@dataclass
class AgendaItemInput:
    title: str
    topic: Topic | None = None
    notes: str = ""
    outcome: str = ""


@dataclass
class CommitmentInput:
    title: str
    desk: Desk | None = None  # defaults to the meeting's desk
    owner: Any = None
    due_date: datetime.date | None = None
    description: str = ""
    owed_by: str = Commitment.Side.HOME
    status: str = Commitment.Status.OPEN
    instrument: Instrument | None = None
    id: int | None = None  # set to update an existing commitment of the meeting


@dataclass
class MeetingInput:
    title: str
    start: datetime.datetime
    desk: Desk
    time_zone: str = "UTC"
    kind: str = Meeting.Kind.BILATERAL
    status: str = Meeting.Status.HELD
    date_precision: str = Meeting.DatePrecision.DAY
    end: datetime.datetime | None = None
    place: str = ""
    city: str = ""
    country: Country | None = None
    event: Any = None
    classification: int = 1
    summary: str = ""
    notes: str = ""
    outcomes: str = ""
    source: str = ""
    source_url: str = ""
    external_source: str = ""
    external_id: str = ""
    topics: Sequence[Topic] = field(default_factory=list)
    minerals: Sequence[Any] = field(default_factory=list)
    instruments: Sequence[Instrument] = field(default_factory=list)
    counterpart_countries: Sequence[Country] = field(default_factory=list)
    participants: Sequence[ParticipantInput] = field(default_factory=list)
    agenda_items: Sequence[AgendaItemInput] = field(default_factory=list)
    commitments: Sequence[CommitmentInput] = field(default_factory=list)


MEETING_SCALAR_FIELDS = (
    "title",
    "start",
    "end",
    "time_zone",
    "kind",
    "status",
    "date_precision",
    "place",
    "city",
    "country",
    "event",
    "desk",
    "classification",
    "summary",
    "notes",
    "outcomes",
    "source",
    "source_url",
    "external_source",
    "external_id",
)


def _prefixed(error: ValidationError, prefix: str) -> ValidationError:
    """Re-key a model's ValidationError under a path such as participants[2]."""
    if hasattr(error, "error_dict"):
        return ValidationError(
            {f"{prefix}.{name}": messages for name, messages in error.message_dict.items()}
        )
    return ValidationError({prefix: error.messages})


def _check_time_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError({"time_zone": f"Unknown time zone {name!r}."}) from error


def _check_may_write(user: Any, *, desk: Desk, classification: int) -> None:
    if not policy.can_write_for_desk(user, desk_id=desk.pk):
        raise PermissionDenied(f"{user} does not belong to the desk {desk}.")
    if not policy.is_administrator(user) and classification > user.clearance:
        raise ValidationError(
            {"classification": "Classification above your own clearance is not allowed."}
        )


def _write_participants(
    meeting: Meeting, participants: Sequence[ParticipantInput]
) -> list[Participant]:
    day = meeting.meeting_date
    rows = []
    errors: dict[str, list[str]] = {}
    order_by_side: dict[str, int] = {}
    for index, item in enumerate(participants):
        post, label, organization = item.post, item.post_label, item.organization
        if item.person is not None and (label is None or post is None):
            tenure = tenure_valid_on(person_id=item.person.pk, day=day, post=item.post)
            if tenure is not None:
                post = post or tenure.post
                if label is None:
                    label = tenure.post.label
        if post is not None and organization is None:
            organization = post.organization
        country = item.country or (organization.country if organization else None)
        order_by_side[item.side] = order_by_side.get(item.side, 0) + 1
        participant = Participant(
            meeting=meeting,
            person=item.person,
            raw_name=item.raw_name.strip(),
            side=item.side,
            organization=organization,
            country=country,
            post=post,
            post_label=label or "",
            is_head_of_delegation=item.is_head_of_delegation,
            order=order_by_side[item.side],
        )
        # Uniqueness within the meeting is checked below across the whole list: the rows
        # in the database are about to be replaced, so comparing against them is wrong.
        try:
            participant.full_clean(exclude=["meeting"], validate_constraints=False)
        except ValidationError as error:
            errors.update(_prefixed(error, f"participants[{index}]").message_dict)
        if item.person is None and not participant.raw_name:
            errors.setdefault(f"participants[{index}].person", []).append(
                "Choose a person or type the name as recorded."
            )
        rows.append(participant)
    persons = [item.person.pk for item in participants if item.person is not None]
    for index, item in enumerate(participants):
        if item.person is not None and persons.count(item.person.pk) > 1:
            errors.setdefault(f"participants[{index}].person", []).append(
                "This person is listed twice."
            )
    for side in {item.side for item in participants}:
        heads = [
            i
            for i, item in enumerate(participants)
            if item.side == side and item.is_head_of_delegation
        ]
        for index in heads[1:]:
            errors.setdefault(f"participants[{index}].is_head_of_delegation", []).append(
                "Only one head of delegation per side."
            )
    if errors:
        raise ValidationError(errors)
    Participant.objects.filter(meeting=meeting).delete()
    for participant in rows:
        participant.save()
    return rows


def _write_agenda(meeting: Meeting, items: Sequence[AgendaItemInput]) -> None:
    errors: dict[str, list[str]] = {}
    rows = []
    for index, item in enumerate(items):
        row = AgendaItem(
            meeting=meeting,
            order=index + 1,
            title=item.title,
            topic=item.topic,
            notes=item.notes,
            outcome=item.outcome,
        )
        try:
            row.full_clean(exclude=["meeting"], validate_constraints=False)
        except ValidationError as error:
            errors.update(_prefixed(error, f"agenda_items[{index}]").message_dict)
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    AgendaItem.objects.filter(meeting=meeting).delete()
    AgendaItem.objects.bulk_create(rows)


def _write_commitments(
    meeting: Meeting, items: Sequence[CommitmentInput], *, user: Any = None
) -> None:
    errors: dict[str, list[str]] = {}
    existing = {c.pk: c for c in meeting.commitments.all()} if meeting.pk else {}
    previous = {pk: (c.owner_id, c.due_date, c.status) for pk, c in existing.items()}
    rows = []
    for index, item in enumerate(items):
        path = f"commitments[{index}]"
        if item.id is not None:
            if item.id not in existing:
                errors.setdefault(f"{path}.id", []).append("No such commitment on this meeting.")
                continue
            commitment = existing[item.id]
        else:
            commitment = Commitment(meeting=meeting)
        commitment.title = item.title
        commitment.description = item.description
        commitment.desk = item.desk or meeting.desk
        commitment.owner = item.owner
        commitment.due_date = item.due_date
        commitment.owed_by = item.owed_by
        commitment.instrument = item.instrument
        if commitment.status != item.status:
            _apply_status(commitment, item.status)
        try:
            commitment.full_clean(exclude=["meeting"])
        except ValidationError as error:
            errors.update(_prefixed(error, path).message_dict)
        if item.owner is not None and not policy.can_read(
            item.owner,
            classification=meeting.classification,
            desk_id=meeting.desk_id,
            took_part=meeting.participants.filter(person__user=item.owner).exists(),
        ):
            errors.setdefault(f"{path}.owner", []).append(
                f"{item.owner} may not see this meeting, so cannot own its follow-up."
            )
        rows.append(commitment)
    if errors:
        raise ValidationError(errors)
    for commitment in rows:
        created = commitment.pk is None
        commitment.save()
        _send_commitment_changed(
            commitment, user=user, previous=None if created else previous[commitment.pk]
        )


def _send_commitment_changed(
    commitment: Commitment, *, user: Any, previous: tuple[Any, Any, Any] | None
) -> None:
    owner_id, due_date, status = previous if previous is not None else (None, None, None)
    commitment_changed.send(
        sender=Commitment,
        commitment=commitment,
        created=previous is None,
        user=user,
        previous_owner_id=owner_id,
        previous_due_date=due_date,
        previous_status=status,
    )


def _apply_status(commitment: Commitment, status: str, note: str = "") -> None:
    commitment.status = status
    if status == Commitment.Status.DONE:
        commitment.completed_on = commitment.completed_on or datetime.date.today()
        if note:
            commitment.completion_note = note
    else:
        commitment.completed_on = None


def _set_tags(meeting: Meeting, data: MeetingInput) -> None:
    meeting.topics.set(data.topics)
    meeting.minerals.set(data.minerals)
    meeting.instruments.set(data.instruments)
    countries = list(data.counterpart_countries)
    if not countries:
        countries = [
            p.country
            for p in meeting.participants.select_related("country").filter(side="counterpart")
            if p.country is not None
        ]
    meeting.counterpart_countries.set({c.pk: c for c in countries}.values())


def _validate_meeting(meeting: Meeting) -> None:
    _check_time_zone(meeting.time_zone)
    meeting.full_clean(exclude=["topics", "minerals", "instruments", "counterpart_countries"])


@transaction.atomic
def meeting_create(*, user: Any, data: MeetingInput) -> Meeting:
    """Write a meeting with its participants, agenda, tags and commitments, all or nothing."""
    _check_may_write(user, desk=data.desk, classification=data.classification)
    meeting = Meeting(created_by=user if getattr(user, "pk", None) else None)
    for name in MEETING_SCALAR_FIELDS:
        setattr(meeting, name, getattr(data, name))
    _validate_meeting(meeting)
    meeting.save()
    _write_participants(meeting, data.participants)
    _write_agenda(meeting, data.agenda_items)
    _set_tags(meeting, data)
    _write_commitments(meeting, data.commitments, user=user)
    meeting_saved.send(sender=Meeting, meeting=meeting, created=True, user=user)
    return meeting


@transaction.atomic
def meeting_update(
    *, user: Any, meeting: Meeting, expected_version: int, data: MeetingInput
) -> Meeting:
    """Replace a meeting's record. Fails with VersionConflict if it changed since it was read.

    Participants and agenda items are replaced by those given; commitments given with an
    id are updated, those without are added, and the others are left as they are.
    """
    _check_may_write(user, desk=meeting.desk, classification=meeting.classification)
    _check_may_write(user, desk=data.desk, classification=data.classification)
    claimed = Meeting.objects.filter(pk=meeting.pk, version=expected_version).update(
        version=F("version") + 1
    )
    if not claimed:
        current = Meeting.objects.filter(pk=meeting.pk).values_list("version", flat=True).first()
        raise VersionConflict(current_version=current or 0)
    meeting.refresh_from_db()
    for name in MEETING_SCALAR_FIELDS:
        setattr(meeting, name, getattr(data, name))
    _validate_meeting(meeting)
    meeting.save()
    _write_participants(meeting, data.participants)
    _write_agenda(meeting, data.agenda_items)
    _set_tags(meeting, data)
    _write_commitments(meeting, data.commitments, user=user)
    meeting_saved.send(sender=Meeting, meeting=meeting, created=False, user=user)
    return meeting


@transaction.atomic
def meeting_delete(*, user: Any, meeting: Meeting, expected_version: int | None = None) -> None:
    """Delete a meeting with its participants, agenda, commitments and attachments.

    Receivers of meeting_deleted get a snapshot taken before the rows are gone, so they
    can still decide who may hear of it (the access policy needs desk and classification).
    """
    _check_may_write(user, desk=meeting.desk, classification=meeting.classification)
    locked = Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    if locked is None:
        return
    if expected_version is not None and locked.version != expected_version:
        raise VersionConflict(current_version=locked.version)
    snapshot = {
        "id": locked.pk,
        "title": locked.title,
        "desk_id": locked.desk_id,
        "classification": locked.classification,
        "participant_person_ids": list(
            locked.participants.exclude(person=None).values_list("person_id", flat=True)
        ),
    }
    locked.delete()
    meeting_deleted.send(sender=Meeting, meeting_id=snapshot["id"], snapshot=snapshot, user=user)


@transaction.atomic
def commitment_create(
    *, user: Any, data: CommitmentInput, meeting: Meeting | None = None
) -> Commitment:
    desk = data.desk or (meeting.desk if meeting else None)
    if desk is None:
        raise ValidationError({"desk": "A commitment needs a desk."})
    if not policy.can_write_for_desk(user, desk_id=desk.pk):
        raise PermissionDenied(f"{user} does not belong to the desk {desk}.")
    if meeting is not None:
        _write_commitments(meeting, [data], user=user)
        return meeting.commitments.order_by("-id").first()  # type: ignore[return-value]
    commitment = Commitment(
        title=data.title,
        description=data.description,
        desk=desk,
        owner=data.owner,
        due_date=data.due_date,
        owed_by=data.owed_by,
        instrument=data.instrument,
    )
    _apply_status(commitment, data.status)
    commitment.full_clean()
    commitment.save()
    _send_commitment_changed(commitment, user=user, previous=None)
    return commitment


@transaction.atomic
def commitment_set_status(
    *, user: Any, commitment: Commitment, status: str, note: str = ""
) -> Commitment:
    if status not in Commitment.Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    if not (
        policy.can_write_for_desk(user, desk_id=commitment.desk_id)
        or commitment.owner_id == getattr(user, "pk", None)
    ):
        raise PermissionDenied(f"{user} may not change this commitment.")
    previous = (commitment.owner_id, commitment.due_date, commitment.status)
    _apply_status(commitment, status, note)
    commitment.full_clean()
    commitment.save()
    _send_commitment_changed(commitment, user=user, previous=previous)
    return commitment


COMMITMENT_UPDATABLE_FIELDS = {"title", "description", "owner", "due_date", "owed_by"}


@transaction.atomic
def commitment_update(*, user: Any, commitment: Commitment, **changes: Any) -> Commitment:
    """Reassign a commitment, move its due date or reword it (status: commitment_set_status)."""
    unknown = set(changes) - COMMITMENT_UPDATABLE_FIELDS
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    if not (
        policy.can_write_for_desk(user, desk_id=commitment.desk_id)
        or commitment.owner_id == getattr(user, "pk", None)
    ):
        raise PermissionDenied(f"{user} may not change this commitment.")
    previous = (commitment.owner_id, commitment.due_date, commitment.status)
    for name, value in changes.items():
        setattr(commitment, name, value)
    commitment.full_clean()
    meeting = commitment.meeting
    owner = commitment.owner
    if (
        meeting is not None
        and owner is not None
        and not policy.can_read(
            owner,
            classification=meeting.classification,
            desk_id=meeting.desk_id,
            took_part=meeting.participants.filter(person__user=owner).exists(),
        )
    ):
        raise ValidationError({"owner": f"{owner} may not see this meeting, so cannot own it."})
    commitment.save()
    _send_commitment_changed(commitment, user=user, previous=previous)
    return commitment


def _overlapping_tenures(tenure: Tenure) -> Iterable[Tenure]:
    others = Tenure.objects.filter(post_id=tenure.post_id).exclude(pk=tenure.pk)
    if tenure.end_date is not None:
        others = others.filter(start_date__lt=tenure.end_date)
    return others.filter(
        Q(end_date__isnull=True) | Q(end_date__gt=tenure.start_date)
    ).select_related("person")


def _save_tenure(tenure: Tenure) -> Tenure:
    tenure.exclusive = tenure.post.single_holder
    # The PostgreSQL exclusion constraint is not portable; the same rule is checked here.
    tenure.full_clean(validate_constraints=True)
    if tenure.exclusive:
        clash = next(iter(_overlapping_tenures(tenure)), None)
        if clash is not None:
            raise ValidationError(
                {
                    "start_date": f"{tenure.post.label} is a single-holder post and "
                    f"{clash.person} held it from {clash.start_date} to "
                    f"{clash.end_date or 'present'}: tenures may not overlap."
                }
            )
    tenure.save()
    return tenure


@transaction.atomic
def tenure_create(
    *,
    person: Person,
    post: Post,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    source: str = "",
    source_url: str = "",
    last_verified: datetime.date | None = None,
    note: str = "",
) -> Tenure:
    tenure = Tenure(
        person=person,
        post=post,
        start_date=start_date,
        end_date=end_date,
        source=source,
        source_url=source_url,
        last_verified=last_verified,
        note=note,
    )
    return _save_tenure(tenure)


@transaction.atomic
def tenure_update(*, tenure: Tenure, **changes: Any) -> Tenure:
    allowed = {
        "person",
        "post",
        "start_date",
        "end_date",
        "source",
        "source_url",
        "last_verified",
        "note",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    for name, value in changes.items():
        setattr(tenure, name, value)
    return _save_tenure(tenure)


ALLOWED_ATTACHMENT_TYPES = {
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "text/plain",
    "image/png",
    "image/jpeg",
}
ATTACHMENT_EXTENSIONS = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "text/plain": ".txt",
    "image/png": ".png",
    "image/jpeg": ".jpg",
}
DEFAULT_ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
_MAGIC = {
    b"%PDF-": "application/pdf",
    b"PK\x03\x04": "application/zip",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}
# The main part each Office Open XML kind declares in its [Content_Types].xml.
_OOXML_MAIN_PARTS = {
    "wordprocessingml.document.main+xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    "spreadsheetml.sheet.main+xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    "presentationml.presentation.main+xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}
_TEXT_SNIFF_BYTES = 64 * 1024
_ZIP_PART_MAX_BYTES = 1024 * 1024


def attachment_max_bytes() -> int:
    return int(getattr(settings, "ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES))


def _sniff_zip(upload: Any) -> str:
    """What a zip container holds, from its own manifest: never from its name."""
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size <= 200:
                    declared = archive.read(info).decode("ascii", "replace").strip()
                    if declared == "application/vnd.oasis.opendocument.text":
                        return declared
            if "[Content_Types].xml" in names:
                info = archive.getinfo("[Content_Types].xml")
                if info.file_size <= _ZIP_PART_MAX_BYTES:
                    manifest = archive.read(info).decode("utf-8", "replace")
                    for part, content_type in _OOXML_MAIN_PARTS.items():
                        if f"application/vnd.openxmlformats-officedocument.{part}" in manifest:
                            return content_type
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError):
        return "application/octet-stream"
    return "application/zip"


def _sniff_text(head: bytes) -> str:
    if b"\x00" in head:
        return "application/octet-stream"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # Not final: the sample may end in the middle of a character.
        decoder.decode(head.removeprefix(codecs.BOM_UTF8), final=False)
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain"


def attachment_sniff(upload: Any) -> str:
    """The content type of an upload judged by its bytes alone (name and declared type
    are what the sender claims, so they are ignored)."""
    upload.seek(0)
    head = upload.read(_TEXT_SNIFF_BYTES)
    upload.seek(0)
    content_type = ""
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            content_type = kind
            break
    if content_type == "application/zip":
        content_type = _sniff_zip(upload)
        upload.seek(0)
    elif not content_type:
        content_type = _sniff_text(head)
    return content_type


@transaction.atomic
def attachment_add(
    *, user: Any, meeting: Meeting, upload: UploadedFile, kind: str = "other", description: str = ""
) -> Attachment:
    """Store a file on a meeting under a random name; its original name is kept as data."""
    if not policy.can_write_for_desk(user, desk_id=meeting.desk_id):
        raise PermissionDenied(f"{user} may not add files to this meeting.")
    size = upload.size or 0
    limit = attachment_max_bytes()
    if size == 0:
        raise ValidationError({"file": "The file is empty."})
    if size > limit:
        raise ValidationError({"file": f"The file is {size} bytes; the limit is {limit}."})
    content_type = attachment_sniff(upload)
    if content_type not in ALLOWED_ATTACHMENT_TYPES:
        raise ValidationError({"file": f"Files of type {content_type} are not accepted."})
    name = os.path.basename(upload.name or "") or "attachment"
    attachment = Attachment(
        meeting=meeting,
        kind=kind,
        original_name=name[:255],
        content_type=content_type,
        size=size,
        description=description,
        uploaded_by=user,
    )
    attachment.full_clean(exclude=["file"])
    stored_name = secrets.token_hex(16) + ATTACHMENT_EXTENSIONS[content_type]
    attachment.file.save(stored_name, upload, save=False)
    try:
        attachment.save()
    except Exception:
        # The row failed: the stored file must not stay behind.
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


@transaction.atomic
def commitment_delete(*, user: Any, commitment: Commitment) -> None:
    if not policy.can_write_for_desk(user, desk_id=commitment.desk_id):
        raise PermissionDenied(f"{user} may not delete this commitment.")
    commitment.delete()


@transaction.atomic
def attachment_delete(*, user: Any, attachment: Attachment) -> None:
    if not policy.can_write_for_desk(user, desk_id=attachment.meeting.desk_id):
        raise PermissionDenied(f"{user} may not delete files of this meeting.")
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    # The file goes only once the row is gone for good.
    transaction.on_commit(lambda: storage.delete(name) if name else None)


def _unique_slug(model: Any, text: str, *, max_length: int = 120) -> str:
    base = slugify(text)[: max_length - 10] or "record"
    taken = set(model.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


@transaction.atomic
def person_create(
    *,
    user: Any,
    name: str,
    native_name: str = "",
    honorific_prefix: str = "",
    nationality: Country | None = None,
) -> Person:
    """A person added while logging a meeting. Officers of a desk and administrators may."""
    if not (policy.is_administrator(user) or policy.desk_ids_of(user).exists()):
        raise PermissionDenied(f"{user} may not add people.")
    person = Person(
        name=name.strip(),
        native_name=native_name.strip(),
        honorific_prefix=honorific_prefix.strip(),
        nationality=nationality,
    )
    person.slug = _unique_slug(Person, person.name or person.native_name)
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def meeting_draft_save(
    *,
    user: Any,
    data: dict[str, list[str]],
    title: str = "",
    meeting: Meeting | None = None,
    draft: MeetingDraft | None = None,
) -> MeetingDraft:
    """Keep a half-filled meeting form, as typed, for its author. Nothing is validated."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Sign in to keep drafts.")
    if draft is not None and draft.user_id != user.pk:
        raise PermissionDenied("This is someone else's draft.")
    if meeting is not None and not policy.can_write_for_desk(user, desk_id=meeting.desk_id):
        raise PermissionDenied(f"{user} may not edit this meeting.")
    draft = draft or MeetingDraft(user=user)
    draft.meeting = meeting
    draft.title = title.strip()[:300]
    draft.data = {key: [str(value) for value in values] for key, values in data.items()}
    draft.save()
    return draft


@transaction.atomic
def meeting_draft_delete(*, user: Any, draft: MeetingDraft) -> None:
    if draft.user_id != getattr(user, "pk", None):
        raise PermissionDenied("This is someone else's draft.")
    draft.delete()
