"""Countries (ISO 3166, UN M49 regions)."""

from __future__ import annotations

from typing import Any

from api.serializers import CleanModelSerializer

from ... import services
from ...models import Country


class CountrySerializer(CleanModelSerializer):
    class Meta:
        model = Country
        fields = [
            "id",
            "iso2",
            "iso3",
            "numeric_code",
            "name",
            "region",
            "region_code",
            "sub_region",
            "sub_region_code",
            "intermediate_region",
            "intermediate_region_code",
            "is_home",
        ]

    def record_create(self, *, actor: Any, values: dict[str, Any]) -> Any:
        return services.country_create(user=actor, values=values)

    def record_update(self, *, actor: Any, instance: Any, changes: dict[str, Any]) -> Any:
        return services.country_update(user=actor, country=instance, changes=changes)

    def record_delete(self, *, actor: Any, instance: Any) -> None:
        services.country_delete(user=actor, country=instance)
