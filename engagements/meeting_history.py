"""Reads of a meeting's change history (django-simple-history), for people to read.

Two uses: the change log on the meeting page (who changed what, when: the meeting, its
participants and its commitments), and the edit conflict, where an officer who started
from an older version is shown, field by field, what was saved meanwhile.

The services replace a meeting's participants on every save (delete, then insert), so the
raw participant history is a stream of removals and additions; it is folded into "added"
and "removed" per save of the meeting, and a participant removed and added back unchanged
is no change at all.

A fixed number of queries, whatever the length of the history.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import Desk, User

from .models import Commitment, Country, Event, Instrument, Meeting, Participant, Person

MEETING_FIELDS = (
    "title",
    "start",
    "end",
    "time_zone",
    "date_precision",
    "kind",
    "status",
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
)
COMMITMENT_FIELDS = (
    "title",
    "description",
    "owed_by",
    "owner",
    "desk",
    "due_date",
    "status",
    "completed_on",
    "completion_note",
    "instrument",
)
_RELATED: dict[str, Any] = {
    "country": Country,
    "event": Event,
    "desk": Desk,
    "owner": User,
    "instrument": Instrument,
}


@dataclass
class FieldChange:
    name: str
    label: str
    old: str
    new: str
    theirs: str = ""


@dataclass
class HistoryEntry:
    when: datetime.datetime
    who: Any
    subject: str
    action: str  # "created", "changed", "deleted"
    changes: list[FieldChange] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


class _Names:
    """Display names of the related records mentioned in a history, fetched in bulk."""

    def __init__(self) -> None:
        self.wanted: dict[str, set[Any]] = {name: set() for name in _RELATED}
        self.found: dict[str, dict[Any, Any]] = {}

    def want(self, name: str, value: Any) -> None:
        if name in self.wanted and value is not None:
            self.wanted[name].add(value)

    def fetch(self) -> None:
        for name, ids in self.wanted.items():
            self.found[name] = _RELATED[name].objects.in_bulk(ids) if ids else {}

    def get(self, name: str, value: Any) -> Any:
        return self.found.get(name, {}).get(value)


def display(model: type[models.Model], name: str, value: Any, names: _Names | None = None) -> str:
    if value is None or value == "":
        return "—"
    if names is not None and name in _RELATED:
        record = names.get(name, value)
        return str(record) if record is not None else f"#{value}"
    model_field = model._meta.get_field(name)
    if getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value))  # type: ignore[union-attr]
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    return str(value)


def _label(model: type[models.Model], name: str) -> str:
    return str(getattr(model._meta.get_field(name), "verbose_name", name)).capitalize()


def _field_changes(
    model: type[models.Model], new: Any, old: Any, fields: tuple[str, ...], names: _Names
) -> list[FieldChange]:
    delta = new.diff_against(old, included_fields=list(fields))
    return [
        FieldChange(
            name=change.field,
            label=_label(model, change.field),
            old=display(model, change.field, change.old, names),
            new=display(model, change.field, change.new, names),
        )
        for change in delta.changes
    ]


def _want_related(records: list[Any], fields: tuple[str, ...], names: _Names) -> None:
    for record in records:
        for name in fields:
            if name in _RELATED:
                names.want(name, getattr(record, f"{name}_id"))


def _participant_key(record: Any) -> tuple[Any, ...]:
    return (record.person_id, record.raw_name, record.side, record.post_label)


def _participant_text(record: Any, people: dict[int, Person]) -> str:
    person = people.get(record.person_id) if record.person_id else None
    name = person.name if person else record.raw_name
    side = dict(Participant.Side.choices).get(record.side, record.side)
    label = f"{name}, {record.post_label}" if record.post_label else name
    return f"{label} ({side})"


def meeting_change_log(meeting: Meeting) -> list[HistoryEntry]:
    """The meeting's history, newest first."""
    meeting_records = list(
        meeting.history.select_related("history_user").order_by("history_date", "history_id")
    )
    participant_records = list(
        Participant.history.filter(meeting_id=meeting.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    commitment_records = list(
        Commitment.history.filter(meeting_id=meeting.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    names = _Names()
    _want_related(meeting_records, ("country", "event", "desk"), names)
    _want_related(commitment_records, ("owner", "desk", "instrument"), names)
    names.fetch()
    people = Person.objects.in_bulk({r.person_id for r in participant_records} - {None})

    entries: list[HistoryEntry] = []
    previous = None
    for record in meeting_records:
        changes: list[FieldChange] = []
        if record.history_type == "+" or previous is None:
            action = "created"
        elif record.history_type == "-":
            action = "deleted"
        else:
            action = "changed"
            changes = _field_changes(Meeting, record, previous, MEETING_FIELDS, names)
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=record.history_user,
                subject=_("Meeting"),
                action=action,
                changes=changes,
            )
        )
        previous = record

    # Participant rows written by one save of the meeting follow that save's record.
    dates = [entry.when for entry in entries]
    buckets: dict[int, list[Any]] = {}
    for record in participant_records:
        index = max((i for i, when in enumerate(dates) if when <= record.history_date), default=0)
        buckets.setdefault(index, []).append(record)
    for index, records in buckets.items():
        removed = [r for r in records if r.history_type == "-"]
        added = [r for r in records if r.history_type == "+"]
        removed_keys = {_participant_key(r) for r in removed}
        added_keys = {_participant_key(r) for r in added}
        entry = entries[index] if entries else None
        really_added = [
            _participant_text(r, people) for r in added if _participant_key(r) not in removed_keys
        ]
        really_removed = [
            _participant_text(r, people) for r in removed if _participant_key(r) not in added_keys
        ]
        if entry is None:
            continue
        if entry.action == "created":
            # Listing everyone present at creation says nothing the page does not show.
            continue
        entry.added.extend(really_added)
        entry.removed.extend(really_removed)

    by_commitment: dict[int, Any] = {}
    for record in commitment_records:
        before = by_commitment.get(record.id)
        changes = []
        if before is None or record.history_type == "+":
            action = "created"
        elif record.history_type == "-":
            action = "deleted"
        else:
            action = "changed"
            changes = _field_changes(Commitment, record, before, COMMITMENT_FIELDS, names)
            if not changes:
                by_commitment[record.id] = record
                continue
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=record.history_user,
                subject=_("Commitment “%(title)s”") % {"title": record.title},
                action=action,
                changes=changes,
            )
        )
        by_commitment[record.id] = record

    entries = [e for e in entries if e.action != "changed" or e.changes or e.added or e.removed]
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


