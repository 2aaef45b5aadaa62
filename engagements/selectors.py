"""Reads. Every query of classified records starts from the access policy here."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts import policy

from .models import AgendaItem, Attachment, Commitment, Meeting, Participant, Post, Tenure


def _participated_meetings(user: Any) -> Any:
    return Participant.objects.filter(person__user=user).values("meeting_id")


def _meeting_filter(user: Any, *, prefix: str = "") -> Q:
    return policy.visibility_filter(
        user,
        classification_field=f"{prefix}classification",
        desk_field=f"{prefix}desk_id",
        participation=Q(**{f"{prefix}id__in": _participated_meetings(user)})
        if getattr(user, "is_authenticated", False)
        else None,
    )


def meetings_visible_to(
    user: Any, *, queryset: QuerySet[Meeting] | None = None
) -> QuerySet[Meeting]:
    queryset = Meeting.objects.all() if queryset is None else queryset
    return queryset.filter(_meeting_filter(user))


def meeting_get_visible(*, user: Any, pk: int) -> Meeting:
    """The meeting, or Http404 whether it is missing or hidden: never confirm it exists."""
    return get_object_or_404(meetings_visible_to(user), pk=pk)


def meeting_is_visible_to(*, user: Any, meeting: Meeting) -> bool:
    took_part = (
        getattr(user, "is_authenticated", False)
        and meeting.participants.filter(person__user=user).exists()
    )
    return policy.can_read(
        user,
        classification=meeting.classification,
        desk_id=meeting.desk_id,
        took_part=bool(took_part),
    )


def meetings_for_list(*, user: Any) -> QuerySet[Meeting]:
    return (
        meetings_visible_to(user)
        .select_related("desk", "event", "country")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related("person", "country").order_by(
                    "side", "order", "id"
                ),
            ),
            "topics",
        )
    )


def participants_visible_to(user: Any) -> QuerySet[Participant]:
    return Participant.objects.filter(_meeting_filter(user, prefix="meeting__"))


def agenda_items_visible_to(user: Any) -> QuerySet[AgendaItem]:
    return AgendaItem.objects.filter(_meeting_filter(user, prefix="meeting__"))


def attachments_visible_to(user: Any) -> QuerySet[Attachment]:
    return Attachment.objects.filter(_meeting_filter(user, prefix="meeting__"))


def commitments_visible_to(
    user: Any, *, queryset: QuerySet[Commitment] | None = None
) -> QuerySet[Commitment]:
    """A commitment from a meeting is visible with its meeting. One without a meeting is
    visible to its owner, the members of its desk and administrators."""
    queryset = Commitment.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if policy.is_administrator(user):
        return queryset
    from_visible_meeting = Q(meeting__isnull=False) & _meeting_filter(user, prefix="meeting__")
    standalone = Q(meeting__isnull=True) & (Q(owner=user) | Q(desk_id__in=policy.desk_ids_of(user)))
    return queryset.filter(from_visible_meeting | standalone)


def commitment_is_visible_to(*, user: Any, commitment: Commitment) -> bool:
    return commitments_visible_to(user).filter(pk=commitment.pk).exists()


def tenure_valid_on(
    *, person_id: int, day: datetime.date, post: Post | None = None
) -> Tenure | None:
    """The tenure a person held on a day: of `post` if given, else their highest-ranked."""
    tenures = Tenure.objects.valid_on(day).filter(person_id=person_id)
    if post is not None:
        tenures = tenures.filter(post=post)
    return tenures.select_related("post__organization").order_by("post__rank", "start_date").first()


def post_holders_on(*, day: datetime.date, country_id: int) -> QuerySet[Tenure]:
    """Who held each post of a country's organizations on a day (current when today)."""
    return (
        Tenure.objects.valid_on(day)
        .filter(post__organization__country_id=country_id)
        .select_related("person", "post__organization")
        .order_by("post__organization__name", "post__rank")
    )
