"""Filters of the engagements API.

Every filter narrows a queryset that already starts from the access policy, so a filter
can only select among visible records. A filter that names another classified record (a
meeting) looks it up among the visible ones too: asking for the participants of a hidden
meeting finds nothing, exactly as for a meeting that does not exist. References use the
same natural keys as the representations (ISO alpha-2, desk code, slug, username)."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import django_filters
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from api.filters import IntegerFilter, StrictBooleanFilter

from .. import selectors
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
from ..search import meetings_with_country, search_meetings


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), ZoneInfo(settings.TIME_ZONE))


# Multiple-choice filters here are on the record's own columns, so they cannot duplicate
# rows; django-filter's DISTINCT would only cost time (and fails on the json columns of
# selectors.meetings_with_participants_and_tags).


class MeetingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=200,
        label="Full-text search over title, summary, notes and outcomes (web-search syntax: "
        'words, "a phrase", -excluded, or).',
    )
    date_from = django_filters.DateFilter(
        method="filter_date_from", label="Starting on or after this day (ministry's time zone)."
    )
    date_to = django_filters.DateFilter(
        method="filter_date_to", label="Starting on or before this day (ministry's time zone)."
    )
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label="Changed at or after this instant (incremental sync; order by updated_at).",
    )
    country = django_filters.CharFilter(
        method="filter_country",
        max_length=2,
        label="ISO alpha-2 of a country met with or where the meeting was held.",
    )
    desk = django_filters.CharFilter(field_name="desk__code", max_length=32, label="Desk code.")
    event = django_filters.CharFilter(
        method="filter_event", max_length=120, label="Event slug (its sub-events included)."
    )
    person = django_filters.CharFilter(
        method="filter_person", max_length=120, label="Slug of a participant."
    )
    organization = django_filters.CharFilter(
        method="filter_organization",
        max_length=120,
        label="Slug of an organization a participant represented.",
    )
    topic = django_filters.CharFilter(
        method="filter_topic", max_length=120, label="Topic slug (sub-topics included)."
    )
    mineral = django_filters.CharFilter(
        method="filter_mineral", max_length=120, label="Mineral slug."
    )
    instrument = django_filters.CharFilter(
        method="filter_instrument", max_length=120, label="Instrument slug."
    )
    status = django_filters.MultipleChoiceFilter(choices=Meeting.Status.choices, distinct=False)
    kind = django_filters.MultipleChoiceFilter(choices=Meeting.Kind.choices, distinct=False)
    classification = django_filters.MultipleChoiceFilter(
        method="filter_classification",
        distinct=False,
        choices=[(name, name) for name in ("public", "internal", "restricted", "confidential")],
    )
    external_source = django_filters.CharFilter(max_length=64)
    external_id = django_filters.CharFilter(max_length=200)

    class Meta:
        model = Meeting
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Meeting], name: str, value: str) -> QuerySet[Meeting]:
        return search_meetings(queryset, value)

    def filter_date_from(
        self, queryset: QuerySet[Meeting], name: str, value: datetime.date
    ) -> QuerySet[Meeting]:
        return queryset.filter(start__gte=_local_midnight(value))

    def filter_date_to(
        self, queryset: QuerySet[Meeting], name: str, value: datetime.date
    ) -> QuerySet[Meeting]:
        if value >= datetime.date.max - datetime.timedelta(days=1):
            return queryset
        return queryset.filter(start__lt=_local_midnight(value + datetime.timedelta(days=1)))

    def filter_country(
        self, queryset: QuerySet[Meeting], name: str, value: str
    ) -> QuerySet[Meeting]:
        # The id, not a join on iso2: with the id the planner knows how many meetings the
        # country has (its statistics are per id) and picks the plan accordingly.
        country_id = Country.objects.filter(iso2=value.upper()).values_list("pk", flat=True)
        return meetings_with_country(queryset, country_id.first())

    def filter_event(self, queryset: QuerySet[Meeting], name: str, value: str) -> QuerySet[Meeting]:
        return queryset.filter(Q(event__slug=value) | Q(event__parent__slug=value))

    def filter_person(
        self, queryset: QuerySet[Meeting], name: str, value: str
    ) -> QuerySet[Meeting]:
        took_part = Participant.objects.filter(meeting_id=OuterRef("pk"), person__slug=value)
        return queryset.filter(Exists(took_part))

    def filter_organization(
        self, queryset: QuerySet[Meeting], name: str, value: str
    ) -> QuerySet[Meeting]:
        took_part = Participant.objects.filter(meeting_id=OuterRef("pk"), organization__slug=value)
        return queryset.filter(Exists(took_part))

    def filter_topic(self, queryset: QuerySet[Meeting], name: str, value: str) -> QuerySet[Meeting]:
        tagged = Meeting.topics.through.objects.filter(
            meeting_id=OuterRef("pk"), topic_id__in=selectors.topic_with_descendants(slug=value)
        )
        return queryset.filter(Exists(tagged))

    def filter_mineral(
        self, queryset: QuerySet[Meeting], name: str, value: str
    ) -> QuerySet[Meeting]:
        tagged = Meeting.minerals.through.objects.filter(
            meeting_id=OuterRef("pk"), mineral__slug=value
        )
        return queryset.filter(Exists(tagged))

    def filter_instrument(
        self, queryset: QuerySet[Meeting], name: str, value: str
    ) -> QuerySet[Meeting]:
        tagged = Meeting.instruments.through.objects.filter(
            meeting_id=OuterRef("pk"), instrument__slug=value
        )
        return queryset.filter(Exists(tagged))

    def filter_classification(
        self, queryset: QuerySet[Meeting], name: str, value: list[str]
    ) -> QuerySet[Meeting]:
        if not value:
            return queryset
        names = ["public", "internal", "restricted", "confidential"]
        return queryset.filter(classification__in=[names.index(v) for v in value])


class ParticipantFilter(django_filters.FilterSet):
    meeting = IntegerFilter(field_name="meeting_id", min_value=1)
    person = django_filters.CharFilter(field_name="person__slug", max_length=120)
    organization = django_filters.CharFilter(field_name="organization__slug", max_length=120)
    country = django_filters.CharFilter(field_name="country__iso2", max_length=2)
    side = django_filters.ChoiceFilter(choices=Participant.Side.choices)

    class Meta:
        model = Participant
        fields: list[str] = []


class CommitmentFilter(django_filters.FilterSet):
    meeting = IntegerFilter(field_name="meeting_id", min_value=1)
    status = django_filters.MultipleChoiceFilter(choices=Commitment.Status.choices, distinct=False)
    owed_by = django_filters.ChoiceFilter(choices=Commitment.Side.choices)
    desk = django_filters.CharFilter(field_name="desk__code", max_length=32)
    owner = django_filters.CharFilter(field_name="owner__username", max_length=150)
    instrument = django_filters.CharFilter(field_name="instrument__slug", max_length=120)
    due_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Commitment
        fields: list[str] = []


class AttachmentFilter(django_filters.FilterSet):
    meeting = IntegerFilter(field_name="meeting_id", min_value=1)
    kind = django_filters.ChoiceFilter(choices=Attachment.Kind.choices)

    class Meta:
        model = Attachment
        fields: list[str] = []


class CountryFilter(django_filters.FilterSet):
    iso2 = django_filters.CharFilter(field_name="iso2", lookup_expr="iexact", max_length=2)
    region = django_filters.CharFilter(max_length=100)
    sub_region = django_filters.CharFilter(max_length=100)
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)

    class Meta:
        model = Country
        fields: list[str] = []


class OrganizationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Organization.Kind.choices)
    country = django_filters.CharFilter(field_name="country__iso2", max_length=2)
    parent = django_filters.CharFilter(field_name="parent__slug", max_length=120)
    q = django_filters.CharFilter(method="filter_q", max_length=200)

    class Meta:
        model = Organization
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(abbreviation__iexact=value))


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", max_length=200, label="Part of a name.")
    nationality = django_filters.CharFilter(field_name="nationality__iso2", max_length=2)
    organization = django_filters.CharFilter(
        method="filter_organization", max_length=120, label="Held a post in this organization."
    )
    post = django_filters.CharFilter(method="filter_post", max_length=120, label="Held this post.")
    meeting = IntegerFilter(method="filter_meeting", label="Took part in this meeting.")

    class Meta:
        model = Person
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(name__icontains=value) | Q(native_name__icontains=value) | Q(slug=value)
        )

    def filter_organization(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        held = Tenure.objects.filter(person_id=OuterRef("pk"), post__organization__slug=value)
        return queryset.filter(Exists(held))

    def filter_post(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Exists(Tenure.objects.filter(person_id=OuterRef("pk"), post__slug=value))
        )

    def filter_meeting(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        user = getattr(self.request, "user", None)
        took_part = selectors.participants_visible_to(user).filter(
            person_id=OuterRef("pk"), meeting_id=value
        )
        return queryset.filter(Exists(took_part))


class PostFilter(django_filters.FilterSet):
    organization = django_filters.CharFilter(field_name="organization__slug", max_length=120)
    q = django_filters.CharFilter(field_name="label", lookup_expr="icontains", max_length=200)

    class Meta:
        model = Post
        fields: list[str] = []


class TenureFilter(django_filters.FilterSet):
    person = django_filters.CharFilter(field_name="person__slug", max_length=120)
    post = django_filters.CharFilter(field_name="post__slug", max_length=120)
    organization = django_filters.CharFilter(field_name="post__organization__slug", max_length=120)
    current = StrictBooleanFilter(field_name="end_date__isnull", label="Open-ended tenures.")
    valid_on = django_filters.DateFilter(method="filter_valid_on", label="Held on this day.")

    class Meta:
        model = Tenure
        fields: list[str] = []

    def filter_valid_on(self, queryset: Any, name: str, value: datetime.date) -> QuerySet:
        return queryset.valid_on(value)


class EventFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Event.Kind.choices)
    country = django_filters.CharFilter(field_name="country__iso2", max_length=2)
    parent = django_filters.CharFilter(field_name="parent__slug", max_length=120)
    organizer = django_filters.CharFilter(field_name="organizer__slug", max_length=120)
    date_from = django_filters.DateFilter(field_name="end_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="start_date", lookup_expr="lte")
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=200)

    class Meta:
        model = Event
        fields: list[str] = []


class TopicFilter(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent__slug", max_length=120)

    class Meta:
        model = Topic
        fields: list[str] = []


class InstrumentFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Instrument.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Instrument.Status.choices)
    administering_organization = django_filters.CharFilter(
        field_name="administering_organization__slug", max_length=120
    )
    party = django_filters.CharFilter(
        method="filter_party", max_length=120, label="Slug of a party organization or ISO alpha-2."
    )
    q = django_filters.CharFilter(method="filter_q", max_length=200)

    class Meta:
        model = Instrument
        fields: list[str] = []

    def filter_party(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        parties = InstrumentParty.objects.filter(instrument_id=OuterRef("pk")).filter(
            Q(organization__slug=value) | Q(country__iso2=value.upper())
        )
        return queryset.filter(Exists(parties))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(
            Q(name__icontains=value) | Q(short_name__iexact=value) | Q(identifier=value)
        )
