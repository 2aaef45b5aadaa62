"""Topics: the small tree meetings and agenda items are tagged with."""

from __future__ import annotations

from typing import Any

from api.serializers import CleanModelSerializer

from ... import services
from ...models import Topic
from .common import slug_field


class TopicSerializer(CleanModelSerializer):
    parent = slug_field(Topic, allow_null=True, required=False)  # type: ignore[assignment]

    class Meta:
        model = Topic
        fields = ["id", "name", "slug", "parent", "description"]

    def record_create(self, *, actor: Any, values: dict[str, Any]) -> Any:
        return services.topic_create(user=actor, values=values)

    def record_update(self, *, actor: Any, instance: Any, changes: dict[str, Any]) -> Any:
        return services.topic_update(user=actor, topic=instance, changes=changes)

    def record_delete(self, *, actor: Any, instance: Any) -> None:
        services.topic_delete(user=actor, topic=instance)
