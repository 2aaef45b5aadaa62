from __future__ import annotations

from typing import Any

from rest_framework import serializers

from api.serializers import CleanModelSerializer, NaturalKeyRelatedField, assign, split_many
from minerals import services
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

    def record_create(self, *, actor: Any, values: dict[str, Any]) -> Any:
        plain, many = split_many(Mineral, values)
        return services.mineral_create(mineral=Mineral(**plain), topics=many.get("topics"))

    def record_update(self, *, actor: Any, instance: Any, changes: dict[str, Any]) -> Any:
        plain, many = split_many(Mineral, changes)
        return services.mineral_update(mineral=assign(instance, plain), topics=many.get("topics"))

    def record_delete(self, *, actor: Any, instance: Any) -> None:
        services.mineral_delete(mineral=instance)


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

    def record_create(self, *, actor: Any, values: dict[str, Any]) -> Any:
        return services.data_source_save(source=DataSource(**values))

    def record_update(self, *, actor: Any, instance: Any, changes: dict[str, Any]) -> Any:
        return services.data_source_save(source=assign(instance, changes))

    def record_delete(self, *, actor: Any, instance: Any) -> None:
        services.data_source_delete(source=instance)


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

    def record_create(self, *, actor: Any, values: dict[str, Any]) -> Any:
        return services.mineral_statistic_save(statistic=MineralStatistic(**values))

    def record_update(self, *, actor: Any, instance: Any, changes: dict[str, Any]) -> Any:
        return services.mineral_statistic_save(statistic=assign(instance, changes))

    def record_delete(self, *, actor: Any, instance: Any) -> None:
        services.mineral_statistic_delete(statistic=instance)
