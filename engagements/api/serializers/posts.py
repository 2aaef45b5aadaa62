"""Posts: positions independent of their holders."""

from __future__ import annotations

from typing import Any

from api.serializers import CleanModelSerializer

from ... import services
from ...models import Organization, Post
from .common import slug_field


class PostSerializer(CleanModelSerializer):
    organization = slug_field(Organization)

    class Meta:
        model = Post
        fields = ["id", "label", "slug", "organization", "rank", "single_holder"]

    def record_create(self, *, actor: Any, values: dict[str, Any]) -> Any:
        return services.post_create(user=actor, values=values)

    def record_update(self, *, actor: Any, instance: Any, changes: dict[str, Any]) -> Any:
        return services.post_update(user=actor, post=instance, changes=changes)

    def record_delete(self, *, actor: Any, instance: Any) -> None:
        services.post_delete(user=actor, post=instance)
