"""Bulk writes of engagement records: the import engine and the demo-data generator write
meetings (with participants, agenda, tags and commitments), people, organizations, posts,
tenures and events only through here.

`meetings_bulk_write` keeps the rules of meeting_create / meeting_update for every row:

- rights: accounts.policy.can_write_for_desk and can_classify for each meeting (for an
  update, for the meeting as it is and as it will be), asked once per distinct desk and
  classification (the answer cannot differ between two meetings that share them);
- validation: the meeting's model validation and the time zone; the participants' rules
  (a person or a name, nobody twice, one head of delegation per side); foreign keys are the
  instances the caller loaded, and the database constraints back the rest;
- post labels: a participant naming a person without a post or label gets the post held on
  the meeting's day (the highest-ranked tenure), as meeting_create does, from tenures read
  once per call;
- unchanged rows are not written: an update whose fields and participants are what the
  meeting already has writes nothing, records nothing and emits nothing;
- history: audit entries through audit.services.audit_bulk, with the caller's channel
  ("import", "command") and label (the import job), for meetings, participants, agenda
  items and commitments created, changed or removed (rows are written without save(), so
  no per-row signal records them a second time);
- events: ONE signal per call, engagements.signals.meetings_saved_in_bulk(created_ids,
  updated_ids, commitment_ids, user), sent inside the transaction like meeting_saved. The
  notifications and webhooks receivers expand it into exactly what meeting_saved and
  commitment_changed(created=True) do for each record (the same outbox rows, the same
  webhook deliveries). One event rather than one per record: a receiver of a bulk event
  can find in one query which of 100,000 meetings anybody watches or subscribes to,
  instead of several queries per meeting when nobody listens.

Participants of an updated meeting are matched to the rows it has: identical rows keep
their ids, removed ones are deleted, new ones inserted. Rows are inserted with COPY
(core.copy) on PostgreSQL.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from accounts import policy
from audit.services import audit_bulk
from core.copy import copy_insert
from core.exceptions import PermissionDenied

from ..models import (
    AgendaItem,
    Commitment,
    Event,
    Meeting,
    Organization,
    Participant,
    Person,
    Post,
    Tenure,
)
from ..signals import meetings_saved_in_bulk
from .commitments import _apply_status
from .common import participant_list_errors
from .meetings import MEETING_SCALAR_FIELDS, MeetingInput, ParticipantInput

BATCH = 2_000
CREATE, UPDATE, SKIP, REFUSED = "create", "update", "skip", "refused"

# Checked once per call, not once per row (a foreign key's validation is a query).
_MEETING_CHECKED_ONCE = [
    "desk",
    "created_by",
    "country",
    "event",
    "topics",
    "minerals",
    "instruments",
    "counterpart_countries",
]
_PARTICIPANT_CHECKED_ONCE = ["meeting", "person", "organization", "country", "post"]
_COMMITMENT_CHECKED_ONCE = ["meeting", "desk", "owner", "instrument"]


@dataclass
class BulkMeeting:
    """One meeting to write: `meeting` None creates it, else it is updated to `data`.
    keep_tags: leave the topics, minerals and instruments of an updated meeting as they
    are; keep_agenda: leave its agenda items. Counterpart countries follow the rule of
    meeting_create (the given ones, or the counterparts' countries)."""

    data: MeetingInput
    meeting: Meeting | None = None
    keep_tags: bool = False
    keep_agenda: bool = False


@dataclass
class BulkCheck:
    action: str  # create | update | skip | refused
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field, message)


@dataclass
class BulkResult:
    meetings: list[Meeting | None] = field(default_factory=list)  # in row order
    actions: list[str] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)
    commitment_ids: list[int] = field(default_factory=list)


