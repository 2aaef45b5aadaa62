"""What the serializers of every resource share: the requesting user and the natural-key fields."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Desk, User
from api.serializers import NaturalKeyRelatedField

from ... import selectors
from ...models import Country, Meeting


def request_user(serializer: serializers.Field | serializers.BaseSerializer) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


@extend_schema_field(OpenApiTypes.INT)
class VisibleMeetingField(serializers.PrimaryKeyRelatedField):
    """A meeting id among those the requesting user may see: a hidden meeting is as
    unknown as a missing one."""

    def get_queryset(self) -> QuerySet[Meeting]:
        return selectors.meetings_visible_to(request_user(self))


def country_field(**kwargs: Any) -> serializers.SlugRelatedField:
    return NaturalKeyRelatedField(slug_field="iso2", queryset=Country.objects.all(), **kwargs)


def slug_field(model: Any, **kwargs: Any) -> serializers.SlugRelatedField:
    return NaturalKeyRelatedField(slug_field="slug", queryset=model.objects.all(), **kwargs)


def desk_field(**kwargs: Any) -> serializers.SlugRelatedField:
    return NaturalKeyRelatedField(slug_field="code", queryset=Desk.objects.all(), **kwargs)


def user_field(**kwargs: Any) -> serializers.SlugRelatedField:
    return NaturalKeyRelatedField(
        slug_field="username", queryset=User.objects.filter(is_active=True), **kwargs
    )
