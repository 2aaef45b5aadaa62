"""Writes of the reference records meetings point at: countries, organizations, events,
topics, posts and instruments with their parties.

Officers of a desk and administrators may change them (accounts.policy.may_log_meetings),
as they may add people; only administrators delete them (accounts.policy.may_delete_reference),
except an instrument's parties, which go with their instrument's curation. Each create
takes the record's values, each update the changed ones; both validate the whole record
before saving.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError

from accounts import policy
from core.exceptions import PermissionDenied, RecordInUse

from ..models import (
    Country,
    Event,
    Instrument,
    InstrumentParty,
    Organization,
    Post,
    Tenure,
    Topic,
)
from .common import _prefixed, _unique_slug

Record = TypeVar("Record", bound=models.Model)


def _check_may_edit(user: Any) -> None:
    if not policy.may_log_meetings(user):
        raise PermissionDenied(f"{user} may not change reference records.")


def _editable(model: type[models.Model]) -> set[str]:
    return {
        f.name
        for f in model._meta.get_fields()
        if getattr(f, "editable", False) and not f.auto_created and not f.many_to_many
    }


def _write(record: Record, values: Mapping[str, Any], *, slug_from: str | None = None) -> Record:
    unknown = set(values) - _editable(type(record))
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    for name, value in values.items():
        setattr(record, name, value)
    if slug_from is not None and not getattr(record, "slug", None):
        record.slug = _unique_slug(type(record), getattr(record, slug_from))  # type: ignore[attr-defined]
    record.full_clean()
    record.save()
    return record


def _delete(record: models.Model, *, user: Any) -> None:
    if not policy.may_delete_reference(user):
        raise PermissionDenied(f"{user} may not delete {record}.")
    _remove(record)


def _remove(record: models.Model) -> None:
    try:
        record.delete()
    except ProtectedError as error:
        raise RecordInUse(f"{record} is still in use and cannot be deleted.") from error


# Countries


@transaction.atomic
def country_create(*, user: Any, values: Mapping[str, Any]) -> Country:
    _check_may_edit(user)
    return _write(Country(), values)


@transaction.atomic
def country_update(*, user: Any, country: Country, changes: Mapping[str, Any]) -> Country:
    _check_may_edit(user)
    return _write(country, changes)


@transaction.atomic
def country_delete(*, user: Any, country: Country) -> None:
    _check_may_edit(user)
    _delete(country, user=user)


# Organizations


@transaction.atomic
def organization_create(*, user: Any, values: Mapping[str, Any]) -> Organization:
    _check_may_edit(user)
    return _write(Organization(), values, slug_from="name")


@transaction.atomic
def organization_update(
    *, user: Any, organization: Organization, changes: Mapping[str, Any]
) -> Organization:
    _check_may_edit(user)
    return _write(organization, changes)


@transaction.atomic
def organization_delete(*, user: Any, organization: Organization) -> None:
    _check_may_edit(user)
    _delete(organization, user=user)


# Events


@transaction.atomic
def event_create(*, user: Any, values: Mapping[str, Any]) -> Event:
    _check_may_edit(user)
    return _write(Event(), values, slug_from="name")


@transaction.atomic
def event_update(*, user: Any, event: Event, changes: Mapping[str, Any]) -> Event:
    _check_may_edit(user)
    return _write(event, changes)


@transaction.atomic
def event_delete(*, user: Any, event: Event) -> None:
    _check_may_edit(user)
    _delete(event, user=user)


# Topics


def _check_no_cycle(topic: Topic) -> None:
    seen = {topic.pk} if topic.pk else set()
    parent = topic.parent
    while parent is not None:
        if parent.pk in seen:
            raise ValidationError({"parent": "A topic cannot be filed under itself."})
        seen.add(parent.pk)
        parent = parent.parent


@transaction.atomic
def topic_create(*, user: Any, values: Mapping[str, Any]) -> Topic:
    _check_may_edit(user)
    topic = Topic(**{name: values[name] for name in ("parent",) if name in values})
    _check_no_cycle(topic)
    return _write(topic, values, slug_from="name")


@transaction.atomic
def topic_update(*, user: Any, topic: Topic, changes: Mapping[str, Any]) -> Topic:
    _check_may_edit(user)
    if "parent" in changes:
        topic.parent = changes["parent"]
        _check_no_cycle(topic)
    return _write(topic, changes)


@transaction.atomic
def topic_delete(*, user: Any, topic: Topic) -> None:
    _check_may_edit(user)
    _delete(topic, user=user)


# Posts


def _first_overlap(tenures: Iterable[Tenure]) -> tuple[Tenure, Tenure] | None:
    previous: Tenure | None = None
    for tenure in sorted(tenures, key=lambda t: t.start_date):
        # End dates are exclusive; without an overlap so far, each tenure reaches furthest.
        if previous is not None and (
            previous.end_date is None or previous.end_date > tenure.start_date
        ):
            return previous, tenure
        previous = tenure
    return None


@transaction.atomic
def post_create(*, user: Any, values: Mapping[str, Any]) -> Post:
    _check_may_edit(user)
    return _write(Post(), values, slug_from="label")


@transaction.atomic
def post_update(*, user: Any, post: Post, changes: Mapping[str, Any]) -> Post:
    """Change a post. Making it single-holder is refused while two tenures of it overlap;
    its tenures' `exclusive` (for the exclusion constraint) follows the post."""
    _check_may_edit(user)
    was_single = Post.objects.values_list("single_holder", flat=True).get(pk=post.pk)
    tenures = list(Tenure.objects.filter(post=post).select_related("person", "post"))
    if changes.get("single_holder") and not was_single:
        overlap = _first_overlap(tenures)
        if overlap is not None:
            first, second = overlap
            raise ValidationError(
                {
                    "single_holder": f"{first.person} and {second.person} held this post at "
                    "the same time; correct their tenures first."
                }
            )
    post = _write(post, changes)
    if post.single_holder != was_single:
        for tenure in tenures:
            tenure.exclusive = post.single_holder
            tenure.save(update_fields=["exclusive"])
    return post