class MeetingWriteRights:
    """The policy's answers for one writer, asked once per distinct desk and classification."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self._desks: dict[int | None, bool] = {}
        self._levels: dict[int, bool] = {}

    def refusal(self, *, desk_id: int | None, classification: int) -> tuple[str, str] | None:
        if desk_id not in self._desks:
            self._desks[desk_id] = policy.can_write_for_desk(self.user, desk_id=desk_id)
        if not self._desks[desk_id]:
            return "desk", "You do not belong to this meeting's desk."
        if classification not in self._levels:
            self._levels[classification] = policy.can_classify(
                self.user, classification=classification
            )
        if not self._levels[classification]:
            return "classification", "Classification above your own clearance is not allowed."
        return None


class TenureBook:
    """The tenures of the people a batch names, read once: the post a person held on a day,
    by the rule of engagements.selectors.tenure_valid_on (end date exclusive, lowest rank
    number first, then the earliest start)."""

    def __init__(self, person_ids: Iterable[int]) -> None:
        self.by_person: dict[int, list[Tenure]] = {}
        wanted = set(person_ids)
        if wanted:
            for tenure in Tenure.objects.filter(person_id__in=wanted).select_related(
                "post__organization"
            ):
                self.by_person.setdefault(tenure.person_id, []).append(tenure)
        for tenures in self.by_person.values():
            tenures.sort(key=lambda t: (t.post.rank, t.start_date))

    def valid_on(self, *, person_id: int, day: datetime.date, post: Post | None) -> Tenure | None:
        for tenure in self.by_person.get(person_id, ()):
            ended = tenure.end_date is not None and tenure.end_date <= day
            of_post = post is None or tenure.post_id == post.pk
            if tenure.start_date <= day and not ended and of_post:
                return tenure
        return None


def _people_of(rows: Sequence[BulkMeeting]) -> set[int]:
    return {
        item.person.pk
        for row in rows
        for item in row.data.participants
        if item.person is not None and item.person.pk is not None
    }


def _participant_rows(
    meeting: Meeting, items: Sequence[ParticipantInput], tenures: TenureBook
) -> tuple[list[Participant], dict[str, list[str]]]:
    """The participants meeting_create would write, with the same checks."""
    day = meeting.meeting_date
    rows: list[Participant] = []
    errors: dict[str, list[str]] = {}
    order_by_side: dict[str, int] = {}
    for index, item in enumerate(items):
        post, label, organization = item.post, item.post_label, item.organization
        if item.person is not None and (label is None or post is None):
            tenure = tenures.valid_on(person_id=item.person.pk, day=day, post=item.post)
            if tenure is not None:
                post = post or tenure.post
                if label is None:
                    label = tenure.post.label
        if post is not None and organization is None:
            organization = post.organization
        order_by_side[item.side] = order_by_side.get(item.side, 0) + 1
        participant = Participant(
            meeting=meeting,
            person=item.person,
            raw_name=item.raw_name.strip(),
            side=item.side,
            organization=organization,
            post=post,
            post_label=label or "",
            is_head_of_delegation=item.is_head_of_delegation,
            order=order_by_side[item.side],
        )
        participant.country_id = (
            item.country.pk
            if item.country is not None
            else getattr(organization, "country_id", None)
        )
        try:
            participant.full_clean(exclude=_PARTICIPANT_CHECKED_ONCE, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(f"participants[{index}].{name}", []).extend(messages)
        rows.append(participant)
    for path, messages in participant_list_errors(items).items():
        errors.setdefault(path, []).extend(messages)
    return rows, errors


def _participant_key(participant: Participant) -> tuple[Any, ...]:
    return (
        participant.side,
        participant.order,
        participant.person_id,
        participant.raw_name,
        participant.organization_id,
        participant.country_id,
        participant.post_id,
        participant.post_label,
        participant.is_head_of_delegation,
    )


def _scalar_values(source: Any) -> dict[str, Any]:
    values = {}
    for name in MEETING_SCALAR_FIELDS:
        value = getattr(source, name)
        values[name] = value.pk if isinstance(value, models.Model) else value
    return values


_ATTNAMES = {
    name: getattr(Meeting._meta.get_field(name), "attname", name) for name in MEETING_SCALAR_FIELDS
}
# The column of each tag's link table that points at the tag.
_TAG_COLUMNS = {
    "topics": "topic_id",
    "minerals": "mineral_id",
    "instruments": "instrument_id",
    "counterpart_countries": "country_id",
}


def _meeting_values(meeting: Meeting) -> dict[str, Any]:
    return {name: getattr(meeting, attname) for name, attname in _ATTNAMES.items()}


def _differs(
    row: BulkMeeting,
    current: dict[str, Any],
    existing: list[Participant],
    planned: list[Participant],
) -> bool:
    """Whether writing the row would change the meeting (`current`: its scalar values)."""
    if current != _scalar_values(row.data):
        return True
    if sorted(map(_participant_key, existing), key=repr) != sorted(
        map(_participant_key, planned), key=repr
    ):
        return True
    return not row.keep_tags or not row.keep_agenda


def meetings_bulk_check(*, user: Any, rows: Sequence[BulkMeeting]) -> list[BulkCheck]:
    """What meetings_bulk_write would do with each row (create, update, skip) or why it would
    refuse it, without writing: for a dry run's report. Queries do not grow with the rows."""
    rights = MeetingWriteRights(user)
    tenures = TenureBook(_people_of(rows))
    existing = _existing_participants([row.meeting.pk for row in rows if row.meeting])
    checks = []
    for row in rows:
        check = _check_row(row, rights)
        if check.action == UPDATE:
            assert row.meeting is not None
            planned, _errors = _participant_rows(row.meeting, row.data.participants, tenures)
            current = _meeting_values(row.meeting)
            if not _differs(row, current, existing.get(row.meeting.pk, []), planned):
                check.action = SKIP
        checks.append(check)
    return checks


