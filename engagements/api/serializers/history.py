"""Entries of a record's audit trail (audit.selectors.entries_for), as the API shows them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from audit.models import AuditEntry

# Shown only when the serializer's context says so (administrators), as on the HTML trail.
NETWORK_FIELDS = ("ip", "request_id")


class FieldChangeSerializer(serializers.Serializer):
    """One field's change: `before` and `after` for a value, `added` and `removed` for a set
    (tags such as topics and minerals)."""

    before = serializers.JSONField(required=False, allow_null=True)
    after = serializers.JSONField(required=False, allow_null=True)
    added = serializers.ListField(child=serializers.CharField(), required=False)
    removed = serializers.ListField(child=serializers.CharField(), required=False)


class HistoryUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


def _change(change: Any) -> dict[str, Any]:
    if not isinstance(change, dict):
        return {"before": None, "after": change}
    if any(key in change for key in ("added", "removed", "changed")):
        return {
            "added": [str(name) for name in change.get("added", [])],
            "removed": [str(name) for name in change.get("removed", [])]
            + [str(name) for name in change.get("changed", [])],
        }
    return {"before": change.get("before"), "after": change.get("after")}


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField(help_text="RFC 3339.")
    action = serializers.ChoiceField(choices=AuditEntry.Action.choices)
    record_type = serializers.CharField(
        source="content_type.model", help_text='e.g. "meeting", "participant", "commitment".'
    )
    record_id = serializers.CharField(source="object_id")
    record = serializers.CharField(source="object_repr")
    changes = serializers.SerializerMethodField()
    user = serializers.SerializerMethodField()
    channel = serializers.ChoiceField(choices=AuditEntry.Channel.choices)
    # The metaclass takes declared fields off the class, so this shadows no Field.label.
    label = serializers.CharField(  # type: ignore[assignment]
        help_text="API token, import job, admin action or task."
    )
    ip = serializers.IPAddressField(
        required=False, allow_null=True, help_text="Administrators only."
    )
    request_id = serializers.CharField(required=False, help_text="Administrators only.")

    @extend_schema_field(serializers.DictField(child=FieldChangeSerializer()))
    def get_changes(self, entry: AuditEntry) -> dict[str, dict[str, Any]]:
        return {name: _change(change) for name, change in sorted((entry.changes or {}).items())}

    @extend_schema_field(HistoryUserSerializer(allow_null=True))
    def get_user(self, entry: AuditEntry) -> dict[str, Any] | None:
        # The username as it was when the entry was written (the trail keeps it); no join.
        if entry.user_id is None:
            return None
        return {"id": entry.user_id, "username": entry.username}

    def to_representation(self, instance: AuditEntry) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context.get("show_network", False):
            for name in NETWORK_FIELDS:
                data.pop(name, None)
        return data
