"""Reads of the audit trail.

`entries_for(obj, user)` is what a record's page shows (templates/audit/_trail.html):

    {% include "audit/_trail.html" with entries=audit_entries %}

with `audit_entries = audit.selectors.entries_for(meeting, request.user)` in the view.
A user sees the trail of a record they may read, minus entries made while the record was
classified above their clearance; addresses and request ids are for administrators only.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from accounts import policy
from core.spreadsheet import neutralise

from .models import AuditEntry, FieldChange
from .registry import audited

TRAIL_LIMIT = 200


def _may_read(obj: Any, user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if policy.is_administrator(user):
        return True
    # Meetings and their parts: the owning app's rule (engagements.auditing).
    registration = audited(type(obj))
    if registration is not None and registration.readable is not None:
        return registration.readable(user, obj)
    # Users' own records: only administrators (and the user themself) see their trail.
    if obj._meta.label == "accounts.User":
        return obj.pk == user.pk
    # Unclassified reference records (tenures, instruments) are read by every signed-in user.
    return True


def entries_for(obj: Any, user: Any, *, limit: int | None = TRAIL_LIMIT) -> QuerySet[AuditEntry]:
    """The trail of one record, newest first: for a meeting also that of its participants
    and commitments. Empty if the user may not read the record. `limit=None` leaves the
    queryset unsliced, for a paginator to page through."""
    if obj is None or obj.pk is None or not _may_read(obj, user):
        return AuditEntry.objects.none()
    content_type = ContentType.objects.get_for_model(type(obj))
    own = Q(content_type=content_type, object_id=str(obj.pk))
    registration = audited(type(obj))
    if registration is not None and registration.owns_meeting_trail:
        own |= Q(meeting_pk=obj.pk)
    entries = AuditEntry.objects.filter(own)
    entries = entries.filter(policy.audit_visibility_filter(user))
    entries = entries.select_related("content_type").order_by("-at", "-id")
    return entries if limit is None else entries[:limit]


def changes_of(entry: AuditEntry) -> list[FieldChange]:
    return entry.field_changes()


CSV_HEADER = (
    "at",
    "action",
    "record_type",
    "record_id",
    "record",
    "user_id",
    "username",
    "ip",
    "request_id",
    "channel",
    "detail",
    "changes",
)


def _cell(value: Any) -> str:
    return str(neutralise("" if value is None else str(value)))


def entries_as_csv(entries: QuerySet[AuditEntry]) -> Iterator[str]:
    """CSV lines of the entries, streamed (the trail grows without bound)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(CSV_HEADER)
    yield flush()
    rows: Iterable[AuditEntry] = entries.select_related("content_type").iterator(chunk_size=2000)
    for entry in rows:
        writer.writerow(
            [
                _cell(value)
                for value in (
                    entry.at.isoformat(),
                    entry.action,
                    f"{entry.content_type.app_label}.{entry.content_type.model}",
                    entry.object_id,
                    entry.object_repr,
                    entry.user_id,
                    entry.username,
                    entry.ip,
                    entry.request_id,
                    entry.channel,
                    entry.label,
                    json.dumps(entry.changes, ensure_ascii=False, default=str, sort_keys=True),
                )
            ]
        )
        yield flush()