def _check_row(row: BulkMeeting, rights: MeetingWriteRights) -> BulkCheck:
    errors = []
    wanted = rights.refusal(desk_id=row.data.desk.pk, classification=row.data.classification)
    if wanted is not None:
        errors.append(wanted)
    if row.meeting is not None:
        current = rights.refusal(
            desk_id=row.meeting.desk_id, classification=row.meeting.classification
        )
        if current is not None and current not in errors:
            errors.append(current)
    if errors:
        return BulkCheck(REFUSED, errors)
    return BulkCheck(CREATE if row.meeting is None else UPDATE)


def _existing_participants(meeting_ids: list[int]) -> dict[int, list[Participant]]:
    found: dict[int, list[Participant]] = {}
    for start in range(0, len(meeting_ids), 5_000):
        for participant in Participant.objects.filter(
            meeting_id__in=meeting_ids[start : start + 5_000]
        ).select_related("person"):
            found.setdefault(participant.meeting_id, []).append(participant)
    return found


_ZONES: dict[str, bool] = {}


def _zone_known(name: str) -> bool:
    if name not in _ZONES:
        try:
            ZoneInfo(name)
            _ZONES[name] = True
        except (ZoneInfoNotFoundError, ValueError):
            _ZONES[name] = False
    return _ZONES[name]


