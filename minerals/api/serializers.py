from __future__ import annotations

from rest_framework import serializers

from api.serializers import CleanModelSerializer, NaturalKeyRelatedField
from minerals.models import DataSource, Mineral, MineralStatistic

# minerals does not import engagements: the country model is reached through the relation.
Country = MineralStatistic._meta.get_field("country").related_model


class MineralSerializer(CleanModelSerializer):
    hs_codes = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, max_length=100
    )

    class Meta:
        model = Mineral
        fields = ["id", "name", "slug", "symbol", "usgs_commodity", "hs_codes", "description"]


class DataSourceSerializer(CleanModelSerializer):
    class Meta:
        model = DataSource
        fields = [
            "id",
            "name",
            "slug",
            "publisher",
            "edition",
            "doi",
            "url",
            "released_on",
            "retrieved_on",
            "licence",
        ]


class MineralStatisticSerializer(CleanModelSerializer):
    mineral = NaturalKeyRelatedField(slug_field="slug", queryset=Mineral.objects.all())
    country = NaturalKeyRelatedField(
        slug_field="iso2",
        queryset=Country._default_manager.all(),  # type: ignore[union-attr]
        allow_null=True,
        required=False,
    )
    source = NaturalKeyRelatedField(  # type: ignore[assignment]
        slug_field="slug", queryset=DataSource.objects.all()
    )

    class Meta:
        model = MineralStatistic
        fields = [
            "id",
            "mineral",
            "area",
            "country",
            "measure",
            "detail",
            "year",
            "value",
            "qualifier",
            "unit",
            "basis",
            "raw_value",
            "is_estimate",
            "is_withheld",
            "notes",
            "source",
        ]
