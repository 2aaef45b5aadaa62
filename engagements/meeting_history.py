"""A meeting's change history, read from the audit trail, for people to read.

Two uses: the change log on the meeting page (who changed what, when: the meeting, its tags,
participants, agenda items and commitments), and the edit conflict, where an officer who
started from an older version is shown, field by field, what was saved meanwhile.

Every entry of the trail whose meeting is this one is read once. The changes of one request
are told together: the meeting's fields and tags, and the participants added or removed
then; a participant, agenda item or commitment that changed in place has an entry of its
own. What is created with the meeting is not listed again (the page shows it).

A fixed number of queries, whatever the length of the history.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from accounts import policy
from accounts.models import Desk, User
from audit.models import AuditEntry

from .auditing import MEETING_TAGS
from .models import (
    AgendaItem,
    Commitment,
    Country,
    Event,
    Instrument,
    Meeting,
    Organization,
    Participant,
    Person,
    Post,
    Topic,
)

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
# Not the order: it follows from the list, and moves when someone is added before.
PARTICIPANT_FIELDS = (
    "person",
    "raw_name",
    "side",
    "organization",
    "country",
    "post",
    "post_label",
    "is_head_of_delegation",
)
AGENDA_FIELDS = ("order", "title", "topic", "notes", "outcome")
_RELATED: dict[str, Any] = {
    "country": Country,
    "event": Event,
    "desk": Desk,
    "owner": User,
    "instrument": Instrument,
    "person": Person,
    "organization": Organization,
    "post": Post,
    "topic": Topic,
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
        if name in self.wanted and isinstance(value, int):
            self.wanted[name].add(value)

    def want_changes(self, changes: dict[str, Any]) -> None:
        for name, change in changes.items():
            if name in _RELATED and isinstance(change, dict):
                self.want(name, change.get("before"))
                self.want(name, change.get("after"))

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
    if isinstance(model_field, models.DateTimeField) and isinstance(value, str):
        value = parse_datetime(value) or value
    elif isinstance(model_field, models.DateField) and isinstance(value, str):
        value = parse_date(value) or value
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    return str(value)


def _label(model: type[models.Model], name: str) -> str:
    return str(getattr(model._meta.get_field(name), "verbose_name", name)).capitalize()


def _field_changes(
    model: type[models.Model], changes: dict[str, Any], fields: tuple[str, ...], names: _Names
) -> list[FieldChange]:
    return [
        FieldChange(
            name=name,
            label=_label(model, name),
            old=display(model, name, changes[name].get("before"), names),
            new=display(model, name, changes[name].get("after"), names),
        )
        for name in fields
        if isinstance(changes.get(name), dict) and ("before" in changes[name])
    ]


def _tag_changes(changes: dict[str, Any]) -> list[FieldChange]:
    rows = []
    for name in MEETING_TAGS:
        change = changes.get(name)
        if not isinstance(change, dict) or not (change.get("added") or change.get("removed")):
            continue
        removed, added = change.get("removed") or [], change.get("added") or []
        rows.append(
            FieldChange(
                name=name,
                label=_label(Meeting, name),
                old=_("removed: %(names)s") % {"names": "; ".join(removed)} if removed else "—",
                new=_("added: %(names)s") % {"names": "; ".join(added)} if added else "—",
            )
        )
    return rows


def _value(changes: dict[str, Any], name: str) -> Any:
    change = changes.get(name) or {}
    after = change.get("after") if isinstance(change, dict) else None
    return after if after not in (None, "") else (change or {}).get("before")


def _participant_text(entry: AuditEntry) -> str:
    side = _value(entry.changes, "side")
    side_label = dict(Participant.Side.choices).get(side, side or "")
    return f"{entry.object_repr} ({side_label})" if side_label else entry.object_repr


def _who(entry: AuditEntry) -> Any:
    return entry.user if entry.user_id and entry.user is not None else (entry.username or None)


def _trail(meeting: Meeting, user: Any) -> list[AuditEntry]:
    # What was written while the meeting stood above the reader's clearance stays hidden.
    return list(
        AuditEntry.objects.filter(meeting_pk=meeting.pk)
        .filter(policy.audit_visibility_filter(user))
        .select_related("user")
        .order_by("at", "id")
    )


_ACTIONS: dict[str, str] = {
    AuditEntry.Action.CREATE: "created",
    AuditEntry.Action.UPDATE: "changed",
    AuditEntry.Action.DELETE: "deleted",
}


def meeting_change_log(meeting: Meeting, *, user: Any) -> list[HistoryEntry]:
    """The meeting's history as `user` may see it, newest first."""
    content_types = ContentType.objects.get_for_models(Meeting, Participant, AgendaItem, Commitment)
    kinds = {content_type.pk: model for model, content_type in content_types.items()}
    entries = _trail(meeting, user)
    names = _Names()
    for entry in entries:
        names.want_changes(entry.changes or {})
    names.fetch()

    log: list[HistoryEntry] = []
    # The meeting's entry of each request; entries without a request id (copied from the
    # older store, or written outside any request) go with the latest one.
    by_request: dict[str, HistoryEntry] = {}
    latest: HistoryEntry | None = None

    def group_of(entry: AuditEntry) -> HistoryEntry | None:
        return by_request.get(entry.request_id) if entry.request_id else latest

    def start_group(entry: AuditEntry, action: str) -> HistoryEntry:
        nonlocal latest
        found = HistoryEntry(when=entry.at, who=_who(entry), subject=_("Meeting"), action=action)
        log.append(found)
        if entry.request_id:
            by_request[entry.request_id] = found
        latest = found
        return found

    def made_with_meeting(entry: AuditEntry) -> bool:
        group = group_of(entry)
        return group is not None and group.action == "created"

    for entry in entries:
        model = kinds.get(entry.content_type_id)
        changes = entry.changes or {}
        action = _ACTIONS[entry.action]
        if model is Meeting:
            field_changes = _field_changes(Meeting, changes, MEETING_FIELDS, names)
            tags = _tag_changes(changes)
            if action != "changed" or not tags:
                # A save of the meeting itself: with what else its request changed.
                group = by_request.get(entry.request_id) if entry.request_id else None
                if group is None or group.action != "changed" or action != "changed":
                    group = start_group(entry, action)
            elif made_with_meeting(entry):
                continue  # the tags it was made with
            else:
                group = group_of(entry)
                if group is None or group.action != "changed":
                    group = start_group(entry, action)
            if action == "changed":
                group.changes.extend(field_changes)
                group.changes.extend(tags)
        elif model is Participant and action != "changed":
            if made_with_meeting(entry):
                continue  # everyone present at creation: the page shows them
            group = group_of(entry)
            if group is None or group.action != "changed":
                group = start_group(entry, "changed")
            (group.added if action == "created" else group.removed).append(_participant_text(entry))
        elif model in (Participant, AgendaItem, Commitment):
            if model is AgendaItem and action == "created" and made_with_meeting(entry):
                continue  # the agenda it was made with
            fields, subject = {
                Participant: (PARTICIPANT_FIELDS, _("Participant “%(name)s”")),
                AgendaItem: (AGENDA_FIELDS, _("Agenda item “%(name)s”")),
                Commitment: (COMMITMENT_FIELDS, _("Commitment “%(name)s”")),
            }[model]
            field_changes = []
            if action == "changed":
                field_changes = _field_changes(model, changes, fields, names)
                if not field_changes:
                    continue
            log.append(
                HistoryEntry(
                    when=entry.at,
                    who=_who(entry),
                    subject=subject % {"name": entry.object_repr},
                    action=action,
                    changes=field_changes,
                )
            )

    log = [e for e in log if e.action != "changed" or e.changes or e.added or e.removed]
    log.sort(key=lambda e: e.when, reverse=True)
    return log


