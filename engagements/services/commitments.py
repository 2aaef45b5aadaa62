"""Writes of follow-up commitments, on their own or as part of a meeting."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import policy
from accounts.models import Desk
from core.exceptions import PermissionDenied

from ..models import Commitment, Instrument, Meeting
from ..signals import commitment_changed
from .common import _prefixed


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


# What saving a commitment from a meeting's record may change.
COMMITMENT_WRITTEN_FIELDS = (
    "title",
    "description",
    "desk_id",
    "owner_id",
    "due_date",
    "owed_by",
    "instrument_id",
    "status",
    "completed_on",
    "completion_note",
)


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
        before = _values(commitment)
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
        if commitment.pk is None or _values(commitment) != before:
            rows.append(commitment)  # unchanged: not saved, nothing to record or announce
    if errors:
        raise ValidationError(errors)
    for commitment in rows:
        created = commitment.pk is None
        commitment.save()
        _send_commitment_changed(
            commitment, user=user, previous=None if created else previous[commitment.pk]
        )


def _values(commitment: Commitment) -> tuple[Any, ...]:
    return tuple(getattr(commitment, name) for name in COMMITMENT_WRITTEN_FIELDS)


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
    if not policy.may_change_commitment(
        user, desk_id=commitment.desk_id, owner_id=commitment.owner_id
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
    if not policy.may_change_commitment(
        user, desk_id=commitment.desk_id, owner_id=commitment.owner_id
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


@transaction.atomic
def commitment_delete(*, user: Any, commitment: Commitment) -> None:
    """Delete a commitment (accounts.policy.may_delete_commitment: the desk's leads and
    administrators; others drop it through its status)."""
    meeting = commitment.meeting
    if not policy.may_delete_commitment(
        user,
        desk_id=commitment.desk_id,
        classification=meeting.classification if meeting is not None else None,
    ):
        raise PermissionDenied(f"{user} may not delete this commitment.")
    commitment.delete()
