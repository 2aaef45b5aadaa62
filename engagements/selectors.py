"""Reads. Every query of classified records starts from the access policy here."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, Field, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404

from accounts import policy

from .models import (
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


def participated_meeting_ids(user: Any) -> Any:
    """The ids of the meetings the user took part in (a subquery)."""
    return Participant.objects.filter(person__user=user).values("meeting_id")


def _meeting_filter(user: Any, *, prefix: str = "") -> Q:
    return policy.visibility_filter(
        user,
        classification_field=f"{prefix}classification",
        desk_field=f"{prefix}desk_id",
        participation=Q(**{f"{prefix}id__in": participated_meeting_ids(user)})
        if getattr(user, "is_authenticated", False)
        else None,
    )


def meetings_visible_to(
    user: Any, *, queryset: QuerySet[Meeting] | None = None
) -> QuerySet[Meeting]:
    queryset = Meeting.objects.all() if queryset is None else queryset
    return queryset.filter(_meeting_filter(user))


def meeting_get_visible(*, user: Any, pk: int) -> Meeting:
    """The meeting, or Http404 whether it is missing or hidden: never confirm it exists."""
    return get_object_or_404(meetings_visible_to(user), pk=pk)


def meeting_is_visible_to(*, user: Any, meeting: Meeting) -> bool:
    took_part = (
        getattr(user, "is_authenticated", False)
        and meeting.participants.filter(person__user=user).exists()
    )
    return policy.can_read(
        user,
        classification=meeting.classification,
        desk_id=meeting.desk_id,
        took_part=bool(took_part),
    )


def meetings_for_list(*, user: Any) -> QuerySet[Meeting]:
    return (
        meetings_visible_to(user)
        .select_related("desk", "event", "country")
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=Participant.objects.select_related("person", "country").order_by(
                    "side", "order", "id"
                ),
            ),
            "topics",
        )
    )


def participants_visible_to(user: Any) -> QuerySet[Participant]:
    return Participant.objects.filter(_meeting_filter(user, prefix="meeting__"))


def agenda_items_visible_to(user: Any) -> QuerySet[AgendaItem]:
    return AgendaItem.objects.filter(_meeting_filter(user, prefix="meeting__"))


def attachments_visible_to(user: Any) -> QuerySet[Attachment]:
    return Attachment.objects.filter(_meeting_filter(user, prefix="meeting__"))


def commitments_visible_to(
    user: Any, *, queryset: QuerySet[Commitment] | None = None
) -> QuerySet[Commitment]:
    """A commitment from a meeting is visible with its meeting. One without a meeting is
    visible to its owner, the members of its desk and administrators."""
    queryset = Commitment.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if policy.is_administrator(user):
        return queryset
    from_visible_meeting = Q(meeting__isnull=False) & _meeting_filter(user, prefix="meeting__")
    standalone = Q(meeting__isnull=True) & (Q(owner=user) | Q(desk_id__in=policy.desk_ids_of(user)))
    return queryset.filter(from_visible_meeting | standalone)


def commitment_is_visible_to(*, user: Any, commitment: Commitment) -> bool:
    return commitments_visible_to(user).filter(pk=commitment.pk).exists()


def tenure_valid_on(
    *, person_id: int, day: datetime.date, post: Post | None = None
) -> Tenure | None:
    """The tenure a person held on a day: of `post` if given, else their highest-ranked."""
    tenures = Tenure.objects.valid_on(day).filter(person_id=person_id)
    if post is not None:
        tenures = tenures.filter(post=post)
    return tenures.select_related("post__organization").order_by("post__rank", "start_date").first()


def post_holders_on(*, day: datetime.date, country_id: int) -> QuerySet[Tenure]:
    """Who held each post of a country's organizations on a day (current when today)."""
    return (
        Tenure.objects.valid_on(day)
        .filter(post__organization__country_id=country_id)
        .select_related("person", "post__organization")
        .order_by("post__organization__name", "post__rank")
    )


def _tag_slugs(through: Any, target_field: str, key: str) -> RawSQL:
    target = through._meta.get_field(target_field).related_model._meta
    return RawSQL(
        f"""SELECT array_agg(t.{key} ORDER BY t.{target.ordering[0]})
            FROM {through._meta.db_table} x JOIN {target.db_table} t
              ON t.id = x.{target_field}_id
            WHERE x.meeting_id = {Meeting._meta.db_table}.id""",
        (),
        output_field=_AS_RETURNED,
    )


