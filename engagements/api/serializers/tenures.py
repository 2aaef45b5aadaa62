"""Tenures: who held which post when."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from api.serializers import CleanModelSerializer

from ... import services
from ...models import Person, Post, Tenure
from .common import slug_field


class TenureSerializer(CleanModelSerializer):
    """Writes go through engagements.services.tenure_create / tenure_update / tenure_delete."""

    person = slug_field(Person)
    post = slug_field(Post)
    post_label = serializers.CharField(source="post.label", read_only=True)
    organization = serializers.CharField(source="post.organization.slug", read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = Tenure
        fields = [
            "id",
            "person",
            "post",
            "post_label",
            "organization",
            "start_date",
            "end_date",
            "is_current",
            "source",
            "source_url",
            "last_verified",
            "note",
        ]

    def record_create(self, *, actor: Any, values: dict[str, Any]) -> Any:
        return services.tenure_create(**values)

    def record_update(self, *, actor: Any, instance: Any, changes: dict[str, Any]) -> Any:
        return services.tenure_update(tenure=instance, **changes)

    def record_delete(self, *, actor: Any, instance: Any) -> None:
        services.tenure_delete(user=actor, tenure=instance)
