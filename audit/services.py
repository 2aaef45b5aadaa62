"""Writes of the audit trail.

Every save and delete of a registered model (audit.registry, audit.signals.register) is
recorded here by the receivers in audit.signals: a save is compared with the values the
instance was loaded with (kept when it was built, so the comparison costs no query), and
only a save that changed something writes an entry. Many-to-many changes reach
`record_m2m`. Code that writes many rows at once without saving them one by one
(bulk_create, queryset.update()) calls `audit_bulk` itself, in the same transaction:

    with audit.context.channel("import", job.pk, user=job.created_by):
        rows = Meeting.objects.bulk_create(rows)
        audit_bulk(Meeting, rows, AuditEntry.Action.CREATE)

Changes are stored as {field: {"before": value, "after": value}} with foreign keys as ids,
and many-to-many changes as {field: {"added": [names], "removed": [names]}}. Passwords,
password hashes and login times are never stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from core.copy import copy_insert

from .context import ADMIN, API, AuditContext, current
from .models import AuditEntry
from .registry import SECRET_FIELDS, Audited, Scope, audited

REPR_MAX = 300
# The values an instance was loaded with (or last saved with), by attname.
LOADED = "_audit_loaded"

Action = AuditEntry.Action
Channel = AuditEntry.Channel


def channel_of(context: AuditContext) -> tuple[str, str]:
    """The channel and label to record. An admin POST that names an action is a bulk
    action (delete_selected and the like), whatever the admin view does with it; an API
    call with a token is labelled with the token's name."""
    channel, label = context.channel, context.label
    request = context.request
    if channel == ADMIN and request is not None and request.method == "POST":
        try:
            action = request.POST.get("action", "")
        except Exception:
            action = ""
        if action:
            return Channel.ADMIN_ACTION, str(action)[:200]
    if channel == API and request is not None and not label:
        token_name = getattr(getattr(request, "auth", None), "name", "")
        if isinstance(token_name, str) and token_name:
            return Channel.API, f"token {token_name}"[:200]
    if channel not in Channel.values:
        return Channel.SYSTEM, label
    return channel, label


def _repr(instance: models.Model) -> str:
    try:
        text = str(instance)
    except Exception:
        text = f"{instance._meta.verbose_name} #{instance.pk}"
    return text[:REPR_MAX]


def _tracked_fields(model: type[models.Model], only: Iterable[str] | None = None) -> list[Any]:
    registration = audited(model)
    fields: Sequence[Any] = (
        registration.tracked
        if registration is not None
        else [
            f
            for f in model._meta.concrete_fields
            if not f.primary_key and f.name not in SECRET_FIELDS
        ]
    )
    if only is None:
        return list(fields)
    wanted = set(only)
    return [f for f in fields if f.name in wanted or f.attname in wanted]


def _value(obj: Any, field: Any) -> Any:
    value = getattr(obj, field.attname, None)
    if isinstance(field, models.FileField):
        return getattr(value, "name", value) or ""
    return value


def _plain(value: Any) -> Any:
    """A value as it is kept in the loaded state (files by name)."""
    return getattr(value, "name", value) if hasattr(value, "field") else value


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def snapshot(obj: Any, fields: Sequence[Any], *, side: str) -> dict[str, dict[str, Any]]:
    """Every non-empty value as a change from or to nothing (side: "before" or "after")."""
    other = "after" if side == "before" else "before"
    changes = {}
    for field in fields:
        if field.attname not in obj.__dict__:
            continue  # deferred and never loaded: reading it would cost a query
        value = _value(obj, field)
        if not _empty(value):
            changes[field.name] = {other: None, side: value}
    return changes


def diff(previous: Any, current_state: Any, fields: Sequence[Any]) -> dict[str, dict[str, Any]]:
    changes = {}
    for field in fields:
        before, after = _value(previous, field), _value(current_state, field)
        if before != after:
            changes[field.name] = {"before": before, "after": after}
    return changes


# --- the loaded state of an instance ---------------------------------------------------------


def loaded_state(instance: models.Model, fields: Sequence[Any]) -> dict[str, Any]:
    values = instance.__dict__
    return {
        f.attname: _plain(values[f.attname])
        for f in fields
        if f.attname in values and values[f.attname] is not models.DEFERRED
    }


def remember(instance: models.Model, fields: Sequence[Any] | None = None) -> None:
    """Take the instance's current values as those stored (after loading or saving)."""
    if fields is None:
        registration = audited(type(instance))
        if registration is None:
            return
        fields = registration.tracked
    instance.__dict__[LOADED] = loaded_state(instance, fields)


