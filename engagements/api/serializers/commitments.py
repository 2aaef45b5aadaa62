"""Commitments: follow-ups owed from a meeting or an instrument."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers import read_key

from ...models import Commitment, Instrument
from .common import VisibleMeetingField, desk_field, slug_field, user_field


class CommitmentSerializer(serializers.ModelSerializer):
    owner = read_key("username", allow_null=True)
    desk = read_key("code")
    instrument = read_key("slug", allow_null=True)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "title",
            "description",
            "meeting",
            "instrument",
            "owed_by",
            "owner",
            "desk",
            "due_date",
            "status",
            "completed_on",
            "completion_note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MeetingCommitmentSerializer(CommitmentSerializer):
    class Meta(CommitmentSerializer.Meta):
        fields = [f for f in CommitmentSerializer.Meta.fields if f != "meeting"]
        read_only_fields = fields


class CommitmentWriteSerializer(serializers.Serializer):
    """Create: from a meeting (`meeting`) or standing alone (then `desk` is required).
    Update: title, description, owner, due date, owed by, and status (with a completion
    note when done); the meeting, instrument and desk are fixed once created."""

    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, default="", allow_blank=True)
    meeting = VisibleMeetingField(allow_null=True, required=False, default=None)
    instrument = slug_field(Instrument, allow_null=True, required=False, default=None)
    desk = desk_field(allow_null=True, required=False, default=None)
    owner = user_field(allow_null=True, required=False, default=None)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    owed_by = serializers.ChoiceField(choices=Commitment.Side.choices, default="home")
    status = serializers.ChoiceField(choices=Commitment.Status.choices, default="open")
    completion_note = serializers.CharField(required=False, default="", allow_blank=True)
