"""Events: the convenings meetings are held on the sidelines of."""

from __future__ import annotations

from typing import Any

from api.serializers import CleanModelSerializer

from ... import services
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

    def record_create(self, *, actor: Any, values: dict[str, Any]) -> Any:
        return services.event_create(user=actor, values=values)

    def record_update(self, *, actor: Any, instance: Any, changes: dict[str, Any]) -> Any:
        return services.event_update(user=actor, event=instance, changes=changes)

    def record_delete(self, *, actor: Any, instance: Any) -> None:
        services.event_delete(user=actor, event=instance)
