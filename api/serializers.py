"""Serializer building blocks shared by the apps' API packages."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model
from rest_framework import serializers

from accounts.models import Classification

CLASSIFICATION_NAMES = {value: label.lower() for value, label in Classification.choices}
CLASSIFICATION_VALUES = {name: value for value, name in CLASSIFICATION_NAMES.items()}


class ClassificationField(serializers.ChoiceField):
    """Classifications by name (public < internal < restricted < confidential)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=list(CLASSIFICATION_VALUES), **kwargs)

    def get_default(self) -> Any:
        default: Any = super().get_default()
        return CLASSIFICATION_VALUES.get(default, default)

    def to_representation(self, value: Any) -> str:
        return CLASSIFICATION_NAMES[int(value)]

    def to_internal_value(self, data: Any) -> int:  # type: ignore[override]
        return CLASSIFICATION_VALUES[super().to_internal_value(data)]


def read_key(slug_field: str, **kwargs: Any) -> Any:
    """A read-only reference to another record by its natural key."""
    return serializers.SlugRelatedField(slug_field=slug_field, read_only=True, **kwargs)


class NaturalKeyRelatedField(serializers.SlugRelatedField):
    """A reference by natural key (slug, ISO code, username). A value PostgreSQL cannot
    even compare (a NUL character) is as invalid as an unknown one."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class CleanModelSerializer(serializers.ModelSerializer):
    """Saves through full_clean(), so the model's constraints answer 400, not 500."""

    def create(self, validated_data: dict[str, Any]) -> Model:
        model: Any = self.Meta.model
        return self._save(model(), validated_data)

    def update(self, instance: Model, validated_data: dict[str, Any]) -> Model:
        return self._save(instance, validated_data)

    @transaction.atomic
    def _save(self, instance: Model, validated_data: dict[str, Any]) -> Model:
        many = {}
        for field in instance._meta.many_to_many:
            if field.name in validated_data:
                many[field.name] = validated_data.pop(field.name)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        instance.full_clean(exclude=list(many))
        instance.save()
        for name, values in many.items():
            getattr(instance, name).set(values)
        return instance


class CountryRefSerializer(serializers.Serializer):
    """A country named in another resource's output (minerals' analytics, engagements'
    coverage)."""

    iso2 = serializers.CharField(read_only=True)
    iso3 = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
