"""Instruments (trust funds, loans, MoUs...) with their parties and visible commitments."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from api.serializers import CleanModelSerializer

from ... import services
from ...models import Commitment, Instrument, InstrumentParty, Organization
from .common import country_field, slug_field


class InstrumentPartySerializer(serializers.ModelSerializer):
    organization = slug_field(Organization, allow_null=True, required=False)
    country = country_field(allow_null=True, required=False)

    class Meta:
        model = InstrumentParty
        fields = ["id", "organization", "country", "role", "amount", "note"]
        read_only_fields = ["id"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("organization") is None and attrs.get("country") is None:
            raise serializers.ValidationError("Name an organization or a country.")
        return attrs


class InstrumentCommitmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commitment
        fields = ["id", "title", "status", "due_date", "meeting"]
        read_only_fields = fields


class InstrumentSerializer(CleanModelSerializer):
    """Parties are written with the instrument: the list given replaces the old one."""

    administering_organization = slug_field(Organization, allow_null=True, required=False)
    other_names = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, max_length=50
    )
    related = slug_field(Instrument, many=True, required=False)
    parties = InstrumentPartySerializer(many=True, required=False)
    commitments = InstrumentCommitmentSerializer(
        many=True, read_only=True, source="visible_commitments"
    )

    class Meta:
        model = Instrument
        fields = [
            "id",
            "name",
            "slug",
            "short_name",
            "other_names",
            "kind",
            "status",
            "administering_organization",
            "amount",
            "currency",
            "start_date",
            "end_date",
            "identifier",
            "description",
            "source",
            "source_url",
            "related",
            "parties",
            "commitments",
        ]

    def record_create(self, *, actor: Any, values: dict[str, Any]) -> Any:
        parties = values.pop("parties", None) or []
        related = values.pop("related", None) or []
        return services.instrument_create(
            user=actor,
            values=values,
            related=related,
            parties=[services.InstrumentPartyInput(**party) for party in parties],
        )

    def record_update(self, *, actor: Any, instance: Any, changes: dict[str, Any]) -> Any:
        # The list of parties given replaces the old one (they have no ids here).
        parties = changes.pop("parties", None)
        related = changes.pop("related", None)
        return services.instrument_update(
            user=actor,
            instrument=instance,
            changes=changes,
            related=related,
            parties=(
                None
                if parties is None
                else [services.InstrumentPartyInput(**party) for party in parties]
            ),
        )

    def record_delete(self, *, actor: Any, instance: Any) -> None:
        services.instrument_delete(user=actor, instrument=instance)


# Meetings
