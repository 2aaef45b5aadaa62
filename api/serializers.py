"""Serializer building blocks shared by the apps' API packages."""

from __future__ import annotations

from typing import Any

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
    """A model serializer that writes through the owning app's services (one door per
    write): `save()` calls `record_create` or `record_update`, and the viewset's default
    destroy calls `record_delete`; a subclass implements them with its services. The
    services validate the whole record (full_clean), so the model's constraints answer 400.
    """

    def create(self, validated_data: dict[str, Any]) -> Model:
        return self.record_create(actor=self.actor, values=validated_data)

    def update(self, instance: Model, validated_data: dict[str, Any]) -> Model:
        return self.record_update(actor=self.actor, instance=instance, changes=validated_data)

    @property
    def actor(self) -> Any:
        request = self.context.get("request")
        return getattr(request, "user", None)

    def record_create(self, *, actor: Any, values: dict[str, Any]) -> Model:
        raise NotImplementedError(f"{type(self).__name__} names no create service")

    def record_update(self, *, actor: Any, instance: Any, changes: dict[str, Any]) -> Model:
        raise NotImplementedError(f"{type(self).__name__} names no update service")

    def record_delete(self, *, actor: Any, instance: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} names no delete service")


def split_many(model: type[Model], values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The values of plain fields and those of many-to-many fields, apart."""
    names = {field.name for field in model._meta.many_to_many}
    plain = {name: value for name, value in values.items() if name not in names}
    many = {name: value for name, value in values.items() if name in names}
    return plain, many


def assign(instance: Any, values: dict[str, Any]) -> Any:
    """Set the values on an instance (not saved: the service saves it)."""
    for name, value in values.items():
        setattr(instance, name, value)
    return instance


class CountryRefSerializer(serializers.Serializer):
    """A country named in another resource's output (minerals' analytics, engagements'
    coverage)."""

    iso2 = serializers.CharField(read_only=True)
    iso3 = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