def _validate_meeting(meeting: Meeting, index: int, errors: dict[str, list[str]]) -> None:
    if not _zone_known(meeting.time_zone):
        errors.setdefault(f"rows[{index}].time_zone", []).append(
            f"Unknown time zone {meeting.time_zone!r}."
        )
    try:
        meeting.full_clean(
            exclude=_MEETING_CHECKED_ONCE, validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(f"rows[{index}].{name}", []).extend(messages)


def _raise_refusals(rows: Sequence[BulkMeeting], checks: list[BulkCheck]) -> None:
    refused = [(index, check) for index, check in enumerate(checks) if check.action == REFUSED]
    if not refused:
        return
    if any(name == "desk" for _index, check in refused for name, _message in check.errors):
        raise PermissionDenied(
            "; ".join(
                f"row {index + 1}: {message}"
                for index, check in refused
                for _name, message in check.errors
            )
        )
    raise ValidationError(
        {
            f"rows[{index}].{name}": [message]
            for index, check in refused
            for name, message in check.errors
        }
    )


@transaction.atomic
def meetings_bulk_write(
    *,
    user: Any,
    rows: Sequence[BulkMeeting],
    channel: str,
    label: str = "",
    batch_size: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> BulkResult:
    """Create or update many meetings at once, all or nothing, by the rules of the module
    docstring. Raises PermissionDenied (a desk the user may not write for) or
    ValidationError keyed rows[i].field before anything is written; returns what was done
    with each row, the ids written and the commitments created."""
    rights = MeetingWriteRights(user)
    checks = [_check_row(row, rights) for row in rows]
    _raise_refusals(rows, checks)
    result = BulkResult(meetings=[None] * len(rows), actions=[""] * len(rows))
    done = 0
    for start in range(0, len(rows), batch_size):
        indexes = list(range(start, min(start + batch_size, len(rows))))
        _write_batch(user, rights, rows, indexes, result, channel=channel, label=label)
        done += len(indexes)
        if progress is not None:
            progress(done)
    if result.created_ids or result.updated_ids:
        meetings_saved_in_bulk.send(
            sender=Meeting,
            created_ids=list(result.created_ids),
            updated_ids=list(result.updated_ids),
            commitment_ids=list(result.commitment_ids),
            user=user,
        )
    return result


def _write_batch(
    user: Any,
    rights: MeetingWriteRights,
    rows: Sequence[BulkMeeting],
    indexes: list[int],
    result: BulkResult,
    *,
    channel: str,
    label: str,
) -> None:
    writer = user if getattr(user, "pk", None) else None
    update_ids = [rows[i].meeting.pk for i in indexes if rows[i].meeting is not None]  # type: ignore[union-attr]
    locked = {m.pk: m for m in Meeting.objects.select_for_update().filter(pk__in=update_ids)}
    existing = _existing_participants(update_ids)
    tenures = TenureBook(_people_of([rows[i] for i in indexes]))
    errors: dict[str, list[str]] = {}
    created: list[Meeting] = []
    updated: list[Meeting] = []
    previous: dict[int, dict[str, Any]] = {}
    planned: dict[int, list[Participant]] = {}
    for index in indexes:
        row = rows[index]
        if row.meeting is None:
            meeting = Meeting(created_by=writer)
        else:
            if row.meeting.pk not in locked:
                errors.setdefault(f"rows[{index}]", []).append("The meeting no longer exists.")
                continue
            meeting = locked[row.meeting.pk]
            # Rights again on the row as it is now, locked.
            again = rights.refusal(desk_id=meeting.desk_id, classification=meeting.classification)
            if again is not None:
                raise PermissionDenied(f"row {index + 1}: {again[1]}")
        before = {**_meeting_values(meeting), "version": meeting.version} if row.meeting else {}
        for name in MEETING_SCALAR_FIELDS:
            setattr(meeting, name, getattr(row.data, name))
        _validate_meeting(meeting, index, errors)
        participants, participant_errors = _participant_rows(
            meeting, row.data.participants, tenures
        )
        for name, messages in participant_errors.items():
            errors.setdefault(f"rows[{index}].{name}", []).extend(messages)
        if row.meeting is not None:
            row.meeting = meeting
            current = {name: value for name, value in before.items() if name != "version"}
            if not _differs(row, current, existing.get(meeting.pk, []), participants):
                result.meetings[index], result.actions[index] = meeting, SKIP
                continue
            previous[meeting.pk] = before
            meeting.version += 1
            updated.append(meeting)
            result.actions[index] = UPDATE
        else:
            created.append(meeting)
            result.actions[index] = CREATE
        result.meetings[index] = meeting
        planned[index] = participants
    if errors:
        raise ValidationError(errors)

    copy_insert(Meeting, created, assign_ids=True)
    if updated:
        now = timezone.now()
        for meeting in updated:
            meeting.updated_at = now
        Meeting.objects.bulk_update(
            updated, [*MEETING_SCALAR_FIELDS, "version", "updated_at"], batch_size=1_000
        )
    result.created_ids.extend(m.pk for m in created)
    result.updated_ids.extend(m.pk for m in updated)

    new_participants: list[Participant] = []
    removed: list[Participant] = []
    for index, participants in planned.items():
        written_meeting = result.meetings[index]
        assert written_meeting is not None
        meeting = written_meeting
        for participant in participants:
            participant.meeting = meeting
        if rows[index].meeting is None:
            new_participants.extend(participants)
            continue
        kept: dict[tuple[Any, ...], list[Participant]] = {}
        for participant in existing.get(meeting.pk, []):
            kept.setdefault(_participant_key(participant), []).append(participant)
        for participant in participants:
            same = kept.get(_participant_key(participant))
            if same:
                same.pop()
            else:
                new_participants.append(participant)
        removed.extend(p for group in kept.values() for p in group)
    if removed:
        _delete_rows(Participant, [p.pk for p in removed])
    copy_insert(Participant, new_participants, assign_ids=True)

    written = [(index, result.meetings[index]) for index in planned]
    agenda, agenda_removed = _write_agenda(rows, written)
    _write_tags(rows, written, planned)
    commitments = _write_commitments(rows, written, planned)
    result.commitment_ids.extend(c.pk for c in commitments)

    audit = {"channel": channel, "label": label, "user": user}
    audit_bulk(Meeting, created, "create", **audit)
    audit_bulk(
        Meeting,
        updated,
        "update",
        fields=[*MEETING_SCALAR_FIELDS, "version"],
        previous=previous,
        **audit,
    )
    audit_bulk(Participant, new_participants, "create", **audit)
    audit_bulk(Participant, removed, "delete", **audit)
    audit_bulk(AgendaItem, agenda, "create", **audit)
    audit_bulk(AgendaItem, agenda_removed, "delete", **audit)
    audit_bulk(Commitment, commitments, "create", **audit)


def _delete_rows(model: type[models.Model], ids: list[int]) -> None:
    # Plain DELETE: the audit entries of the removed rows are written by the caller.
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 5_000):
            chunk = ids[start : start + 5_000]
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)} WHERE id = ANY(%s)", [chunk])


