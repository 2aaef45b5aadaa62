"""Organizations: ministries, agencies, development banks, companies."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from api.serializers import CleanModelSerializer

from ... import services
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

    def record_create(self, *, actor: Any, values: dict[str, Any]) -> Any:
        return services.organization_create(user=actor, values=values)

    def record_update(self, *, actor: Any, instance: Any, changes: dict[str, Any]) -> Any:
        return services.organization_update(user=actor, organization=instance, changes=changes)

    def record_delete(self, *, actor: Any, instance: Any) -> None:
        services.organization_delete(user=actor, organization=instance)
