"""The JSON sent to endpoints: plain dicts, built when the event happens.

A payload is a snapshot taken inside the transaction of the change and stored on the
delivery, so a retry an hour later sends what was true at the event, and the receiver
orders events by `occurred_at` and the meeting's `version`. Contact details of people
are never included.
"""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

from accounts.models import Classification
from engagements.models import Commitment, Meeting


def encode(payload: dict[str, Any]) -> bytes:
    # Stable bytes: the stored JSON may come back with its keys in another order.
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def envelope(
    *, event_type: str, event_id: uuid.UUID, occurred_at: datetime.datetime, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "event_id": str(event_id),
        "event_type": event_type,
        "occurred_at": occurred_at.isoformat(),
        "data": data,
    }


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _named(items: Any) -> list[dict[str, Any]]:
    return [{"id": item.pk, "slug": item.slug, "name": item.name} for item in items]


def meeting_data(meeting: Meeting) -> dict[str, Any]:
    """Expects the relations loaded by webhooks.selectors.meeting_for_payload."""
    desk = meeting.desk
    country = meeting.country
    event = meeting.event
    return {
        "meeting": {
            "id": meeting.pk,
            "title": meeting.title,
            "start": meeting.start.isoformat(),
            "end": meeting.end.isoformat() if meeting.end else None,
            "time_zone": meeting.time_zone,
            "date_precision": meeting.date_precision,
            "kind": meeting.kind,
            "status": meeting.status,
            "desk": {"id": desk.pk, "code": desk.code, "name": desk.name},
            "classification": Classification(meeting.classification).name.lower(),
            "country": {"iso2": country.iso2, "name": country.name} if country else None,
            "event": {"id": event.pk, "slug": event.slug, "name": event.name} if event else None,
            "participants": [
                {
                    "id": participant.pk,
                    "person_id": participant.person_id,
                    "name": participant.display_name,
                    "side": participant.side,
                    "post_label": participant.post_label,
                    "organization": participant.organization.name
                    if participant.organization
                    else None,
                    "country": participant.country.iso2 if participant.country else None,
                    "is_head_of_delegation": participant.is_head_of_delegation,
                }
                for participant in meeting.participants.all()
            ],
            "topics": _named(meeting.topics.all()),
            "minerals": _named(meeting.minerals.all()),
            "instruments": _named(meeting.instruments.all()),
            "version": meeting.version,
        }
    }


def meeting_deleted_data(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {"meeting": {"id": snapshot["id"], "title": snapshot["title"]}}


def commitment_data(commitment: Commitment) -> dict[str, Any]:
    owner = commitment.owner
    return {
        "commitment": {
            "id": commitment.pk,
            "title": commitment.title,
            "due_date": _date(commitment.due_date),
            "status": commitment.status,
            "completed_on": _date(commitment.completed_on),
            "owner": owner.get_username() if owner is not None else None,
            "meeting_id": commitment.meeting_id,
        }
    }