def _write_agenda(
    rows: Sequence[BulkMeeting], written: list[tuple[int, Any]]
) -> tuple[list[AgendaItem], list[AgendaItem]]:
    """The agenda items written and those removed (of updated meetings), for the history."""
    replaced = [m.pk for index, m in written if rows[index].meeting and not rows[index].keep_agenda]
    removed = list(AgendaItem.objects.filter(meeting_id__in=replaced)) if replaced else []
    _delete_rows(AgendaItem, [item.pk for item in removed])
    items = []
    errors: dict[str, list[str]] = {}
    for index, meeting in written:
        if rows[index].meeting is not None and rows[index].keep_agenda:
            continue
        for order, item in enumerate(rows[index].data.agenda_items, start=1):
            agenda = AgendaItem(
                meeting=meeting,
                order=order,
                title=item.title,
                topic=item.topic,
                notes=item.notes,
                outcome=item.outcome,
            )
            try:
                agenda.full_clean(exclude=["meeting", "topic"], validate_constraints=False)
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    errors.setdefault(f"rows[{index}].agenda_items[{order - 1}].{name}", []).extend(
                        messages
                    )
            items.append(agenda)
    if errors:
        raise ValidationError(errors)
    copy_insert(AgendaItem, items, assign_ids=True)
    return items, removed


def _write_tags(
    rows: Sequence[BulkMeeting],
    written: list[tuple[int, Any]],
    planned: dict[int, list[Participant]],
) -> None:
    links: dict[str, list[Any]] = {}
    replace: dict[str, list[int]] = {}
    for index, meeting in written:
        row = rows[index]
        names = ["counterpart_countries"]
        if row.meeting is None or not row.keep_tags:
            names += ["topics", "minerals", "instruments"]
        for name in names:
            if row.meeting is not None:
                replace.setdefault(name, []).append(meeting.pk)
            if name == "counterpart_countries":
                targets = [c.pk for c in row.data.counterpart_countries] or [
                    p.country_id
                    for p in planned[index]
                    if p.side == Participant.Side.COUNTERPART and p.country_id is not None
                ]
            else:
                targets = [t.pk for t in getattr(row.data, name)]
            through = getattr(Meeting, name).through
            column = _TAG_COLUMNS[name]
            links.setdefault(name, []).extend(
                through(meeting_id=meeting.pk, **{column: target})
                for target in dict.fromkeys(targets)
            )
    for name, ids in replace.items():
        getattr(Meeting, name).through.objects.filter(meeting_id__in=ids).delete()
    for name, objects in links.items():
        copy_insert(getattr(Meeting, name).through, objects)


