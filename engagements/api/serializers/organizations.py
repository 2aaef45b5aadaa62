"""Organizations: ministries, agencies, development banks, companies."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers import CleanModelSerializer

from ...models import Organization
from .common import country_field, slug_field


class OrganizationSerializer(CleanModelSerializer):
    country = country_field(allow_null=True, required=False)
    parent = slug_field(Organization, allow_null=True, required=False)  # type: ignore[assignment]
    other_names = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, max_length=50
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "slug",
            "abbreviation",
            "kind",
            "country",
            "parent",
            "other_names",
            "website",
        ]
