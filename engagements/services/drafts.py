"""Half-filled meeting forms kept for their authors."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts import policy
from core.exceptions import PermissionDenied

from ..models import Meeting, MeetingDraft


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