def _write_commitments(
    rows: Sequence[BulkMeeting],
    written: list[tuple[int, Any]],
    planned: dict[int, list[Participant]],
) -> list[Commitment]:
    commitments: list[Commitment] = []
    errors: dict[str, list[str]] = {}
    readers: dict[tuple[int, int, int | None, bool], bool] = {}
    for index, meeting in written:
        for position, item in enumerate(rows[index].data.commitments):
            path = f"rows[{index}].commitments[{position}]"
            if item.id is not None:
                errors.setdefault(f"{path}.id", []).append(
                    "A bulk write adds commitments; change existing ones one by one."
                )
                continue
            commitment = Commitment(
                meeting=meeting,
                title=item.title,
                description=item.description,
                desk=item.desk or meeting.desk,
                owner=item.owner,
                due_date=item.due_date,
                owed_by=item.owed_by,
                instrument=item.instrument,
            )
            if commitment.status != item.status:
                _apply_status(commitment, item.status)
            try:
                commitment.full_clean(exclude=_COMMITMENT_CHECKED_ONCE, validate_constraints=False)
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    errors.setdefault(f"{path}.{name}", []).extend(messages)
            if item.owner is not None:
                took_part = any(
                    p.person is not None and p.person.user_id == item.owner.pk
                    for p in planned[index]
                )
                key = (item.owner.pk, meeting.classification, meeting.desk_id, took_part)
                if key not in readers:
                    readers[key] = policy.can_read(
                        item.owner,
                        classification=meeting.classification,
                        desk_id=meeting.desk_id,
                        took_part=took_part,
                    )
                if not readers[key]:
                    errors.setdefault(f"{path}.owner", []).append(
                        f"{item.owner} may not see this meeting, so cannot own its follow-up."
                    )
            commitments.append(commitment)
    if errors:
        raise ValidationError(errors)
    copy_insert(Commitment, commitments, assign_ids=True)
    return commitments


# --- reference records ------------------------------------------------------------------------


def _bulk_insert(
    model: type[models.Model], objects: Sequence[models.Model], exclude: list[str]
) -> list[Any]:
    errors: dict[str, list[str]] = {}
    for index, obj in enumerate(objects):
        try:
            obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(f"rows[{index}].{name}", []).extend(messages)
    if errors:
        raise ValidationError(errors)
    copy_insert(model, objects, assign_ids=True)
    return list(objects)


@transaction.atomic
def people_bulk_create(*, people: Sequence[Person]) -> list[Person]:
    """Unsaved people, validated and inserted; slugs must be unique (the database says so)."""
    for person in people:
        person.sort_name = person.sort_name or person.name  # as Person.save does
    return _bulk_insert(Person, people, ["nationality", "user"])


@transaction.atomic
def organizations_bulk_create(*, organizations: Sequence[Organization]) -> list[Organization]:
    return _bulk_insert(Organization, organizations, ["country", "parent"])


@transaction.atomic
def posts_bulk_create(*, posts: Sequence[Post]) -> list[Post]:
    return _bulk_insert(Post, posts, ["organization"])


@transaction.atomic
def events_bulk_create(*, events: Sequence[Event]) -> list[Event]:
    return _bulk_insert(Event, events, ["country", "parent", "organizer"])


@transaction.atomic
def tenures_bulk_create(
    *, tenures: Sequence[Tenure], channel: str, label: str = "", user: Any = None
) -> list[Tenure]:
    """Unsaved tenures, validated, with their audit entries. Tenures of one post must not
    overlap each other or those in the database (the exclusion constraint says so)."""
    written = _bulk_insert(Tenure, tenures, ["person", "post"])
    audit_bulk(Tenure, written, "create", channel=channel, label=label, user=user)
    return written


__all__ = [
    "BulkCheck",
    "BulkMeeting",
    "BulkResult",
    "MeetingWriteRights",
    "events_bulk_create",
    "meetings_bulk_check",
    "meetings_bulk_write",
    "organizations_bulk_create",
    "people_bulk_create",
    "posts_bulk_create",
    "tenures_bulk_create",
]
