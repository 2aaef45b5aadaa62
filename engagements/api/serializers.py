"""Serializers of the engagements API.

References to other records use their natural keys, in reads and writes alike: countries
by ISO alpha-2, desks by code, users by username, and organizations, people, posts,
events, topics, instruments and minerals by slug. A representation read with GET can be
sent back with PUT. Meetings have no natural key and are referred to by id.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Desk, User
from api.serializers import (
    CLASSIFICATION_NAMES,
    ClassificationField,
    CleanModelSerializer,
    NaturalKeyRelatedField,
    read_key,
)
from minerals.models import Mineral

from .. import selectors
from ..models import (
    AgendaItem,
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
from ..services import (
    AgendaItemInput,
    CommitmentInput,
    MeetingInput,
    ParticipantInput,
)


def _user(serializer: serializers.Field | serializers.BaseSerializer) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


@extend_schema_field(OpenApiTypes.INT)
class VisibleMeetingField(serializers.PrimaryKeyRelatedField):
    """A meeting id among those the requesting user may see: a hidden meeting is as
    unknown as a missing one."""

    def get_queryset(self) -> QuerySet[Meeting]:
        return selectors.meetings_visible_to(_user(self))


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


# Reference records


class CountrySerializer(CleanModelSerializer):
    class Meta:
        model = Country
        fields = [
            "id",
            "iso2",
            "iso3",
            "numeric_code",
            "name",
            "region",
            "region_code",
            "sub_region",
            "sub_region_code",
            "intermediate_region",
            "intermediate_region_code",
            "is_home",
        ]


class OrganizationSerializer(CleanModelSerializer):
    country = country_field(allow_null=True, required=False)
    parent = slug_field(Organization, allow_null=True, required=False)  # type: ignore[assignment]
    other_names = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, max_length=50
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "slug",
            "abbreviation",
            "kind",
            "country",
            "parent",
            "other_names",
            "website",
        ]


class TenureSerializer(serializers.ModelSerializer):
    """Writes go through engagements.services.tenure_create / tenure_update."""

    person = slug_field(Person)
    post = slug_field(Post)
    post_label = serializers.CharField(source="post.label", read_only=True)
    organization = serializers.CharField(source="post.organization.slug", read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = Tenure
        fields = [
            "id",
            "person",
            "post",
            "post_label",
            "organization",
            "start_date",
            "end_date",
            "is_current",
            "source",
            "source_url",
            "last_verified",
            "note",
        ]


class PersonTenureSerializer(serializers.ModelSerializer):
    post = serializers.CharField(source="post.slug", read_only=True)
    post_label = serializers.CharField(source="post.label", read_only=True)
    organization = serializers.CharField(source="post.organization.slug", read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = Tenure
        fields = [
            "id",
            "post",
            "post_label",
            "organization",
            "start_date",
            "end_date",
            "is_current",
            "last_verified",
            "source",
        ]
        read_only_fields = fields


class IdentifierSerializer(serializers.Serializer):
    scheme = serializers.CharField(max_length=100)
    identifier = serializers.CharField(max_length=300)


class PersonSerializer(CleanModelSerializer):
    """Contact details are shown only to those who may edit people (null otherwise)."""

    nationality = country_field(allow_null=True, required=False)
    identifiers = IdentifierSerializer(many=True, required=False)
    email = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    tenures = PersonTenureSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "native_name",
            "sort_name",
            "slug",
            "honorific_prefix",
            "nationality",
            "summary",
            "identifiers",
            "email",
            "phone",
            "tenures",
        ]

    def _may_see_contacts(self) -> bool:
        user = _user(self)
        return bool(user is not None and user.has_perm("engagements.change_person"))

    @extend_schema_field(serializers.EmailField(allow_null=True))
    def get_email(self, person: Person) -> str | None:
        return person.email if self._may_see_contacts() else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_phone(self, person: Person) -> str | None:
        return person.phone if self._may_see_contacts() else None


class PersonParticipationSerializer(serializers.ModelSerializer):
    meeting = serializers.IntegerField(source="meeting_id", read_only=True)
    meeting_title = serializers.CharField(source="meeting.title", read_only=True)
    meeting_start = serializers.DateTimeField(source="meeting.start", read_only=True)

    class Meta:
        model = Participant
        fields = ["meeting", "meeting_title", "meeting_start", "side", "post_label"]
        read_only_fields = fields


class PersonDetailSerializer(PersonSerializer):
    """Adds the person's latest meetings, among those the reader may see."""

    participations = PersonParticipationSerializer(
        many=True, read_only=True, source="visible_participations"
    )

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "participations"]


