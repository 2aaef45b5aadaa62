"""Topics: the small tree meetings and agenda items are tagged with."""

from __future__ import annotations

from api.serializers import CleanModelSerializer

from ...models import Topic
from .common import slug_field


class TopicSerializer(CleanModelSerializer):
    parent = slug_field(Topic, allow_null=True, required=False)  # type: ignore[assignment]

    class Meta:
        model = Topic
        fields = ["id", "name", "slug", "parent", "description"]
