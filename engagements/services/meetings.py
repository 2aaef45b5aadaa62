"""Writes of meetings with their participants, agenda, tags and commitments."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from accounts import policy
from accounts.models import Desk
from audit.context import acting
from audit.services import audit_baseline
from core.exceptions import PermissionDenied, VersionConflict

from ..models import (
    AgendaItem,
    Country,
    Instrument,
    Meeting,
    Organization,
    Participant,
    Person,
    Post,
    Topic,
)
from ..selectors import tenure_valid_on
from ..signals import meeting_deleted, meeting_saved
from .commitments import CommitmentInput, _write_commitments
from .common import _prefixed, participant_list_errors


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
    # The meeting's participant row this is; without it the row is found by person, or by
    # the name as recorded and the side.
    id: int | None = None


@dataclass
class AgendaItemInput:
    title: str
    topic: Topic | None = None
    notes: str = ""
    outcome: str = ""
    # The meeting's agenda item this is; without it the item is found by title, then by
    # its place in the list.
    id: int | None = None


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


# Far above any real agenda: where rows wait while the agenda is renumbered.
AGENDA_ORDER_ASIDE = 16000


def _check_time_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError({"time_zone": f"Unknown time zone {name!r}."}) from error


def _check_may_write(user: Any, *, desk: Desk, classification: int) -> None:
    if not policy.can_write_for_desk(user, desk_id=desk.pk):
        raise PermissionDenied(f"{user} does not belong to the desk {desk}.")
    if not policy.can_classify(user, classification=classification):
        raise ValidationError(
            {"classification": "Classification above your own clearance is not allowed."}
        )


def _assign(row: Any, values: dict[str, Any]) -> bool:
    """Set the values on the row; whether any of them differs from what it held."""
    changed = row.pk is None
    for name, value in values.items():
        attname = row._meta.get_field(name).attname
        new = value.pk if hasattr(value, "pk") and attname != name else value
        if getattr(row, attname) != new:
            changed = True
        setattr(row, name, value)
    return changed


def _match_participants(
    existing: list[Participant], participants: Sequence[ParticipantInput]
) -> tuple[list[Participant | None], list[str | None]]:
    """The existing row each given participant is (None: a new one), and the path of an
    unknown id. By id, then by person, then by name as recorded and side, then by name."""
    free = {row.pk: row for row in existing}
    matched: list[Participant | None] = [None] * len(participants)
    errors: list[str | None] = [None] * len(participants)
    for index, item in enumerate(participants):
        if item.id is not None:
            row = free.pop(item.id, None)
            if row is None:
                errors[index] = "No such participant on this meeting."
            matched[index] = row
    by_person = {row.person_id: row for row in free.values() if row.person_id is not None}
    for index, item in enumerate(participants):
        if item.id is None and item.person is not None:
            row = by_person.pop(item.person.pk, None)
            if row is not None:
                matched[index] = free.pop(row.pk)
    for same_side in (True, False):
        for index, item in enumerate(participants):
            if item.id is not None or item.person is not None or matched[index] is not None:
                continue
            name = item.raw_name.strip()
            row = next(
                (
                    row
                    for row in free.values()
                    if row.person_id is None
                    and row.raw_name == name
                    and (row.side == item.side or not same_side)
                ),
                None,
            )
            if row is not None:
                matched[index] = free.pop(row.pk)
    return matched, errors


def _write_participants(
    meeting: Meeting, participants: Sequence[ParticipantInput], *, creating: bool = False
) -> list[Participant]:
    """Make the meeting's participants those given: rows that are there already keep their
    id and are saved only if a value changed; new ones are added, the others removed."""
    day = meeting.meeting_date
    existing = [] if creating else list(Participant.objects.filter(meeting=meeting))
    for row in existing:
        row.meeting = meeting  # for the trail's scope, without a query per row
    matched, id_errors = _match_participants(existing, participants)
    rows: list[Participant] = []
    changed: list[Participant] = []
    errors: dict[str, list[str]] = {}
    order_by_side: dict[str, int] = {}
    for index, item in enumerate(participants):
        if id_errors[index]:
            errors.setdefault(f"participants[{index}].id", []).append(str(id_errors[index]))
            continue
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
        participant = matched[index] or Participant(meeting=meeting)
        if _assign(
            participant,
            {
                "person": item.person,
                "raw_name": item.raw_name.strip(),
                "side": item.side,
                "organization": organization,
                "country": country,
                "post": post,
                "post_label": label or "",
                "is_head_of_delegation": item.is_head_of_delegation,
                "order": order_by_side[item.side],
            },
        ):
            changed.append(participant)
        # Uniqueness within the meeting is checked below across the whole list: rows in
        # the database may be about to change or go, so comparing against them is wrong.
        try:
            participant.full_clean(exclude=["meeting"], validate_constraints=False)
        except ValidationError as error:
            errors.update(_prefixed(error, f"participants[{index}]").message_dict)
        rows.append(participant)
    for path, messages in participant_list_errors(participants).items():
        errors.setdefault(path, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    kept = {row.pk for row in rows if row.pk is not None}
    removed = [row.pk for row in existing if row.pk not in kept]
    if removed:
        Participant.objects.filter(pk__in=removed).delete()
    # Rows that stop heading a delegation first, so that one side never has two heads
    # (the constraint is checked row by row); new rows last.
    for participant in sorted(changed, key=lambda p: (p.pk is None, p.is_head_of_delegation)):
        participant.save()
    return rows


def _write_agenda(
    meeting: Meeting, items: Sequence[AgendaItemInput], *, creating: bool = False
) -> None:
    """Make the meeting's agenda the items given, in that order: items that are there
    already (by id, else by title, else by place) keep their id and are saved only if they
    changed; new ones are added, the others removed."""
    existing = [] if creating else list(AgendaItem.objects.filter(meeting=meeting))
    for row in existing:
        row.meeting = meeting
    free = {row.pk: row for row in existing}
    orders = {row.pk: row.order for row in existing}
    matched: list[AgendaItem | None] = [None] * len(items)
    errors: dict[str, list[str]] = {}
    for index, item in enumerate(items):
        if item.id is not None:
            found: AgendaItem | None = free.pop(item.id, None)
            matched[index] = found
            if found is None:
                errors.setdefault(f"agenda_items[{index}].id", []).append(
                    "No such agenda item on this meeting."
                )
    for index, item in enumerate(items):
        if item.id is None:
            same_title = next((r for r in free.values() if r.title == item.title), None)
            if same_title is not None:
                matched[index] = free.pop(same_title.pk)
    by_order = {row.order: row for row in free.values()}
    for index, item in enumerate(items):
        if item.id is None and matched[index] is None:
            same_place = by_order.pop(index + 1, None)
            if same_place is not None:
                matched[index] = free.pop(same_place.pk)
    rows: list[AgendaItem] = []
    changed: list[AgendaItem] = []
    for index, item in enumerate(items):
        row = matched[index] or AgendaItem(meeting=meeting)
        if _assign(
            row,
            {
                "order": index + 1,
                "title": item.title,
                "topic": item.topic,
                "notes": item.notes,
                "outcome": item.outcome,
            },
        ):
            changed.append(row)
        try:
            row.full_clean(exclude=["meeting"], validate_constraints=False)
        except ValidationError as error:
            errors.update(_prefixed(error, f"agenda_items[{index}]").message_dict)
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    if free:
        AgendaItem.objects.filter(pk__in=list(free)).delete()
    moving = [row.pk for row in changed if row.pk is not None and row.order != orders[row.pk]]
    if moving:
        # Out of the way of the (meeting, order) constraint while rows swap places. The
        # trail compares each save with the values loaded, so this step leaves no entry.
        AgendaItem.objects.filter(pk__in=moving).update(order=F("order") + AGENDA_ORDER_ASIDE)
    for row in changed:
        row.save()


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
    with acting(user):
        meeting.save()
        _write_participants(meeting, data.participants, creating=True)
        _write_agenda(meeting, data.agenda_items, creating=True)
        _set_tags(meeting, data)
        _write_commitments(meeting, data.commitments, user=user)
    meeting_saved.send(sender=Meeting, meeting=meeting, created=True, user=user)
    return meeting


@transaction.atomic
def meeting_update(
    *, user: Any, meeting: Meeting, expected_version: int, data: MeetingInput
) -> Meeting:
    """Replace a meeting's record. Fails with VersionConflict if it changed since it was read.

    Participants and agenda items become those given: rows already there keep their ids
    and are saved only if they changed, new ones are added, the others removed. Commitments
    given with an id are updated, those without are added, and the others are left as they
    are. The trail records what changed, and the version the save moves the meeting to.
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
    # The claim above is part of this change: its entry starts from the version read.
    audit_baseline(meeting, version=expected_version)
    for name in MEETING_SCALAR_FIELDS:
        setattr(meeting, name, getattr(data, name))
    _validate_meeting(meeting)
    with acting(user):
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
    Who may delete is accounts.policy.may_delete_meeting's question (the API and the admin
    ask nothing else).
    """
    if not policy.may_delete_meeting(
        user, desk_id=meeting.desk_id, classification=meeting.classification
    ):
        raise PermissionDenied(f"{user} may not delete this meeting.")
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
    with acting(user):
        locked.delete()
    meeting_deleted.send(sender=Meeting, meeting_id=snapshot["id"], snapshot=snapshot, user=user)
