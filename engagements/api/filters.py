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
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchQuery
from django.db import connection, models
from django.db.models import Exists, F, Lookup, OuterRef, Q, QuerySet, Subquery, Value

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
from ..search import MEETING_SEARCH_CONFIG, MEETING_SEARCH_FIELDS, MeetingSearchVector


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), ZoneInfo(settings.TIME_ZONE))


def topic_and_descendants(slug: str) -> list[int]:
    """The topic and everything under it: a filter on "critical minerals" finds meetings
    tagged "lithium supply" too. The tree is small; it is read whole."""
    rows = list(Topic.objects.values_list("id", "parent_id", "slug"))
    found = [pk for pk, _parent, topic_slug in rows if topic_slug == slug]
    frontier = list(found)
    while frontier:
        children = [pk for pk, parent, _slug in rows if parent in frontier]
        found += children
        frontier = children
    return found


def search_meetings(queryset: QuerySet[Meeting], text: str) -> QuerySet[Meeting]:
    """Full-text search over title, summary, notes and outcomes: PostgreSQL's, against the
    stored search vector and its GIN index (engagements.search); on SQLite (embedded mode)
    a plain substring match."""
    text = text.strip()
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        query = SearchQuery(text, config=MEETING_SEARCH_CONFIG, search_type="websearch")
        return queryset.alias(search=MeetingSearchVector()).filter(search=query)
    condition = Q()
    for name in MEETING_SEARCH_FIELDS:
        condition |= Q(**{f"{name}__icontains": text})
    return queryset.filter(condition)


# A country's meetings are those held there or with it as a counterpart. Written as one
# condition, `country = X OR EXISTS (counterpart X)`, PostgreSQL can only walk the
# newest-first index testing each meeting until it has a page: quick for a country met
# often, but for one met a few dozen times it reads the whole table (bench/README.md
# has the figures). So the ids are read first from the two indexes on country, in one query that
# stops once there are more than COUNTRY_IDS_MAX: when there are no more than that, the
# page is read by primary key among them; only a country with more meetings takes the walk,
# which then finds a page within the first few thousand meetings.
COUNTRY_IDS_MAX = 5000
_ID_ARRAY: ArrayField[list[int], list[int]] = ArrayField(models.BigIntegerField())


class _AnyOf(Lookup):
    """`lhs = ANY(array)`: the array one parameter (PostgreSQL)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def meetings_with_country(queryset: QuerySet[Meeting], country_id: int | None) -> QuerySet[Meeting]:
    """The meetings of `queryset` held in the country or with it as a counterpart (none for
    a country that does not exist, None)."""
    if country_id is None:
        return queryset.none()
    through = Meeting.counterpart_countries.through.objects
    # UNION ALL stops reading at the limit (UNION would read every row to drop duplicates).
    # A meeting is listed at most twice, so fewer rows than the limit are all of them, and
    # as many as the limit are more than COUNTRY_IDS_MAX meetings.
    limit = 2 * (COUNTRY_IDS_MAX + 1)
    rows = list(
        Meeting.objects.filter(country_id=country_id)
        .values_list("pk", flat=True)
        .order_by()
        .union(
            through.filter(country_id=country_id).values_list("meeting_id", flat=True).order_by(),
            all=True,
        )[:limit]
    )
    if len(rows) < limit:
        ids = sorted(set(rows))
        if connection.vendor != "postgresql":
            return queryset.filter(pk__in=ids)
        # One array parameter, `id = ANY(%s)`, rather than thousands in `id IN (...)`:
        # each of those is prepared by Django and psycopg and copied with every clone of
        # the query, which adds up for thousands of ids.
        return queryset.filter(_AnyOf(F("pk"), Value(ids, output_field=_ID_ARRAY)))
    # A scalar subquery, not EXISTS: PostgreSQL would turn EXISTS into a hash of all the
    # country's meetings (a large one for a country met often) before reading
    # the first row; this one is a lookup in the (meeting, country) index per row walked.
    met = through.filter(country_id=country_id, meeting_id=OuterRef("pk")).values("pk")[:1]
    return queryset.alias(met_with=Subquery(met)).filter(
        Q(country_id=country_id) | Q(met_with__isnull=False)
    )


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
            meeting_id=OuterRef("pk"), topic_id__in=topic_and_descendants(value)
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
