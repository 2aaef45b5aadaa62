"""Countries (ISO 3166, UN M49 regions)."""

from __future__ import annotations

from api.serializers import CleanModelSerializer

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
