"""API views of the engagements app. Each get_queryset() starts from the access policy's
selectors where the records are classified; nested child records are prefetched through
the same selectors."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import parsers, renderers, serializers
from rest_framework.decorators import action
from rest_framework.request import Request

from api.etag import version_from_etags
from api.exceptions import PreconditionFailed
from api.views import ApiModelViewSet, ApiReadOnlyViewSet
from core.exceptions import VersionConflict

from .. import selectors, services
from ..models import (
    Attachment,
    Commitment,
    Country,
    Event,
    Instrument,
    InstrumentParty,
    Meeting,
    Organization,
    Participant,
    Person,
    Post,
    Tenure,
    Topic,
)
from . import filters
from .serializers import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    CommitmentSerializer,
    CommitmentWriteSerializer,
    CountrySerializer,
    EventSerializer,
    InstrumentSerializer,
    MeetingListSerializer,
    MeetingSerializer,
    MeetingWriteSerializer,
    OrganizationSerializer,
    ParticipantSerializer,
    PersonDetailSerializer,
    PersonSerializer,
    PersonWriteSerializer,
    PostSerializer,
    TenureSerializer,
    TopicSerializer,
)


def _expected_version(instance: Any, expected: list[str] | None) -> tuple[int, bool]:
    """The version the client expects (from If-Match), and whether it said so."""
    if expected is None or "*" in expected:
        return instance.version, expected is not None
    version = version_from_etags(expected)
    if version is None:
        raise PreconditionFailed()
    return version, True


def participants_prefetch(user: Any) -> Prefetch:
    return Prefetch(
        "participants",
        queryset=selectors.participants_visible_to(user)
        .select_related("person", "organization", "country", "post")
        .order_by("side", "order", "id"),
    )


@extend_schema_view(
    list=extend_schema(summary="List meetings", description="Newest first by default."),
    create=extend_schema(
        summary="Log a meeting",
        description="One request writes the whole record (participants, agenda, tags, "
        "commitments) in one transaction: if any part is invalid nothing is written and "
        "the 400 names the failing field by path, e.g. `participants[2].person`.",
    ),
    update=extend_schema(summary="Replace a meeting record"),
    partial_update=extend_schema(summary="Change some fields of a meeting record"),
)
class MeetingViewSet(ApiModelViewSet):
    serializer_class = MeetingSerializer
    list_serializer_class = MeetingListSerializer
    write_serializer_class = MeetingWriteSerializer
    permission_model = Meeting
    # Who may delete a meeting is accounts.policy.may_delete_meeting's question alone (the
    # service asks it), as in the admin: no model permission on top.
    method_permissions = {"DELETE": None}
    filterset_class = filters.MeetingFilter
    ordering_fields = ["start", "updated_at", "created_at", "title", "id"]
    ordering = ["-start", "-id"]

    def get_queryset(self) -> QuerySet[Meeting]:
        user = self.request.user
        queryset = selectors.meetings_visible_to(user).select_related("desk", "event", "country")
        annotated = selectors.meetings_with_participants_and_tags(user, queryset)
        if annotated is queryset:
            queryset = queryset.prefetch_related(
                participants_prefetch(user),
                "topics",
                "minerals",
                "instruments",
                "counterpart_countries",
            )
        else:
            queryset = annotated
        if self.action != "list":
            queryset = queryset.select_related("created_by").prefetch_related(
                Prefetch(
                    "agenda_items",
                    queryset=selectors.agenda_items_visible_to(user)
                    .select_related("topic")
                    .order_by("order"),
                ),
                Prefetch(
                    "commitments",
                    queryset=selectors.commitments_visible_to(user)
                    .select_related("owner", "desk", "instrument")
                    .order_by("due_date", "id"),
                ),
                Prefetch(
                    "attachments",
                    queryset=selectors.attachments_visible_to(user).select_related("uploaded_by"),
                ),
            )
        return queryset

    def perform_create(self, serializer: serializers.BaseSerializer) -> Meeting:
        assert isinstance(serializer, MeetingWriteSerializer)
        return services.meeting_create(user=self.request.user, data=serializer.to_input())

    def perform_update(
        self, serializer: serializers.BaseSerializer, instance: Meeting, expected: list[str] | None
    ) -> Meeting:
        assert isinstance(serializer, MeetingWriteSerializer)
        version, conditional = _expected_version(instance, expected)
        try:
            return services.meeting_update(
                user=self.request.user,
                meeting=instance,
                expected_version=version,
                data=serializer.to_input(current=instance),
            )
        except VersionConflict:
            if conditional:
                raise PreconditionFailed() from None
            raise

    def perform_destroy(self, instance: Meeting, expected: list[str] | None) -> None:
        version, conditional = _expected_version(instance, expected)
        try:
            services.meeting_delete(
                user=self.request.user, meeting=instance, expected_version=version
            )
        except VersionConflict:
            if conditional:
                raise PreconditionFailed() from None
            raise


class ParticipantViewSet(ApiReadOnlyViewSet):
    """Who took part in which meeting (read-only: participants are written with their
    meeting)."""

    serializer_class = ParticipantSerializer
    permission_model = Participant
    filterset_class = filters.ParticipantFilter
    ordering_fields = ["id"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet[Participant]:
        return selectors.participants_visible_to(self.request.user).select_related(
            "person", "organization", "country", "post"
        )


class CommitmentViewSet(ApiModelViewSet):
    serializer_class = CommitmentSerializer
    write_serializer_class = CommitmentWriteSerializer
    permission_model = Commitment
    # accounts.policy.may_delete_commitment alone (the service asks it), as in the admin.
    method_permissions = {"DELETE": None}
    filterset_class = filters.CommitmentFilter
    ordering_fields = ["due_date", "updated_at", "created_at", "id"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet[Commitment]:
        return selectors.commitments_visible_to(self.request.user).select_related(
            "owner", "desk", "instrument"
        )

    def perform_create(self, serializer: serializers.BaseSerializer) -> Commitment:
        data = dict(serializer.validated_data)
        meeting = data.pop("meeting")
        data.pop("completion_note", None)
        return services.commitment_create(
            user=self.request.user, data=services.CommitmentInput(**data), meeting=meeting
        )

    def perform_update(
        self, serializer: serializers.BaseSerializer, instance: Commitment, expected: Any
    ) -> Commitment:
        data = dict(serializer.validated_data)
        fixed: dict[str, Any] = {"meeting": instance.meeting, "instrument": instance.instrument}
        if data.get("desk") is not None or not serializer.partial:
            fixed["desk"] = instance.desk
        errors = {
            name: ["This cannot be changed once the commitment exists."]
            for name, current in fixed.items()
            if name in data and data[name] != current
        }
        if errors:
            raise serializers.ValidationError(errors)
        user = self.request.user
        changes = {
            name: data[name] for name in services.COMMITMENT_UPDATABLE_FIELDS if name in data
        }
        if changes:
            instance = services.commitment_update(user=user, commitment=instance, **changes)
        status = data.get("status")
        note = data.get("completion_note", "")
        if status is not None and (status != instance.status or note):
            instance = services.commitment_set_status(
                user=user, commitment=instance, status=status, note=note
            )
        return instance

    def perform_destroy(self, instance: Commitment, expected: Any) -> None:
        services.commitment_delete(user=self.request.user, commitment=instance)


class DownloadRenderer(renderers.BaseRenderer):
    """Lets a download be asked for with Accept: application/octet-stream; errors on that
    path are still problem details."""

    media_type = "application/octet-stream"
    format = "bin"
    charset = None

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> bytes:
        return renderers.JSONRenderer().render(data, accepted_media_type, renderer_context)


@extend_schema_view(
    create=extend_schema(
        summary="Attach a file to a meeting",
        description="multipart/form-data. Checked for size and type.",
    )
)
class AttachmentViewSet(ApiModelViewSet):
    serializer_class = AttachmentSerializer
    write_serializer_class = AttachmentUploadSerializer
    permission_model = Attachment
    # Who may delete a file is accounts.policy.may_delete_attachment's question alone (the
    # service asks it), so that the API and the pages answer alike: an officer may take
    # back their own upload although their role has no delete_attachment permission.
    method_permissions = {"DELETE": None}
    filterset_class = filters.AttachmentFilter
    parser_classes = [parsers.MultiPartParser]
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering_fields = ["uploaded_at", "id"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet[Attachment]:
        return selectors.attachments_visible_to(self.request.user).select_related("uploaded_by")

    def perform_create(self, serializer: serializers.BaseSerializer) -> Attachment:
        data = serializer.validated_data
        return services.attachment_add(
            user=self.request.user,
            meeting=data["meeting"],
            upload=data["file"],
            kind=data["kind"],
            description=data["description"],
        )

    def perform_destroy(self, instance: Attachment, expected: Any) -> None:
        services.attachment_delete(user=self.request.user, attachment=instance)

    @extend_schema(
        summary="Download the file",
        responses={
            (200, "*/*"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file, with its own content type."
            )
        },
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[renderers.JSONRenderer, DownloadRenderer],
        filter_backends=[],
        pagination_class=None,
    )
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        attachment = self.get_object()
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )


# Reference records


class CountryViewSet(ApiModelViewSet):
    serializer_class = CountrySerializer
    permission_model = Country
    filterset_class = filters.CountryFilter
    ordering_fields = ["name", "iso2", "id"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Country]:
        return Country.objects.all()


class OrganizationViewSet(ApiModelViewSet):
    serializer_class = OrganizationSerializer
    permission_model = Organization
    filterset_class = filters.OrganizationFilter
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]

    def get_queryset(self) -> QuerySet[Organization]:
        return Organization.objects.select_related("country", "parent")


@extend_schema_view(
    retrieve=extend_schema(
        description="With the person's tenures and their latest 50 meetings among those "
        "you may see."
    )
)
class PersonViewSet(ApiModelViewSet):
    serializer_class = PersonDetailSerializer
    list_serializer_class = PersonSerializer
    write_serializer_class = PersonWriteSerializer
    permission_model = Person
    filterset_class = filters.PersonFilter
    ordering_fields = ["sort_name", "name", "id"]
    ordering = ["sort_name", "id"]

    def get_queryset(self) -> QuerySet[Person]:
        queryset = Person.objects.select_related("nationality").prefetch_related(
            Prefetch(
                "tenures",
                queryset=Tenure.objects.select_related("post__organization").order_by(
                    "-start_date"
                ),
            )
        )
        if self.action != "list":
            queryset = queryset.prefetch_related(
                Prefetch(
                    "participations",
                    queryset=selectors.participants_visible_to(self.request.user)
                    .select_related("meeting")
                    .order_by("-meeting__start", "-meeting_id")[:50],
                    to_attr="visible_participations",
                )
            )
        return queryset


class PostViewSet(ApiModelViewSet):
    serializer_class = PostSerializer
    permission_model = Post
    filterset_class = filters.PostFilter
    ordering_fields = ["label", "rank", "id"]
    ordering = ["label", "id"]

    def get_queryset(self) -> QuerySet[Post]:
        return Post.objects.select_related("organization")


class TenureViewSet(ApiModelViewSet):
    """Who held which post when. Tenures of a single-holder post may not overlap."""

    serializer_class = TenureSerializer
    permission_model = Tenure
    filterset_class = filters.TenureFilter
    ordering_fields = ["start_date", "id"]
    ordering = ["-start_date", "-id"]

    def get_queryset(self) -> QuerySet[Tenure]:
        return Tenure.objects.select_related("person", "post__organization")

    def perform_create(self, serializer: serializers.BaseSerializer) -> Tenure:
        return services.tenure_create(**serializer.validated_data)

    def perform_update(
        self, serializer: serializers.BaseSerializer, instance: Tenure, expected: Any
    ) -> Tenure:
        return services.tenure_update(tenure=instance, **serializer.validated_data)


class EventViewSet(ApiModelViewSet):
    serializer_class = EventSerializer
    permission_model = Event
    filterset_class = filters.EventFilter
    ordering_fields = ["start_date", "name", "id"]
    ordering = ["-start_date", "-id"]

    def get_queryset(self) -> QuerySet[Event]:
        return Event.objects.select_related("parent", "organizer", "country")


class TopicViewSet(ApiModelViewSet):
    serializer_class = TopicSerializer
    permission_model = Topic
    filterset_class = filters.TopicFilter
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]

    def get_queryset(self) -> QuerySet[Topic]:
        return Topic.objects.select_related("parent")


@extend_schema_view(
    retrieve=extend_schema(description="With its parties and the commitments you may see.")
)
class InstrumentViewSet(ApiModelViewSet):
    serializer_class = InstrumentSerializer
    permission_model = Instrument
    filterset_class = filters.InstrumentFilter
    ordering_fields = ["name", "start_date", "id"]
    ordering = ["name", "id"]

    def get_queryset(self) -> QuerySet[Instrument]:
        return Instrument.objects.select_related("administering_organization").prefetch_related(
            Prefetch(
                "parties",
                queryset=InstrumentParty.objects.select_related("organization", "country"),
            ),
            "related",
            Prefetch(
                "commitments",
                queryset=selectors.commitments_visible_to(self.request.user).order_by(
                    "due_date", "id"
                ),
                to_attr="visible_commitments",
            ),
        )
