"""The copy of django-simple-history's rows into the trail, run once by the migrations that
retire it (audit 0003, engagements 0009) before they drop the historical tables.

It works on the migration state's models (`apps`), never on the project's: the project's
models no longer have historical tables. A row becomes an entry unless the trail already
has one for that record, action and moment (the trail was written alongside simple-history
since the audit app came; imports wrote historical rows only). "+" is a create, "~" an
update (the fields that differ from the record's previous row; none: no entry), "-" a
delete. Entries name the historical row's user; channel "system", labelled
"simple-history" with the change reason if one was given.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

HISTORY_FIELDS = frozenset(
    {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}
)
SECRET_FIELDS = frozenset({"password", "last_login", "key_hash"})
ACTIONS = {"+": "create", "~": "update", "-": "delete"}
# An entry written by the audit app for a historical row is at most this much later.
SAME_MOMENT = datetime.timedelta(seconds=10)
REPR_MAX = 300
# A part of a meeting whose meeting's classification is unknown is kept as secret as any.
UNKNOWN_CLASSIFICATION = 3


@dataclass(frozen=True)
class Legacy:
    """A historical model of the migration state and the record it kept the history of."""

    app_label: str  # where the historical model is
    historical: str  # e.g. "HistoricalMeeting"
    model: str  # the recorded model, e.g. "meeting"
    model_app_label: str = ""  # its app, when not app_label (users: "accounts")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _is_field_change(changes: Any) -> bool:
    return isinstance(changes, dict) and any(
        isinstance(change, dict) and ("before" in change or "after" in change)
        for change in changes.values()
    )


class _Reprs:
    """Readable names of the records, as their __str__ would give them."""

    def __init__(self, apps: Any) -> None:
        self.apps = apps
        self._people: dict[int, str] | None = None
        self._posts: dict[int, str] | None = None

    def _names(self, model: str, column: str) -> dict[int, str]:
        try:
            found = self.apps.get_model("engagements", model)
        except LookupError:
            return {}
        return dict(found.objects.values_list("pk", column))

    def people(self) -> dict[int, str]:
        if self._people is None:
            self._people = self._names("Person", "name")
        return self._people

    def posts(self) -> dict[int, str]:
        if self._posts is None:
            self._posts = self._names("Post", "label")
        return self._posts

    def of(self, model: str, row: Any) -> str:
        try:
            text = self._of(model, row)
        except Exception:
            text = ""
        return (text or f"{model} #{row.id}")[:REPR_MAX]

    def _of(self, model: str, row: Any) -> str:
        if model == "meeting":
            local = row.start.astimezone(ZoneInfo(row.time_zone or "UTC"))
            pattern = {"year": "%Y", "month": "%B %Y"}.get(row.date_precision, "%d %B %Y")
            return f"{row.title} ({local.strftime(pattern)})"
        if model == "participant":
            name = self.people().get(row.person_id, "") if row.person_id else row.raw_name
            return f"{name}, {row.post_label}" if row.post_label else name
        if model == "tenure":
            end = row.end_date.isoformat() if row.end_date else "present"
            person = self.people().get(row.person_id, "")
            post = self.posts().get(row.post_id, "")
            return f"{person} — {post} ({row.start_date.isoformat()} to {end})"
        if model == "instrument":
            return f"{row.name} ({row.short_name})" if row.short_name else row.name
        if model == "user":
            full = f"{row.first_name} {row.last_name}".strip()
            return full or row.username
        return str(getattr(row, "title", "") or getattr(row, "name", ""))


class _Classifications:
    """The classification a meeting had at a moment, from its historical rows (or, failing
    those, from the meeting as it is now)."""

    def __init__(self, apps: Any) -> None:
        self.timeline: dict[int, list[tuple[datetime.datetime, int]]] = defaultdict(list)
        self.now: dict[int, int] = {}
        try:
            historical = apps.get_model("engagements", "HistoricalMeeting")
            meeting = apps.get_model("engagements", "Meeting")
        except LookupError:
            return
        rows = historical.objects.order_by("history_date", "history_id").values_list(
            "id", "history_date", "classification"
        )
        for meeting_id, when, classification in rows.iterator(chunk_size=2000):
            self.timeline[meeting_id].append((when, classification))
        self.now = dict(meeting.objects.values_list("pk", "classification"))

    def at(self, meeting_id: int, when: datetime.datetime) -> int:
        timeline = self.timeline.get(meeting_id, [])
        index = bisect.bisect_right([moment for moment, _ in timeline], when)
        if index:
            return timeline[index - 1][1]
        if timeline:
            return timeline[0][1]
        return self.now.get(meeting_id, UNKNOWN_CLASSIFICATION)


def copy_history(apps: Any, schema_editor: Any, legacy: Iterable[Legacy]) -> int:
    """Copy the historical rows of `legacy` into audit entries; the number written."""
    entry_model = apps.get_model("audit", "AuditEntry")
    content_types = apps.get_model("contenttypes", "ContentType")
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    usernames = dict(user_model.objects.values_list("pk", "username"))
    reprs = _Reprs(apps)
    classifications: _Classifications | None = None
    written = 0
    for item in legacy:
        try:
            historical = apps.get_model(item.app_label, item.historical)
        except LookupError:
            continue
        if not historical.objects.exists():
            continue
        if classifications is None:
            classifications = _Classifications(apps)
        content_type, _ = content_types.objects.get_or_create(
            app_label=item.model_app_label or item.app_label, model=item.model
        )
        fields = [
            f
            for f in historical._meta.concrete_fields
            if f.name not in HISTORY_FIELDS and f.name not in SECRET_FIELDS and f.name != "id"
        ]
        # Entries the trail has already, by record and action: each pairs with one row.
        existing: dict[tuple[str, str], list[datetime.datetime]] = defaultdict(list)
        for object_id, action, at, changes in (
            entry_model.objects.filter(content_type=content_type)
            .order_by("at", "id")
            .values_list("object_id", "action", "at", "changes")
            .iterator(chunk_size=2000)
        ):
            if action != "update" or _is_field_change(changes):
                existing[(object_id, action)].append(at)
        batch: list[Any] = []
        previous: Any = None
        rows = historical.objects.order_by("id", "history_date", "history_id")
        for row in rows.iterator(chunk_size=2000):
            if previous is not None and previous.id != row.id:
                previous = None
            action = ACTIONS.get(row.history_type)
            if action is None:
                previous = row
                continue
            changes = _changes(action, row, previous, fields)
            previous = row
            if action == "update" and not changes:
                continue
            if _pair(existing[(str(row.id), action)], row.history_date):
                continue
            meeting_pk, classification = _scope(item.model, row, changes, classifications)
            reason = (row.history_change_reason or "").strip()
            batch.append(
                entry_model(
                    at=row.history_date,
                    content_type=content_type,
                    object_id=str(row.id),
                    object_repr=reprs.of(item.model, row),
                    action=action,
                    changes=changes,
                    user_id=row.history_user_id,
                    username=usernames.get(row.history_user_id, "")[:150],
                    channel="import" if "import" in reason.lower() else "system",
                    label=(f"simple-history: {reason}" if reason else "simple-history")[:200],
                    meeting_pk=meeting_pk,
                    classification=classification,
                )
            )
            if len(batch) >= 1000:
                entry_model.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        entry_model.objects.bulk_create(batch)
        written += len(batch)
    return written


def _changes(action: str, row: Any, previous: Any, fields: list[Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for field in fields:
        value = getattr(row, field.attname)
        if action == "update" and previous is not None:
            before = getattr(previous, field.attname)
            if before != value:
                changes[field.name] = {"before": before, "after": value}
        elif not _empty(value):
            side, other = ("before", "after") if action == "delete" else ("after", "before")
            changes[field.name] = {other: None, side: value}
    return changes


def _pair(moments: list[datetime.datetime], when: datetime.datetime) -> bool:
    """Take the first entry written at or just after `when`, if there is one."""
    for index, at in enumerate(moments):
        if when - datetime.timedelta(milliseconds=1) <= at <= when + SAME_MOMENT:
            del moments[index]
            return True
    return False


def _scope(
    model: str, row: Any, changes: dict[str, Any], classifications: _Classifications
) -> tuple[int | None, int | None]:
    if model == "meeting":
        classification = row.classification
        before = (changes.get("classification") or {}).get("before")
        if isinstance(before, int) and before > classification:
            classification = before
        return row.id, classification
    meeting_id = getattr(row, "meeting_id", None)
    if meeting_id is None:
        return None, None
    return meeting_id, classifications.at(meeting_id, row.history_date)
