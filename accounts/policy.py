"""The one access policy: every surface asks it (docs/architecture.md, "One policy").

A user sees a classified record when it is public or internal, or when its
classification is within their clearance and they belong to its desk or took part in
it; administrators see everything; anonymous and inactive users see nothing.

This module knows users, desks and clearances only. The apps that own classified
records (engagements) call `visibility_filter` with the paths to their own fields and a
filter for "took part in it", so the rule itself is written once, here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from .models import Classification, DeskMembership, User

NOTHING = Q(pk__in=[])


def is_administrator(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and getattr(user, "is_administrator", False)
    )


def desk_ids_of(user: User) -> Any:
    return DeskMembership.objects.filter(user=user).values("desk_id")


def visibility_filter(
    user: Any, *, classification_field: str, desk_field: str, participation: Q | None = None
) -> Q:
    """A Q object selecting the records `user` may read."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if is_administrator(user):
        return Q()
    openly_readable = Q(**{f"{classification_field}__lte": Classification.INTERNAL})
    involved = Q(**{f"{desk_field}__in": desk_ids_of(user)})
    if participation is not None:
        involved |= participation
    cleared = Q(**{f"{classification_field}__lte": user.clearance})
    return openly_readable | (cleared & involved)


def can_read(user: Any, *, classification: int, desk_id: int | None, took_part: bool) -> bool:
    """The same rule for one record already in memory."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_administrator(user):
        return True
    if classification <= Classification.INTERNAL:
        return True
    if classification > user.clearance:
        return False
    if took_part:
        return True
    return (
        desk_id is not None and DeskMembership.objects.filter(user=user, desk_id=desk_id).exists()
    )


def can_write_for_desk(user: Any, *, desk_id: int | None) -> bool:
    """Officers and leads log records for their own desks; administrators for any."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_administrator(user):
        return True
    return (
        desk_id is not None and DeskMembership.objects.filter(user=user, desk_id=desk_id).exists()
    )


def can_classify(user: Any, *, classification: int) -> bool:
    """A record may be written at a classification up to the writer's own clearance;
    administrators may write at any."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_administrator(user) or classification <= user.clearance


def can_write(user: Any, *, desk_id: int | None, classification: int) -> bool:
    """Write a record of a desk at a classification: both rules above at once."""
    return can_write_for_desk(user, desk_id=desk_id) and can_classify(
        user, classification=classification
    )


def may_log_meetings(user: Any) -> bool:
    """Officers and leads of any desk, and administrators, may log meetings at all."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_administrator(user) or desk_ids_of(user).exists()
