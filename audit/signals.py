"""Receivers that feed the audit trail, and the context of Celery tasks.

Connected in AuditConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save
from simple_history.signals import post_create_historical_record

from . import context, services

_TASK_CONTEXTS: dict[str, Any] = {}


def on_historical_record(
    sender: Any, instance: Any, history_instance: Any, history_user: Any = None, **kwargs: Any
) -> None:
    if type(instance)._meta.label not in services.AUDITED_MODELS:
        return
    services.record_history(
        instance=instance, history_instance=history_instance, history_user=history_user
    )


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
    from accounts.models import User

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
    post_create_historical_record.connect(on_historical_record, dispatch_uid="audit_history")
    for label, field_names in services.AUDITED_M2M.items():
        model = apps.get_model(label)
        for field_name in field_names:
            field = model._meta.get_field(field_name)
            m2m_changed.connect(
                _m2m_receiver(field),
                sender=field.remote_field.through,
                weak=False,
                dispatch_uid=f"audit_m2m_{label}_{field_name}",
            )
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