@dataclass
class Conflict:
    """What was saved since the version an edit started from."""

    base_version: int
    current_version: int
    changes: list[FieldChange]
    editors: list[Any]
    participants_changed: bool
    current_participants: list[str]


def meeting_conflict(
    meeting: Meeting, *, user: Any, base_version: int, theirs: dict[str, Any]
) -> Conflict:
    """Field by field: the value the officer started from, the value stored now and the
    value they typed (`theirs`, field name to model value; ids for related records)."""
    content_types = ContentType.objects.get_for_models(Meeting, Participant)
    meeting_type, participant_type = content_types[Meeting].pk, content_types[Participant].pk
    entries = _trail(meeting, user)
    own = [e for e in entries if e.content_type_id == meeting_type]
    # The entry that brought the meeting to the version the officer started from.
    start = next(
        (
            index
            for index in range(len(own) - 1, -1, -1)
            if (own[index].changes or {}).get("version", {}).get("after") == base_version
        ),
        None,
    )
    names = _Names()
    for name in ("country", "event", "desk"):
        names.want(name, theirs.get(name))
        names.want(name, getattr(meeting, f"{name}_id"))
    changes: list[FieldChange] = []
    later: list[AuditEntry] = []
    if start is not None:
        base = own[start]
        later = [e for e in entries if (e.at, e.id) > (base.at, base.id)]
        first: dict[str, Any] = {}
        last: dict[str, Any] = {}
        for entry in later:
            if entry.content_type_id != meeting_type:
                continue
            for name, change in (entry.changes or {}).items():
                if name in MEETING_FIELDS and isinstance(change, dict) and "before" in change:
                    first.setdefault(name, change.get("before"))
                    last[name] = change.get("after")
        for name in first:
            names.want(name, first[name])
            names.want(name, last[name])
        names.fetch()
        changes = [
            FieldChange(
                name=name,
                label=_label(Meeting, name),
                old=display(Meeting, name, first[name], names),
                new=display(Meeting, name, last[name], names),
            )
            for name in MEETING_FIELDS
            if name in first and first[name] != last[name]
        ]
    else:
        # The starting version is not on record: compare what was typed with what is stored.
        names.fetch()
        for name in MEETING_FIELDS:
            stored = getattr(meeting, f"{name}_id" if name in _RELATED else name)
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
    editors = list({_who(e) for e in later if _who(e) is not None})
    current_participants = [
        str(p) for p in meeting.participants.select_related("person").order_by("side", "order")
    ]
    return Conflict(
        base_version=base_version,
        current_version=meeting.version,
        changes=changes,
        editors=editors,
        participants_changed=any(e.content_type_id == participant_type for e in later),
        current_participants=current_participants,
    )
