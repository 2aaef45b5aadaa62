"""Writes of people and their tenures of posts."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Q

from accounts import policy
from core.exceptions import PermissionDenied, RecordInUse

from ..models import Country, Person, Post, Tenure
from .common import _unique_slug


def _overlapping_tenures(tenure: Tenure) -> Iterable[Tenure]:
    others = Tenure.objects.filter(post_id=tenure.post_id).exclude(pk=tenure.pk)
    if tenure.end_date is not None:
        others = others.filter(start_date__lt=tenure.end_date)
    return others.filter(
        Q(end_date__isnull=True) | Q(end_date__gt=tenure.start_date)
    ).select_related("person")


def _save_tenure(tenure: Tenure) -> Tenure:
    tenure.exclusive = tenure.post.single_holder
    # The PostgreSQL exclusion constraint is not portable; the same rule is checked here.
    tenure.full_clean(validate_constraints=True)
    if tenure.exclusive:
        clash = next(iter(_overlapping_tenures(tenure)), None)
        if clash is not None:
            raise ValidationError(
                {
                    "start_date": f"{tenure.post.label} is a single-holder post and "
                    f"{clash.person} held it from {clash.start_date} to "
                    f"{clash.end_date or 'present'}: tenures may not overlap."
                }
            )
    tenure.save()
    return tenure


@transaction.atomic
def tenure_create(
    *,
    person: Person,
    post: Post,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    source: str = "",
    source_url: str = "",
    last_verified: datetime.date | None = None,
    note: str = "",
) -> Tenure:
    tenure = Tenure(
        person=person,
        post=post,
        start_date=start_date,
        end_date=end_date,
        source=source,
        source_url=source_url,
        last_verified=last_verified,
        note=note,
    )
    return _save_tenure(tenure)


@transaction.atomic
def tenure_update(*, tenure: Tenure, **changes: Any) -> Tenure:
    allowed = {
        "person",
        "post",
        "start_date",
        "end_date",
        "source",
        "source_url",
        "last_verified",
        "note",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    for name, value in changes.items():
        setattr(tenure, name, value)
    return _save_tenure(tenure)


@transaction.atomic
def person_create(
    *,
    user: Any,
    name: str,
    native_name: str = "",
    honorific_prefix: str = "",
    nationality: Country | None = None,
) -> Person:
    """A person added while logging a meeting. Officers of a desk and administrators may."""
    if not policy.may_log_meetings(user):
        raise PermissionDenied(f"{user} may not add people.")
    person = Person(
        name=name.strip(),
        native_name=native_name.strip(),
        honorific_prefix=honorific_prefix.strip(),
        nationality=nationality,
    )
    person.slug = _unique_slug(Person, person.name or person.native_name)
    person.full_clean()
    person.save()
    return person


PERSON_FIELDS = frozenset(
    {
        "name",
        "native_name",
        "sort_name",
        "slug",
        "honorific_prefix",
        "nationality",
        "summary",
        "identifiers",
        "email",
        "phone",
        "user",
    }
)


def _check_may_edit_people(user: Any) -> None:
    if not policy.may_log_meetings(user):
        raise PermissionDenied(f"{user} may not change people.")


def _check_may_delete_people(user: Any) -> None:
    if not policy.may_delete_reference(user):
        raise PermissionDenied(f"{user} may not delete people or their posts.")


@transaction.atomic
def person_update(*, user: Any, person: Person, **changes: Any) -> Person:
    """Change a person's record (any of PERSON_FIELDS)."""
    _check_may_edit_people(user)
    unknown = set(changes) - PERSON_FIELDS
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    for name, value in changes.items():
        setattr(person, name, value)
    if not person.slug:
        person.slug = _unique_slug(Person, person.name or person.native_name)
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def person_delete(*, user: Any, person: Person) -> None:
    """Delete a person with their tenures; refused while they are a meeting's participant.
    Administrators only (accounts.policy.may_delete_reference)."""
    _check_may_delete_people(user)
    try:
        person.delete()
    except ProtectedError as error:
        raise RecordInUse(f"{person} took part in meetings and cannot be deleted.") from error


@transaction.atomic
def tenure_delete(*, user: Any, tenure: Tenure) -> None:
    _check_may_delete_people(user)
    tenure.delete()