@dataclass
class Conflict:
    """What was saved since the version an edit started from."""

    base_version: int
    current_version: int
    changes: list[FieldChange]
    editors: list[Any]
    participants_changed: bool
    current_participants: list[str]


def meeting_conflict(meeting: Meeting, *, base_version: int, theirs: dict[str, Any]) -> Conflict:
    """Field by field: the value the officer started from, the value stored now and the
    value they typed (`theirs`, field name to model value; ids for related records)."""
    records = list(
        meeting.history.select_related("history_user").order_by("history_date", "history_id")
    )
    base = next((r for r in reversed(records) if r.version == base_version), None)
    current = records[-1] if records else None
    later = [r for r in records if base is None or r.history_date > base.history_date]
    names = _Names()
    for record in [r for r in (base, current) if r is not None]:
        _want_related([record], ("country", "event", "desk"), names)
    for name in ("country", "event", "desk"):
        names.want(name, theirs.get(name))
    names.fetch()
    changes: list[FieldChange] = []
    if base is not None and current is not None:
        changes = _field_changes(Meeting, current, base, MEETING_FIELDS, names)
    elif current is not None:
        # The starting version is not on record: compare what was typed with what is stored.
        for name in MEETING_FIELDS:
            stored = getattr(current, f"{name}_id" if name in _RELATED else name)
            if name in theirs and theirs[name] != stored:
                changes.append(
                    FieldChange(
                        name=name,
                        label=_label(Meeting, name),
                        old="—",
                        new=display(Meeting, name, stored, names),
                    )
                )
    for change in changes:
        change.theirs = display(Meeting, change.name, theirs.get(change.name), names)
    editors = list({r.history_user for r in later if r.history_user is not None})
    since = base.history_date if base is not None else None
    participant_history = Participant.history.filter(meeting_id=meeting.pk)
    if since is not None:
        participant_history = participant_history.filter(history_date__gt=since)
    current_participants = [
        str(p) for p in meeting.participants.select_related("person").order_by("side", "order")
    ]
    return Conflict(
        base_version=base_version,
        current_version=meeting.version,
        changes=changes,
        editors=editors,
        participants_changed=participant_history.exists(),
        current_participants=current_participants,
    )
