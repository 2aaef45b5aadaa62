"""Files on meetings."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers import read_key

from ...models import Attachment
from .common import VisibleMeetingField


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = read_key("username", allow_null=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "meeting",
            "kind",
            "original_name",
            "content_type",
            "size",
            "description",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment: Attachment) -> str:
        path = f"/api/v1/attachments/{attachment.pk}/download/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class AttachmentUploadSerializer(serializers.Serializer):
    meeting = VisibleMeetingField()
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=Attachment.Kind.choices, default="other")
    description = serializers.CharField(max_length=300, required=False, default="")


class MeetingAttachmentSerializer(AttachmentSerializer):
    class Meta(AttachmentSerializer.Meta):
        fields = [f for f in AttachmentSerializer.Meta.fields if f != "meeting"]
        read_only_fields = fields