def audit_baseline(instance: models.Model, **stored: Any) -> None:
    """Tell the trail what the database held before the change being made to `instance`:
    its current values, except those given (by field name). For a change written partly
    outside save(), such as a version claimed with a conditional UPDATE before the save."""
    remember(instance)
    state = instance.__dict__.get(LOADED)
    if state is None:
        return
    for name, value in stored.items():
        state[getattr(instance._meta.get_field(name), "attname", name)] = value


def _fields_to_compare(registration: Audited, update_fields: Iterable[str] | None) -> list[Any]:
    fields = list(registration.tracked)
    if update_fields is not None:
        wanted = set(update_fields)
        fields = [f for f in fields if f.name in wanted or f.attname in wanted]
    return fields


def before_save(instance: models.Model, update_fields: Iterable[str] | None) -> None:
    """Complete the stored values of a save that will compare fields it never loaded
    (deferred, or an instance built with the primary key of an existing row)."""
    registration = audited(type(instance))
    if registration is None or instance.pk is None:
        return
    state = instance.__dict__.get(LOADED)
    if instance._state.adding:
        state = None  # built, not loaded: what it holds says nothing of the stored row
    fields = _fields_to_compare(registration, update_fields)
    missing = [f for f in fields if state is None or f.attname not in state]
    if not missing:
        return
    stored = (
        type(instance)
        ._base_manager.using(instance._state.db or "default")
        .filter(pk=instance.pk)
        .values(*(f.attname for f in missing))
        .first()
    )
    if stored is None:
        return  # a new row after all: recorded as created
    merged = dict(state or {})
    merged.update({f.attname: stored[f.attname] for f in missing})
    instance.__dict__[LOADED] = merged


def _scopes(registration: Audited | None, instances: Sequence[models.Model]) -> dict[int, Scope]:
    if registration is None or registration.scope is None:
        return {id(instance): (None, None) for instance in instances}
    return registration.scope(instances)


def _entry(
    *,
    instance: models.Model,
    content_type: ContentType,
    action: str,
    changes: dict,
    user: Any,
    context: AuditContext,
    channel: str | None,
    label: str | None,
    scope: Scope,
) -> AuditEntry:
    recorded_channel, recorded_label = channel_of(context)
    if user is None:
        user = context.user
    meeting_pk, classification = scope
    if action == Action.UPDATE:
        # A change that declassifies shows what was there before: it is as secret as that.
        before = (changes.get("classification") or {}).get("before")
        if isinstance(before, int) and (classification is None or before > classification):
            classification = before
    return AuditEntry(
        content_type=content_type,
        object_id=str(instance.pk),
        object_repr=_repr(instance),
        action=action,
        changes=changes,
        user=user if getattr(user, "pk", None) else None,
        username=getattr(user, "username", "")[:150] if user is not None else "",
        ip=context.ip,
        request_id=context.request_id,
        channel=channel or recorded_channel,
        label=(label if label is not None else recorded_label)[:200],
        meeting_pk=meeting_pk,
        classification=classification,
    )


def record_save(
    *, instance: models.Model, created: bool, update_fields: Iterable[str] | None = None
) -> AuditEntry | None:
    """One entry for a save of a registered model, if it changed anything recorded."""
    registration = audited(type(instance))
    if registration is None:
        return None
    fields = _fields_to_compare(registration, update_fields)
    stored = instance.__dict__.get(LOADED) or {}
    if created:
        action = Action.CREATE
        changes = snapshot(instance, fields, side="after")
    else:
        action = Action.UPDATE
        changes = {}
        for field in fields:
            if field.attname not in instance.__dict__ or field.attname not in stored:
                continue
            before, after = stored[field.attname], _value(instance, field)
            if before != after:
                changes[field.name] = {"before": before, "after": after}
    # What was saved is what is stored from now on; fields not saved keep their values.
    state = {} if created else dict(stored)
    state.update(loaded_state(instance, registration.tracked if created else fields))
    instance.__dict__[LOADED] = state
    if not changes and not created:
        return None  # a save that changed nothing recorded (a login touching last_login)
    return _write(registration, instance, action, changes)


def record_delete(*, instance: models.Model) -> AuditEntry | None:
    registration = audited(type(instance))
    if registration is None:
        return None
    changes = snapshot(instance, registration.tracked, side="before")
    return _write(registration, instance, Action.DELETE, changes)


def _write(
    registration: Audited | None, instance: models.Model, action: str, changes: dict
) -> AuditEntry:
    context = current()
    entry = _entry(
        instance=instance,
        content_type=ContentType.objects.get_for_model(type(instance)),
        action=action,
        changes=changes,
        user=context.explicit_user,
        context=context,
        channel=None,
        label=None,
        scope=_scopes(registration, [instance])[id(instance)],
    )
    entry.save()
    return entry


