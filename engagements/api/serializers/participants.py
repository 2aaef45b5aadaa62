"""Participants of meetings (read-only: they are written with their meeting)."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers import read_key

from ...models import Participant


class ParticipantSerializer(serializers.ModelSerializer):
    person = read_key("slug", allow_null=True)
    name = serializers.CharField(source="display_name", read_only=True)
    organization = read_key("slug", allow_null=True)
    country = read_key("iso2", allow_null=True)
    post = read_key("slug", allow_null=True)

    class Meta:
        model = Participant
        fields = [
            "id",
            "meeting",
            "person",
            "name",
            "raw_name",
            "side",
            "organization",
            "country",
            "post",
            "post_label",
            "is_head_of_delegation",
            "order",
        ]
        read_only_fields = fields


class MeetingParticipantSerializer(ParticipantSerializer):
    class Meta(ParticipantSerializer.Meta):
        fields = [f for f in ParticipantSerializer.Meta.fields if f != "meeting"]
        read_only_fields = fields
