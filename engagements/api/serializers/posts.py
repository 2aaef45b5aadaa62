"""Posts: positions independent of their holders."""

from __future__ import annotations

from api.serializers import CleanModelSerializer

from ...models import Organization, Post
from .common import slug_field


class PostSerializer(CleanModelSerializer):
    organization = slug_field(Organization)

    class Meta:
        model = Post
        fields = ["id", "label", "slug", "organization", "rank", "single_holder"]
