"""Receivers that feed the audit trail, and the context of Celery tasks.

An app registers each model it wants recorded, when it is ready:

    audit.signals.register(Meeting, exclude={"updated_at"}, m2m=("topics",), scope=...)

which connects, for that model only: post_init (keeps the values the instance was loaded
with), pre_save and post_save (an entry for a save that changed something), post_delete,
and m2m_changed for the many-to-many fields named. The rest is connected in
AuditConfig.ready()."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save, pre_save

from accounts.models import User

from . import context, registry, services

_TASK_CONTEXTS: dict[str, Any] = {}


def on_init(sender: Any, instance: models.Model, **kwargs: Any) -> None:
    services.remember(instance)


def on_pre_save(
    sender: Any, instance: models.Model, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    if not raw:
        services.before_save(instance, update_fields)


def on_post_save(
    sender: Any,
    instance: models.Model,
    created: bool,
    raw: bool = False,
    update_fields: Any = None,
    **kwargs: Any,
) -> None:
    if raw:
        services.remember(instance)
        return
    services.record_save(instance=instance, created=created, update_fields=update_fields)


def on_post_delete(sender: Any, instance: models.Model, **kwargs: Any) -> None:
    services.record_delete(instance=instance)


def register(
    model: type[models.Model],
    *,
    exclude: Iterable[str] = (),
    m2m: Iterable[str] = (),
    scope: registry.ScopeFunction | None = None,
    readable: registry.ReadableFunction | None = None,
    owns_meeting_trail: bool = False,
) -> registry.Audited:
    """Record every create, update and delete of `model` (and the changes of its `m2m`
    fields) in the trail. See audit.registry for `scope` and `readable`."""
    audited = registry.add(
        model,
        exclude=exclude,
        m2m=m2m,
        scope=scope,
        readable=readable,
        owns_meeting_trail=owns_meeting_trail,
    )
    uid = f"audit_{model._meta.label_lower}"
    post_init.connect(on_init, sender=model, dispatch_uid=f"{uid}_init")
    pre_save.connect(on_pre_save, sender=model, dispatch_uid=f"{uid}_pre_save")
    post_save.connect(on_post_save, sender=model, dispatch_uid=f"{uid}_save")
    post_delete.connect(on_post_delete, sender=model, dispatch_uid=f"{uid}_delete")
    for field_name in audited.m2m:
        field = model._meta.get_field(field_name)
        m2m_changed.connect(
            _m2m_receiver(field),
            sender=field.remote_field.through,  # type: ignore[union-attr]
            weak=False,
            dispatch_uid=f"{uid}_m2m_{field_name}",
        )
    return audited


def _m2m_receiver(m2m_field: Any) -> Any:
    field_name = m2m_field.name
    reverse_accessor = m2m_field.remote_field.get_accessor_name()

    def receiver(
        sender: Any,
        instance: Any,
        action: str,
        reverse: bool,
        model: Any,
        pk_set: set[Any] | None,
        **kwargs: Any,
    ) -> None:
        if action == "pre_clear":
            # What a clear removes is only known before it happens.
            accessor = reverse_accessor if reverse else field_name
            instance._audit_cleared = list(getattr(instance, accessor).all())
            return
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        if action == "post_clear":
            others = getattr(instance, "_audit_cleared", [])
        else:
            others = list(model.objects.filter(pk__in=pk_set)) if pk_set else []
        added = action == "post_add"
        if reverse:
            # topic.meetings.add(meeting): the change is recorded on each meeting.
            for owner in others:
                services.record_m2m(
                    instance=owner,
                    field_name=field_name,
                    added=[instance] if added else [],
                    removed=[] if added else [instance],
                )
            return
        services.record_m2m(
            instance=instance,
            field_name=field_name,
            added=others if added else [],
            removed=[] if added else others,
        )

    return receiver


def on_desk_membership_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    services.record_change(
        instance=instance.user,
        action=services.Action.UPDATE,
        changes={
            "desks": {"added": [str(instance.desk)]}
            if created
            else {"changed": [f"{instance.desk}: {instance.get_role_display()}"]}
        },
    )


def on_desk_membership_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    user = User.objects.filter(pk=instance.user_id).first()
    if user is None:
        return  # the user is being deleted: that entry says it all
    services.record_change(
        instance=user,
        action=services.Action.UPDATE,
        changes={"desks": {"removed": [str(instance.desk)]}},
    )


def on_task_prerun(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    if task_id is None:
        return
    manager = context.channel(
        "task", getattr(task, "name", "") or "", request_id=task_id.replace("-", "")[:64]
    )
    manager.__enter__()
    _TASK_CONTEXTS[task_id] = manager


def on_task_postrun(task_id: str | None = None, **kwargs: Any) -> None:
    manager = _TASK_CONTEXTS.pop(task_id or "", None)
    if manager is not None:
        manager.__exit__(None, None, None)


def connect() -> None:
    # Users: never their password or their last login (SECRET_FIELDS).
    register(apps.get_model("accounts.User"), m2m=("groups", "user_permissions"))
    membership = apps.get_model("accounts.DeskMembership")
    post_save.connect(on_desk_membership_saved, sender=membership, dispatch_uid="audit_desk_in")
    post_delete.connect(
        on_desk_membership_deleted, sender=membership, dispatch_uid="audit_desk_out"
    )
    try:
        from celery import signals as celery_signals
    except ImportError:  # pragma: no cover - celery is a dependency
        return
    celery_signals.task_prerun.connect(on_task_prerun, weak=False, dispatch_uid="audit_task_in")
    celery_signals.task_postrun.connect(on_task_postrun, weak=False, dispatch_uid="audit_task_out")
