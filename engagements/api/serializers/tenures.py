"""Tenures: who held which post when."""

from __future__ import annotations

from rest_framework import serializers

from ...models import Person, Post, Tenure
from .common import slug_field


class TenureSerializer(serializers.ModelSerializer):
    """Writes go through engagements.services.tenure_create / tenure_update."""

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