class PersonWriteSerializer(CleanModelSerializer):
    nationality = country_field(allow_null=True, required=False)
    identifiers = IdentifierSerializer(many=True, required=False)

    class Meta:
        model = Person
        fields = [
            "name",
            "native_name",
            "sort_name",
            "slug",
            "honorific_prefix",
            "nationality",
            "summary",
            "identifiers",
            "email",
            "phone",
        ]


class PostSerializer(CleanModelSerializer):
    organization = slug_field(Organization)

    class Meta:
        model = Post
        fields = ["id", "label", "slug", "organization", "rank", "single_holder"]


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


class TopicSerializer(CleanModelSerializer):
    parent = slug_field(Topic, allow_null=True, required=False)  # type: ignore[assignment]

    class Meta:
        model = Topic
        fields = ["id", "name", "slug", "parent", "description"]


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


class AgendaItemSerializer(serializers.ModelSerializer):
    topic = read_key("slug", allow_null=True)

    class Meta:
        model = AgendaItem
        fields = ["order", "title", "topic", "notes", "outcome"]
        read_only_fields = fields


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


_DATETIME = serializers.DateTimeField()


def _datetime(value: datetime.datetime | None) -> str | None:
    return None if value is None else _DATETIME.to_representation(value)


def _slug(obj: Any) -> str | None:
    return None if obj is None else obj.slug


def _participant(p: Participant) -> dict[str, Any]:
    person = p.person
    return {
        "id": p.pk,
        "person": None if person is None else person.slug,
        "name": p.raw_name if person is None else person.name,
        "raw_name": p.raw_name,
        "side": p.side,
        "organization": _slug(p.organization),
        "country": None if p.country is None else p.country.iso2,
        "post": _slug(p.post),
        "post_label": p.post_label,
        "is_head_of_delegation": p.is_head_of_delegation,
        "order": p.order,
    }


def _nested(meeting: Meeting) -> dict[str, Any]:
    """Participants and tags: aggregated by the database when the queryset was annotated by
    selectors.meetings_with_participants_and_tags (PostgreSQL), else prefetched."""
    participants = getattr(meeting, "participants_data", False)
    if participants is False:
        return {
            "topics": [t.slug for t in meeting.topics.all()],
            "minerals": [m.slug for m in meeting.minerals.all()],
            "instruments": [i.slug for i in meeting.instruments.all()],
            "counterpart_countries": [c.iso2 for c in meeting.counterpart_countries.all()],
            "participants": [_participant(p) for p in meeting.participants.all()],
        }
    annotations: Any = meeting
    return {
        "topics": annotations.topic_slugs or [],
        "minerals": annotations.mineral_slugs or [],
        "instruments": annotations.instrument_slugs or [],
        "counterpart_countries": annotations.counterpart_iso2 or [],
        "participants": participants or [],
    }


