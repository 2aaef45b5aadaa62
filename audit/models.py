"""The audit trail: one row per create, update or delete of an audited record.

Rows are written in the same transaction as the change (by the receivers of the models
registered with audit.signals.register, from m2m_changed, or by audit.services.audit_bulk
for bulk writes) and are never changed afterwards: save() refuses updates, delete() refuses,
the manager's update() and delete() refuse, and on PostgreSQL a trigger forbids UPDATE and
DELETE on the table (migration 0002).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FieldChange:
    """One field of an entry's changes, for display."""

    field: str
    label: str
    before: Any
    after: Any
    added: list[str]
    removed: list[str]

    @property
    def is_set_change(self) -> bool:
        return bool(self.added or self.removed)


class ImmutableEntry(Exception):
    """An audit entry cannot be changed or deleted."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableEntry("Audit entries cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableEntry("Audit entries cannot be deleted.")

    update.queryset_only = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")

    class Channel(models.TextChoices):
        WEB = "web", _("Web form")
        ADMIN = "admin", _("Admin")
        ADMIN_ACTION = "admin_action", _("Admin bulk action")
        API = "api", _("API")
        IMPORT = "import", _("Import")
        COMMAND = "command", _("Management command")
        TASK = "task", _("Background task")
        SYSTEM = "system", _("System")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("record type")
    )
    object_id = models.CharField(_("record id"), max_length=64)
    object_repr = models.CharField(_("record"), max_length=300)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    # {field: {"before": value, "after": value}}; foreign keys as ids, m2m as lists of names.
    changes = models.JSONField(_("changes"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    # No database constraint and nothing done on delete: deleting a user must neither fail
    # nor rewrite the trail. The username is kept as it was.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    label = models.CharField(
        _("detail"), max_length=200, blank=True, help_text=_("Import job, action or task.")
    )
    # For the access policy: the meeting a participant or commitment belongs to, and the
    # classification the record had then (a trail must not show what was confidential once
    # to a reader of what is internal now).
    meeting_pk = models.BigIntegerField(null=True, blank=True, db_index=True)
    classification = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"], name="auditentry_object_idx"),
            models.Index(fields=["user", "at"], name="auditentry_user_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=["create", "update", "delete"]),
                name="auditentry_action_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableEntry("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableEntry("Audit entries cannot be deleted.")

    def field_changes(self) -> list[FieldChange]:
        """The changes, labelled with the model's field names where it still has them."""
        model = self.content_type.model_class()
        rows = []
        for name, change in sorted((self.changes or {}).items()):
            label = name
            if model is not None:
                try:
                    label = str(getattr(model._meta.get_field(name), "verbose_name", name))
                except Exception:
                    label = name
            if not isinstance(change, dict):
                change = {"after": change}
            rows.append(
                FieldChange(
                    field=name,
                    label=label,
                    before=change.get("before"),
                    after=change.get("after"),
                    added=list(change.get("added", [])),
                    removed=list(change.get("removed", [])) + list(change.get("changed", [])),
                )
            )
        return rows
