"""Writes of the audit trail.

Single saves and deletes of audited records reach `record_history` through
django-simple-history (audit.signals); many-to-many changes reach `record_m2m`. Code that
writes many rows at once without saving them one by one (bulk_create, queryset.update())
calls `audit_bulk` itself, in the same transaction:

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

from engagements.models import Meeting

from .context import ADMIN, AuditContext, current
from .models import AuditEntry

# The records whose every create, update and delete is recorded (model labels).
AUDITED_MODELS = frozenset(
    {
        "engagements.Meeting",
        "engagements.Participant",
        "engagements.Commitment",
        "engagements.Tenure",
        "engagements.Instrument",
        "accounts.User",
    }
)
AUDITED_M2M = {
    "engagements.Meeting": ("topics", "minerals", "instruments", "counterpart_countries"),
    "accounts.User": ("groups", "user_permissions"),
}
# Never copied into the trail, whatever the model.
SECRET_FIELDS = frozenset({"password", "last_login", "key_hash"})
REPR_MAX = 300

Action = AuditEntry.Action
Channel = AuditEntry.Channel


def channel_of(context: AuditContext) -> tuple[str, str]:
    """The channel and label to record. An admin POST that names an action is a bulk
    action (delete_selected and the like), whatever the admin view does with it."""
    channel, label = context.channel, context.label
    request = context.request
    if channel == ADMIN and request is not None and request.method == "POST":
        try:
            action = request.POST.get("action", "")
        except Exception:
            action = ""
        if action:
            return Channel.ADMIN_ACTION, str(action)[:200]
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
    wanted = set(only) if only is not None else None
    return [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key
        and field.name not in SECRET_FIELDS
        and (wanted is None or field.name in wanted or field.attname in wanted)
    ]


def _value(obj: Any, field: Any) -> Any:
    value = getattr(obj, field.attname, None)
    if isinstance(field, models.FileField):
        return getattr(value, "name", value) or ""
    return value


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def snapshot(obj: Any, fields: Sequence[Any], *, side: str) -> dict[str, dict[str, Any]]:
    """Every non-empty value as a change from or to nothing (side: "before" or "after")."""
    other = "after" if side == "before" else "before"
    changes = {}
    for field in fields:
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


def _meeting_scope(instances: Sequence[models.Model]) -> dict[int, tuple[int | None, int | None]]:
    """For each instance (by id()), the meeting it belongs to and the meeting's
    classification, with one query for the meetings not already loaded."""
    scope: dict[int, tuple[int | None, int | None]] = {}
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
    scope: tuple[int | None, int | None],
) -> AuditEntry:
    recorded_channel, recorded_label = channel_of(context)
    if user is None:
        user = context.user
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
        meeting_pk=scope[0],
        classification=scope[1],
    )


def record_history(
    *, instance: models.Model, history_instance: Any, history_user: Any = None
) -> AuditEntry | None:
    """One entry for a historical record just written by django-simple-history."""
    model = type(instance)
    action = {"+": Action.CREATE, "~": Action.UPDATE, "-": Action.DELETE}[
        history_instance.history_type
    ]
    excluded = set(getattr(history_instance, "_history_excluded_fields", ()) or ())
    fields = [
        field
        for field in _tracked_fields(model)
        if field.name not in excluded and hasattr(history_instance, field.attname)
    ]
    previous = None
    if action == Action.CREATE:
        changes = snapshot(history_instance, fields, side="after")
    elif action == Action.DELETE:
        changes = snapshot(history_instance, fields, side="before")
    else:
        previous = (
            type(history_instance)
            ._default_manager.filter(
                **{model._meta.pk.attname: instance.pk},
                history_id__lt=history_instance.history_id,
            )
            .order_by("-history_id")
            .first()
        )
        if previous is None:
            changes = snapshot(history_instance, fields, side="after")
        else:
            changes = diff(previous, history_instance, fields)
        if not changes:
            # A save that changed nothing recorded here (a login touching last_login).
            return None
    meeting_pk, classification = _meeting_scope([instance])[id(instance)]
    if action == Action.UPDATE and isinstance(instance, Meeting):
        # A change that declassifies shows what was there before: it is as secret as that.
        before = getattr(previous, "classification", None)
        if before is not None and (classification is None or before > classification):
            classification = before
    context = current()
    entry = _entry(
        instance=instance,
        content_type=ContentType.objects.get_for_model(model),
        action=action,
        changes=changes,
        user=context.explicit_user or history_user,
        context=context,
        channel=None,
        label=None,
        scope=(meeting_pk, classification),
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
    context = current()
    entry = _entry(
        instance=instance,
        content_type=ContentType.objects.get_for_model(type(instance)),
        action=Action.UPDATE,
        changes={field_name: change},
        user=None,
        context=context,
        channel=None,
        label=None,
        scope=_meeting_scope([instance])[id(instance)],
    )
    entry.save()
    return entry


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
        scope=_meeting_scope([instance])[id(instance)],
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
    scopes = _meeting_scope(rows)
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
    return AuditEntry.objects.bulk_create(entries, batch_size=batch_size)


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