@transaction.atomic
def post_delete(*, user: Any, post: Post) -> None:
    _check_may_edit(user)
    _delete(post, user=user)


# Instruments and their parties


@dataclass
class InstrumentPartyInput:
    role: str
    organization: Organization | None = None
    country: Country | None = None
    amount: Decimal | None = None
    note: str = ""
    id: int | None = None  # set to update a party of the instrument


def _write_parties(instrument: Instrument, parties: Sequence[InstrumentPartyInput]) -> None:
    """Update the parties given with an id, add those without, delete the others."""
    existing = {party.pk: party for party in instrument.parties.all()}
    errors: dict[str, list[str]] = {}
    rows = []
    for index, item in enumerate(parties):
        if item.id is not None and item.id not in existing:
            errors.setdefault(f"parties[{index}].id", []).append("No such party.")
            continue
        party = existing.pop(item.id) if item.id is not None else InstrumentParty()
        party.instrument = instrument
        party.role, party.organization, party.country = item.role, item.organization, item.country
        party.amount, party.note = item.amount, item.note
        try:
            party.full_clean()
        except ValidationError as error:
            errors.update(_prefixed(error, f"parties[{index}]").message_dict)
        rows.append(party)
    if errors:
        raise ValidationError(errors)
    for removed in existing.values():
        removed.delete()
    for party in rows:
        party.save()


@transaction.atomic
def instrument_create(
    *,
    user: Any,
    values: Mapping[str, Any],
    related: Sequence[Instrument] = (),
    parties: Sequence[InstrumentPartyInput] = (),
) -> Instrument:
    _check_may_edit(user)
    instrument = _write(Instrument(), values, slug_from="name")
    instrument.related.set(related)
    _write_parties(instrument, parties)
    return instrument


@transaction.atomic
def instrument_update(
    *,
    user: Any,
    instrument: Instrument,
    changes: Mapping[str, Any],
    related: Sequence[Instrument] | None = None,
    parties: Sequence[InstrumentPartyInput] | None = None,
) -> Instrument:
    """Change an instrument; `related` and `parties`, when given, replace the current ones."""
    _check_may_edit(user)
    instrument = _write(instrument, changes)
    if related is not None:
        instrument.related.set(related)
    if parties is not None:
        _write_parties(instrument, parties)
    return instrument


@transaction.atomic
def instrument_delete(*, user: Any, instrument: Instrument) -> None:
    _check_may_edit(user)
    _delete(instrument, user=user)


@transaction.atomic
def instrument_party_create(*, user: Any, values: Mapping[str, Any]) -> InstrumentParty:
    _check_may_edit(user)
    return _write(InstrumentParty(), values)


@transaction.atomic
def instrument_party_update(
    *, user: Any, party: InstrumentParty, changes: Mapping[str, Any]
) -> InstrumentParty:
    _check_may_edit(user)
    return _write(party, changes)


@transaction.atomic
def instrument_party_delete(*, user: Any, party: InstrumentParty) -> None:
    _check_may_edit(user)
    # A party is part of its instrument (as a participant of a meeting): removed by whoever
    # curates the instrument.
    _remove(party)
