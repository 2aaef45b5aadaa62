"""Events: the convenings meetings are held on the sidelines of."""

from __future__ import annotations

from api.serializers import CleanModelSerializer

from ...models import Event, Organization
from .common import country_field, slug_field


class EventSerializer(CleanModelSerializer):
    parent = slug_field(Event, allow_null=True, required=False)  # type: ignore[assignment]
    organizer = slug_field(Organization, allow_null=True, required=False)
    country = country_field(allow_null=True, required=False)

    class Meta:
        model = Event
        fields = [
            "id",
            "name",
            "slug",
            "kind",
            "parent",
            "organizer",
            "venue",
            "city",
            "country",
            "start_date",
            "end_date",
            "description",
            "source",
            "url",
        ]