class MeetingListSerializer(serializers.ModelSerializer):
    """A meeting in a list: everything but the long texts and the child records other than
    participants. to_representation is written out by hand: lists of meetings are the
    API's busiest path, and the generic field machinery costs several times more."""

    country = read_key("iso2", allow_null=True)
    event = read_key("slug", allow_null=True)
    desk = read_key("code")
    classification = ClassificationField(read_only=True)
    topics = read_key("slug", many=True)
    minerals = read_key("slug", many=True)
    instruments = read_key("slug", many=True)
    counterpart_countries = read_key("iso2", many=True)
    participants = MeetingParticipantSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "title",
            "kind",
            "status",
            "start",
            "end",
            "time_zone",
            "date_precision",
            "place",
            "city",
            "country",
            "event",
            "desk",
            "classification",
            "topics",
            "minerals",
            "instruments",
            "counterpart_countries",
            "participants",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, meeting: Meeting) -> dict[str, Any]:
        return {
            "id": meeting.pk,
            "title": meeting.title,
            "kind": meeting.kind,
            "status": meeting.status,
            "start": _datetime(meeting.start),
            "end": _datetime(meeting.end),
            "time_zone": meeting.time_zone,
            "date_precision": meeting.date_precision,
            "place": meeting.place,
            "city": meeting.city,
            "country": None if meeting.country is None else meeting.country.iso2,
            "event": _slug(meeting.event),
            "desk": meeting.desk.code,
            "classification": CLASSIFICATION_NAMES[meeting.classification],
            **_nested(meeting),
            "version": meeting.version,
            "created_at": _datetime(meeting.created_at),
            "updated_at": _datetime(meeting.updated_at),
        }


class MeetingSerializer(MeetingListSerializer):
    """A whole meeting record."""

    created_by = read_key("username", allow_null=True)
    agenda_items = AgendaItemSerializer(many=True, read_only=True)
    commitments = MeetingCommitmentSerializer(many=True, read_only=True)
    attachments = MeetingAttachmentSerializer(many=True, read_only=True)

    class Meta(MeetingListSerializer.Meta):
        fields = [
            *MeetingListSerializer.Meta.fields,
            "summary",
            "notes",
            "outcomes",
            "source",
            "source_url",
            "external_source",
            "external_id",
            "created_by",
            "agenda_items",
            "commitments",
            "attachments",
        ]
        read_only_fields = fields

    def to_representation(self, meeting: Meeting) -> dict[str, Any]:
        data = super().to_representation(meeting)
        context = self.context
        data.update(
            summary=meeting.summary,
            notes=meeting.notes,
            outcomes=meeting.outcomes,
            source=meeting.source,
            source_url=meeting.source_url,
            external_source=meeting.external_source,
            external_id=meeting.external_id,
            created_by=None if meeting.created_by is None else meeting.created_by.username,
            agenda_items=AgendaItemSerializer(
                meeting.agenda_items.all(), many=True, context=context
            ).data,
            commitments=MeetingCommitmentSerializer(
                meeting.commitments.all(), many=True, context=context
            ).data,
            attachments=MeetingAttachmentSerializer(
                meeting.attachments.all(), many=True, context=context
            ).data,
        )
        return data


class ParticipantInputSerializer(serializers.Serializer):
    side = serializers.ChoiceField(choices=Participant.Side.choices)
    person = slug_field(Person, allow_null=True, required=False, default=None)
    raw_name = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    organization = slug_field(Organization, allow_null=True, required=False, default=None)
    country = country_field(allow_null=True, required=False, default=None)
    post = slug_field(Post, allow_null=True, required=False, default=None)
    post_label = serializers.CharField(
        max_length=300,
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text="Title held on the day; leave out (or null) to take it from the person's "
        "tenure on the meeting date.",
    )
    is_head_of_delegation = serializers.BooleanField(required=False, default=False)


class AgendaItemInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    topic = slug_field(Topic, allow_null=True, required=False, default=None)
    notes = serializers.CharField(required=False, default="", allow_blank=True)
    outcome = serializers.CharField(required=False, default="", allow_blank=True)


class CommitmentInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="Give the id of one of the meeting's commitments to change it; leave out to add.",
    )
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(required=False, default="", allow_blank=True)
    desk = desk_field(
        allow_null=True,
        required=False,
        default=None,
        help_text="Defaults to the meeting's desk.",
    )
    owner = user_field(allow_null=True, required=False, default=None)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    owed_by = serializers.ChoiceField(choices=Commitment.Side.choices, default="home")
    status = serializers.ChoiceField(choices=Commitment.Status.choices, default="open")
    instrument = slug_field(Instrument, allow_null=True, required=False, default=None)


