"""Instruments (trust funds, loans, MoUs...) with their parties and visible commitments."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from api.serializers import CleanModelSerializer

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

    def _save(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        parties = validated_data.pop("parties", None)
        instance = super()._save(instance, validated_data)
        if parties is not None:
            instance.parties.all().delete()
            errors: dict[str, Any] = {}
            for index, party in enumerate(parties):
                row = InstrumentParty(instrument=instance, **party)
                try:
                    row.full_clean()
                except DjangoValidationError as error:
                    errors[f"parties[{index}]"] = error.message_dict
                    continue
                row.save()
            if errors:
                raise serializers.ValidationError(errors)
        return instance


# Meetings
