"""Which models the trail records, told by the apps that own them.

The audit app sits below the apps it records: it imports none of them. Each app registers
its audited models when it is ready (engagements.apps, accounts' users in audit.apps):

    audit.signals.register(Meeting, exclude={"updated_at"}, m2m=("topics",), scope=meeting_scope,
                      readable=meeting_readable)

`scope(instances)` tells, for each instance (by id()), the meeting it belongs to and the
classification that meeting has, so that the trail can follow the access policy without
knowing what a meeting is; `readable(user, obj)` answers whether a user may read the record
whose trail is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models

# For each instance (keyed by id()), (meeting pk, classification); (None, None) if none.
Scope = tuple[int | None, int | None]
ScopeFunction = Callable[[Sequence[models.Model]], dict[int, Scope]]
ReadableFunction = Callable[[Any, models.Model], bool]

# Never copied into the trail, whatever the model.
SECRET_FIELDS = frozenset({"password", "last_login", "key_hash"})


@dataclass(frozen=True)
class Audited:
    model: type[models.Model]
    exclude: frozenset[str] = frozenset()
    m2m: tuple[str, ...] = ()
    scope: ScopeFunction | None = None
    readable: ReadableFunction | None = None
    # The record's own part of a meeting's trail: entries whose meeting_pk is the record's.
    owns_meeting_trail: bool = False
    tracked: tuple[Any, ...] = field(default=(), compare=False)


_AUDITED: dict[type[models.Model], Audited] = {}


def add(
    model: type[models.Model],
    *,
    exclude: Iterable[str] = (),
    m2m: Iterable[str] = (),
    scope: ScopeFunction | None = None,
    readable: ReadableFunction | None = None,
    owns_meeting_trail: bool = False,
) -> Audited:
    """Store a model's registration (audit.signals.register also connects its receivers).
    The fields in `exclude` and the secret ones are never recorded."""
    excluded = frozenset(exclude) | SECRET_FIELDS
    tracked = tuple(
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in excluded and f.attname not in excluded
    )
    audited = Audited(
        model=model,
        exclude=excluded,
        m2m=tuple(m2m),
        scope=scope,
        readable=readable,
        owns_meeting_trail=owns_meeting_trail,
        tracked=tracked,
    )
    _AUDITED[model] = audited
    return audited


def audited(model: type[models.Model]) -> Audited | None:
    """The registration of a model (or of the concrete model behind a proxy)."""
    found = _AUDITED.get(model)
    if found is None and model._meta.proxy and model._meta.concrete_model is not None:
        found = _AUDITED.get(model._meta.concrete_model)
    return found


def all_audited() -> list[Audited]:
    return list(_AUDITED.values())
