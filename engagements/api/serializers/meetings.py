"""Meetings: the list and detail representations and the whole-record write."""

from __future__ import annotations

import datetime
from typing import Any

from rest_framework import serializers

from api.serializers import CLASSIFICATION_NAMES, ClassificationField, read_key
from minerals.models import Mineral

from ...models import (
    AgendaItem,
    Commitment,
    Event,
    Instrument,
    Meeting,
    Organization,
    Participant,
    Person,
    Post,
    Topic,
)
from ...services import AgendaItemInput, CommitmentInput, MeetingInput, ParticipantInput
from .attachments import MeetingAttachmentSerializer
from .commitments import MeetingCommitmentSerializer
from .common import country_field, desk_field, slug_field, user_field
from .participants import MeetingParticipantSerializer


class AgendaItemSerializer(serializers.ModelSerializer):
    topic = read_key("slug", allow_null=True)

    class Meta:
        model = AgendaItem
        fields = ["order", "title", "topic", "notes", "outcome"]
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