# psycopg returns arrays and json as Python lists and dicts; no field conversion is wanted.
_AS_RETURNED: Field[Any, Any] = Field()


def meetings_with_participants_and_tags(
    user: Any, queryset: QuerySet[Meeting]
) -> QuerySet[Meeting]:
    """Meetings annotated with their participants (`participants_data`, a list of dicts in
    the API's shape) and the slugs of their tags (`topic_slugs`, `mineral_slugs`,
    `instrument_slugs`, `counterpart_iso2`), aggregated by PostgreSQL in the same query:
    a page of a list then costs one query and no model instances for the nested rows.
    Elsewhere (SQLite) the queryset is returned unchanged and callers prefetch.

    Written as SQL: built with the ORM's expressions, the annotations alone took longer to
    construct and compile than the database took to run the whole query. The participants
    are correlated with a meeting already found visible, so they are visible with it."""
    if connection.vendor != "postgresql":
        return queryset
    table = {model: model._meta.db_table for model in (Meeting, Participant)}
    participants = RawSQL(
        f"""SELECT json_agg(json_build_object(
                'id', p.id, 'person', pe.slug, 'name', coalesce(pe.name, p.raw_name),
                'raw_name', p.raw_name, 'side', p.side, 'organization', o.slug,
                'country', c.iso2, 'post', po.slug, 'post_label', p.post_label,
                'is_head_of_delegation', p.is_head_of_delegation, 'order', p."order")
                ORDER BY p.side, p."order", p.id)
            FROM {table[Participant]} p
            LEFT JOIN {Person._meta.db_table} pe ON pe.id = p.person_id
            LEFT JOIN {Organization._meta.db_table} o ON o.id = p.organization_id
            LEFT JOIN {Country._meta.db_table} c ON c.id = p.country_id
            LEFT JOIN {Post._meta.db_table} po ON po.id = p.post_id
            WHERE p.meeting_id = {table[Meeting]}.id""",
        (),
        output_field=_AS_RETURNED,
    )
    return queryset.annotate(
        participants_data=participants,
        topic_slugs=_tag_slugs(Meeting.topics.through, "topic", "slug"),
        mineral_slugs=_tag_slugs(Meeting.minerals.through, "mineral", "slug"),
        instrument_slugs=_tag_slugs(Meeting.instruments.through, "instrument", "slug"),
        counterpart_iso2=_tag_slugs(Meeting.counterpart_countries.through, "country", "iso2"),
    )


# --- browsing: the meetings list, profiles and their timelines -------------------------------
# Each starts from meetings_visible_to / commitments_visible_to: a hidden meeting is absent
# from every timeline, chart and count built on these.

OPEN_COMMITMENT_STATUSES = (Commitment.Status.OPEN, Commitment.Status.IN_PROGRESS)


