"""What engagements tells the audit trail: which records it keeps the history of, the meeting
each belongs to (with the meeting's classification, for the trail's access rule), and who
may read a record's trail. Registered in EngagementsConfig.ready(); the audit app imports
nothing from here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models

from audit.registry import Scope
from audit.signals import register

from .models import AgendaItem, Commitment, Instrument, Meeting, Participant, Tenure
from .selectors import commitment_is_visible_to, meeting_is_visible_to

MEETING_TAGS = ("topics", "minerals", "instruments", "counterpart_countries")


def meeting_scope(instances: Sequence[models.Model]) -> dict[int, Scope]:
    """For each instance (by id()), the meeting it belongs to and the meeting's
    classification, with one query for the meetings not already loaded."""
    scope: dict[int, Scope] = {}
    missing: dict[int, list[models.Model]] = {}
    for instance in instances:
        if isinstance(instance, Meeting):
            scope[id(instance)] = (instance.pk, instance.classification)
            continue
        meeting_id = getattr(instance, "meeting_id", None)
        if meeting_id is None:
            scope[id(instance)] = (None, None)
            continue
        field = instance._meta.get_field("meeting")
        if field.is_cached(instance):  # type: ignore[union-attr]
            scope[id(instance)] = (meeting_id, instance.meeting.classification)  # type: ignore[attr-defined]
        else:
            missing.setdefault(meeting_id, []).append(instance)
    if missing:
        found = dict(Meeting.objects.filter(pk__in=missing).values_list("pk", "classification"))
        for meeting_id, waiting in missing.items():
            for instance in waiting:
                scope[id(instance)] = (meeting_id, found.get(meeting_id))
    return scope


def _meeting_readable(user: Any, obj: Any) -> bool:
    return meeting_is_visible_to(user=user, meeting=obj)


def _part_readable(user: Any, obj: Any) -> bool:
    return meeting_is_visible_to(user=user, meeting=obj.meeting)


def _commitment_readable(user: Any, obj: Any) -> bool:
    return commitment_is_visible_to(user=user, commitment=obj)


def register_audited_models() -> None:
    register(
        Meeting,
        exclude={"updated_at"},
        m2m=MEETING_TAGS,
        scope=meeting_scope,
        readable=_meeting_readable,
        owns_meeting_trail=True,
    )
    register(Participant, scope=meeting_scope, readable=_part_readable)
    register(AgendaItem, scope=meeting_scope, readable=_part_readable)
    register(Commitment, exclude={"updated_at"}, scope=meeting_scope, readable=_commitment_readable)
    # Unclassified reference records: their trail is read by every signed-in user.
    register(Tenure)
    register(Instrument)