def record_m2m(
    *, instance: models.Model, field_name: str, added: Sequence[Any], removed: Sequence[Any]
) -> AuditEntry | None:
    if not added and not removed:
        return None
    change: dict[str, list[str]] = {}
    if added:
        change["added"] = sorted(_repr(obj) for obj in added)
    if removed:
        change["removed"] = sorted(_repr(obj) for obj in removed)
    return _write(audited(type(instance)), instance, Action.UPDATE, {field_name: change})


def record_change(
    *,
    instance: models.Model,
    action: str,
    changes: dict,
    user: Any = None,
) -> AuditEntry:
    """An entry for a change made outside the model's own save (desk memberships of a
    user, for example)."""
    context = current()
    entry = _entry(
        instance=instance,
        content_type=ContentType.objects.get_for_model(type(instance)),
        action=action,
        changes=changes,
        user=user,
        context=context,
        channel=None,
        label=None,
        scope=_scopes(audited(type(instance)), [instance])[id(instance)],
    )
    entry.save()
    return entry


def audit_bulk(
    model: type[models.Model],
    objects: Iterable[models.Model],
    action: str,
    channel: str | None = None,
    *,
    label: str | None = None,
    user: Any = None,
    fields: Iterable[str] | None = None,
    previous: Mapping[Any, Mapping[str, Any]] | None = None,
    batch_size: int = 500,
) -> list[AuditEntry]:
    """Entries for rows written in bulk (bulk_create, bulk_update, queryset.update(),
    a raw delete), which send no per-row signals. Call it in the same transaction.

    objects: saved instances (with their primary keys). action: "create", "update" or
    "delete". channel/label/user: default to the current context (audit.context.channel).
    fields: the fields to record (default: all). previous: for updates, {pk: {field: old
    value}}; without it an update records the new values only. For a readable record name,
    select_related what the model's __str__ uses."""
    if action not in Action.values:
        raise ValueError(f"Unknown audit action {action!r}.")
    if channel is not None and channel not in Channel.values:
        raise ValueError(f"Unknown audit channel {channel!r}.")
    rows = list(objects)
    if not rows:
        return []
    tracked = _tracked_fields(model, fields)
    content_type = ContentType.objects.get_for_model(model)
    context = current()
    scopes = _scopes(audited(model), rows)
    entries = []
    for obj in rows:
        if obj.pk is None:
            raise ValueError(f"{model.__name__} without a primary key: save it first.")
        if action == Action.CREATE:
            changes = snapshot(obj, tracked, side="after")
        elif action == Action.DELETE:
            changes = snapshot(obj, tracked, side="before")
        else:
            before = (previous or {}).get(obj.pk, {})
            changes = {}
            for field in tracked:
                after = _value(obj, field)
                old = before.get(field.name, before.get(field.attname))
                if previous is None or old != after:
                    changes[field.name] = {"before": old, "after": after}
            if previous is not None and not changes:
                continue
        entries.append(
            _entry(
                instance=obj,
                content_type=content_type,
                action=action,
                changes=changes,
                user=user,
                context=context,
                channel=channel,
                label=label,
                scope=scopes[id(obj)],
            )
        )
        remember(obj)
    # COPY on PostgreSQL: an import writes an entry per row, and bulk_create's INSERTs
    # cost as much again as the rows themselves.
    copy_insert(AuditEntry, entries, assign_ids=True)
    return entries


def audit_queryset_update(
    queryset: models.QuerySet[Any],
    channel: str | None = None,
    *,
    label: str | None = None,
    user: Any = None,
    **values: Any,
) -> int:
    """queryset.update(**values) with an entry for each row it changed (before and after).
    Use it instead of a bare update() on an audited model."""
    model = queryset.model
    fields = [model._meta.get_field(name) for name in values]
    attnames = [getattr(field, "attname", field.name) for field in fields]
    rows = list(queryset)
    if not rows:
        return 0
    previous = {
        row.pk: {
            name: getattr(row, attname) for name, attname in zip(values, attnames, strict=True)
        }
        for row in rows
    }
    pks = list(previous)
    count = model._default_manager.filter(pk__in=pks).update(**values)
    # Read back: values may be expressions (F("version") + 1).
    after = {
        pk: rest
        for pk, *rest in model._default_manager.filter(pk__in=pks).values_list("pk", *attnames)
    }
    for row in rows:
        for attname, value in zip(attnames, after.get(row.pk, []), strict=False):
            setattr(row, attname, value)
    audit_bulk(
        model,
        rows,
        Action.UPDATE,
        channel,
        label=label,
        user=user,
        fields=list(values),
        previous=previous,
    )
    return count