def meetings_with_list_relations(queryset: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """What a row of a list or timeline shows, in a constant number of queries."""
    return queryset.select_related("desk", "event", "country").prefetch_related(
        Prefetch(
            "participants",
            queryset=Participant.objects.select_related("person", "country").order_by(
                "side", "order", "id"
            ),
        ),
        "topics",
    )


def _involves_country(country_id: int) -> Q:
    """Held in the country, or the country was met with (as a counterpart country or by a
    participant from it)."""
    met = Meeting.counterpart_countries.through.objects.filter(
        meeting_id=OuterRef("pk"), country_id=country_id
    )
    represented = Participant.objects.filter(
        meeting_id=OuterRef("pk"), country_id=country_id
    ).exclude(side=Participant.Side.HOME)
    return Q(country_id=country_id) | Exists(met) | Exists(represented)


def meetings_involving_country(user: Any, *, country: Country) -> QuerySet[Meeting]:
    return meetings_visible_to(user).filter(_involves_country(country.pk))


def meetings_with_person(user: Any, *, person: Person) -> QuerySet[Meeting]:
    took_part = Participant.objects.filter(meeting_id=OuterRef("pk"), person_id=person.pk)
    return meetings_visible_to(user).filter(Exists(took_part))


def meetings_with_organization(user: Any, *, organization: Organization) -> QuerySet[Meeting]:
    """Meetings where someone represented the organization or one of its direct units."""
    units = Organization.objects.filter(Q(pk=organization.pk) | Q(parent_id=organization.pk))
    represented = Participant.objects.filter(
        meeting_id=OuterRef("pk"), organization_id__in=units.values("pk")
    )
    return meetings_visible_to(user).filter(Exists(represented))


def meetings_at_event(user: Any, *, event: Event) -> QuerySet[Meeting]:
    """Meetings on the sidelines of the event or of one of its sub-events."""
    return meetings_visible_to(user).filter(Q(event_id=event.pk) | Q(event__parent_id=event.pk))


def meetings_under_instrument(user: Any, *, instrument: Instrument) -> QuerySet[Meeting]:
    tagged = Meeting.instruments.through.objects.filter(
        meeting_id=OuterRef("pk"), instrument_id=instrument.pk
    )
    return meetings_visible_to(user).filter(Exists(tagged))


def commitments_owned_by(user: Any) -> QuerySet[Commitment]:
    """What the user follows up, as far as they may see it (the dashboard, the board's "mine",
    the notifications app's list of the user's commitments)."""
    return (
        commitments_visible_to(user)
        .filter(owner=user)
        .select_related("meeting", "desk")
        .order_by("status", "due_date", "id")
    )


def topic_with_descendants(*, slug: str) -> list[int]:
    """The ids of the topic with this slug and of every topic under it (none for an unknown
    slug): a filter on "critical minerals" finds meetings tagged "lithium supply" too. The
    tree is small and read whole in one query. A topic is taken once, so parent links that
    loop (the admin does not forbid them) end the walk instead of running it forever."""
    rows = list(Topic.objects.values_list("id", "parent_id", "slug"))
    found = [pk for pk, _parent, topic_slug in rows if topic_slug == slug]
    seen = set(found)
    frontier = set(found)
    while frontier:
        children = [pk for pk, parent, _slug in rows if parent in frontier and pk not in seen]
        found += children
        seen.update(children)
        frontier = set(children)
    return found


def meetings_on_topic(user: Any, *, topic: Topic) -> QuerySet[Meeting]:
    tagged = Meeting.topics.through.objects.filter(
        meeting_id=OuterRef("pk"), topic_id__in=topic_with_descendants(slug=topic.slug)
    )
    return meetings_visible_to(user).filter(Exists(tagged))


def meetings_on_mineral(user: Any, *, mineral: Any) -> QuerySet[Meeting]:
    tagged = Meeting.minerals.through.objects.filter(
        meeting_id=OuterRef("pk"), mineral_id=mineral.pk
    )
    return meetings_visible_to(user).filter(Exists(tagged))


def instruments_involving_country(*, country: Country) -> QuerySet[Instrument]:
    """Instruments with the country, or one of its organizations, as a party, or
    administered by one of its organizations. Instruments are not classified."""
    party = InstrumentParty.objects.filter(instrument_id=OuterRef("pk")).filter(
        Q(country_id=country.pk) | Q(organization__country_id=country.pk)
    )
    return (
        Instrument.objects.filter(
            Exists(party) | Q(administering_organization__country_id=country.pk)
        )
        .select_related("administering_organization")
        .order_by("name")
    )


def open_commitments_for_country(user: Any, *, country: Country) -> QuerySet[Commitment]:
    """Open commitments the user may see, from a meeting involving the country or under an
    instrument involving it."""
    from_meeting = Q(meeting__in=Meeting.objects.filter(_involves_country(country.pk)).values("pk"))
    under_instrument = Q(instrument__in=instruments_involving_country(country=country).values("pk"))
    return (
        commitments_visible_to(user)
        .filter(status__in=OPEN_COMMITMENT_STATUSES)
        .filter(from_meeting | under_instrument)
        .select_related("meeting", "instrument", "owner", "desk")
        .order_by(F("due_date").asc(nulls_last=True), "id")
    )


def open_commitments_for_instrument(user: Any, *, instrument: Instrument) -> QuerySet[Commitment]:
    return (
        commitments_visible_to(user)
        .filter(status__in=OPEN_COMMITMENT_STATUSES)
        .filter(Q(instrument_id=instrument.pk) | Q(meeting__instruments=instrument.pk))
        .select_related("meeting", "owner", "desk")
        .distinct()
        .order_by(F("due_date").asc(nulls_last=True), "id")
    )


def visible_meeting_counts_by_country(user: Any) -> dict[int, int]:
    """{country id: visible meetings with that counterpart country}, one query."""
    rows = (
        meetings_visible_to(user)
        .order_by()
        .filter(counterpart_countries__isnull=False)
        .values("counterpart_countries")
        .annotate(meetings=Count("id", distinct=True))
    )
    return {row["counterpart_countries"]: row["meetings"] for row in rows}