class MeetingWriteSerializer(serializers.Serializer):
    """A whole meeting record, written in one transaction by meeting_create/meeting_update.

    PUT replaces the record: participants and agenda items are replaced by those given;
    commitments given with an id are changed, those without are added, the others stay.
    PATCH changes only the fields given (a list given replaces that list)."""

    title = serializers.CharField(max_length=300)
    kind = serializers.ChoiceField(choices=Meeting.Kind.choices, default="bilateral")
    status = serializers.ChoiceField(choices=Meeting.Status.choices, default="held")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(required=False, allow_null=True, default=None)
    time_zone = serializers.CharField(
        max_length=64, default="UTC", help_text="IANA time zone, e.g. America/Santiago."
    )
    date_precision = serializers.ChoiceField(choices=Meeting.DatePrecision.choices, default="day")
    place = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    city = serializers.CharField(max_length=120, required=False, default="", allow_blank=True)
    country = country_field(allow_null=True, required=False, default=None)
    event = slug_field(Event, allow_null=True, required=False, default=None)
    desk = desk_field()
    classification = ClassificationField(default="internal")
    summary = serializers.CharField(required=False, default="", allow_blank=True)
    notes = serializers.CharField(required=False, default="", allow_blank=True)
    outcomes = serializers.CharField(required=False, default="", allow_blank=True)
    source = serializers.CharField(  # type: ignore[assignment]
        max_length=500, required=False, default="", allow_blank=True
    )
    source_url = serializers.URLField(max_length=500, required=False, default="", allow_blank=True)
    external_source = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True
    )
    external_id = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )
    topics = slug_field(Topic, many=True, required=False, default=list)
    minerals = slug_field(Mineral, many=True, required=False, default=list)
    instruments = slug_field(Instrument, many=True, required=False, default=list)
    counterpart_countries = country_field(
        many=True,
        required=False,
        default=list,
        help_text="Defaults to the countries of the counterpart participants.",
    )
    participants = ParticipantInputSerializer(many=True, required=False, default=list)
    agenda_items = AgendaItemInputSerializer(many=True, required=False, default=list)
    commitments = CommitmentInputSerializer(many=True, required=False, default=list)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # PATCH leaves out defaults and required fields at every depth: a list that is given
        # replaces the old one, so its items must still be whole.
        if self.partial:
            errors = {
                f"{name}[{index}].{required}": ["This field is required."]
                for name, required in (
                    ("participants", "side"),
                    ("agenda_items", "title"),
                    ("commitments", "title"),
                )
                for index, item in enumerate(attrs.get(name, []))
                if required not in item
            }
            if errors:
                raise serializers.ValidationError(errors)
        return attrs

    def to_input(self, current: Meeting | None = None) -> MeetingInput:
        """The service's input; for PATCH, what was not given is taken from `current`."""
        data = dict(self.validated_data)
        if current is not None and self.partial:
            for name in MeetingInput.__dataclass_fields__:
                if name not in data:
                    data[name] = _current_value(current, name)
        participants = [
            item if isinstance(item, ParticipantInput) else ParticipantInput(**item)
            for item in data.pop("participants", [])
        ]
        agenda = [
            item if isinstance(item, AgendaItemInput) else AgendaItemInput(**item)
            for item in data.pop("agenda_items", [])
        ]
        commitments = [
            item if isinstance(item, CommitmentInput) else CommitmentInput(**item)
            for item in data.pop("commitments", [])
        ]
        return MeetingInput(
            **data, participants=participants, agenda_items=agenda, commitments=commitments
        )


def _current_value(meeting: Meeting, name: str) -> Any:
    if name in ("topics", "minerals", "instruments", "counterpart_countries"):
        return list(getattr(meeting, name).all())
    if name == "participants":
        return [
            ParticipantInput(
                side=p.side,
                person=p.person,
                raw_name=p.raw_name,
                organization=p.organization,
                country=p.country,
                post=p.post,
                post_label=p.post_label,
                is_head_of_delegation=p.is_head_of_delegation,
            )
            for p in meeting.participants.all()
        ]
    if name == "agenda_items":
        return [
            AgendaItemInput(title=a.title, topic=a.topic, notes=a.notes, outcome=a.outcome)
            for a in meeting.agenda_items.all()
        ]
    if name == "commitments":
        return []  # commitments not given are left as they are
    return getattr(meeting, name)


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
