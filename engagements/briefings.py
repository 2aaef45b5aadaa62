"""Reads for the briefing packs (a country, a person), shown as a page and as a PDF.

Everything classified comes through the access policy's selectors: a meeting the reader
may not see, and its participants, agenda, outcomes and commitments, is not in the pack.
Reference records (countries, people, posts, tenures, instruments, mineral statistics) are
open to every signed-in user, as on their own pages. A fixed number of queries per pack.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from minerals.selectors import CountryPosition, country_mineral_positions

from .models import (
    AgendaItem,
    Commitment,
    Country,
    Instrument,
    InstrumentParty,
    Meeting,
    Participant,
    Person,
    Tenure,
)
from .selectors import commitments_visible_to, meetings_visible_to, post_holders_on

LAST_MEETINGS = 10
MAX_COMMITMENTS = 50
MAX_INSTRUMENTS = 30
OPEN_STATUSES = (Commitment.Status.OPEN, Commitment.Status.IN_PROGRESS)


@dataclass
class CommitmentsBySide:
    home: list[Commitment] = field(default_factory=list)
    counterpart: list[Commitment] = field(default_factory=list)
    joint: list[Commitment] = field(default_factory=list)
    has_more: bool = False

    def __bool__(self) -> bool:
        return bool(self.home or self.counterpart or self.joint)


@dataclass
class BriefingPack:
    """What a pack shows. `subject` is the Country or the Person."""

    kind: str  # "country" or "person"
    subject: Any
    as_of: datetime.date
    country: Country | None
    tenures: list[Tenure]
    meetings: list[Meeting]
    commitments: CommitmentsBySide
    instruments: list[Instrument]
    mineral_positions: list[CountryPosition]
    upcoming: Meeting | None = None


def _with_details(queryset: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """Meetings with what a pack prints of them (participants and agenda of a meeting
    already found visible are visible with it)."""
    return queryset.select_related("desk", "event", "country").prefetch_related(
        Prefetch(
            "participants",
            queryset=Participant.objects.select_related(
                "person", "country", "organization"
            ).order_by("side", "order", "id"),
        ),
        Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("order", "id")),
    )


def _open_commitments(user: Any, scope: Q) -> CommitmentsBySide:
    rows = list(
        commitments_visible_to(user)
        .filter(scope, status__in=OPEN_STATUSES)
        .select_related("meeting", "desk", "owner", "instrument")
        .order_by("due_date", "id")[: MAX_COMMITMENTS + 1]
    )
    result = CommitmentsBySide(has_more=len(rows) > MAX_COMMITMENTS)
    for commitment in rows[:MAX_COMMITMENTS]:
        getattr(result, commitment.owed_by, result.joint).append(commitment)
    return result


def _instruments(scope: Q) -> list[Instrument]:
    return list(
        Instrument.objects.filter(pk__in=Instrument.objects.filter(scope).values("pk"))
        .select_related("administering_organization")
        .prefetch_related(
            Prefetch(
                "parties",
                queryset=InstrumentParty.objects.select_related("organization", "country"),
            )
        )
        .order_by("name")[:MAX_INSTRUMENTS]
    )


def upcoming_meeting(*, user: Any, pk: int) -> Meeting | None:
    """The meeting the pack prepares for, if the reader may see it."""
    return _with_details(meetings_visible_to(user)).filter(pk=pk).first()


# --- a country ------------------------------------------------------------------------------


def country_get(*, iso2: str) -> Country | None:
    return Country.objects.filter(iso2=iso2.upper()).first()


def _country_meeting_ids(country: Country) -> QuerySet[Any]:
    """Meetings with the country: met with it, or with its people on the counterpart side
    (a meeting merely held there, such as one with another country on the sidelines of an
    event in its capital, is not about it)."""
    # Without ordering: SQLite refuses ORDER BY inside the parts of a UNION.
    met_with = (
        Meeting.counterpart_countries.through.objects.filter(country=country)
        .order_by()
        .values("meeting_id")
    )
    its_people = (
        Participant.objects.filter(country=country, side=Participant.Side.COUNTERPART)
        .order_by()
        .values("meeting_id")
    )
    # One subquery (a UNION) rather than two ORed ones: PostgreSQL then reads the few
    # meetings by primary key instead of filtering the whole table.
    return met_with.union(its_people)


def country_pack(
    *, user: Any, country: Country, upcoming: Meeting | None = None, last: int = LAST_MEETINGS
) -> BriefingPack:
    today = timezone.localdate()
    about_country = _country_meeting_ids(country)
    visible_meetings = meetings_visible_to(user).filter(id__in=about_country)
    meetings = list(_with_details(visible_meetings).order_by("-start", "-id")[:last])
    party = Q(parties__country=country) | Q(parties__organization__country=country)
    # Those it is party to, and those its recent meetings (shown above) were about.
    tagged = Q(meetings__in=[meeting.pk for meeting in meetings])
    instruments = _instruments(party | tagged)
    commitment_scope = Q(meeting_id__in=about_country) | Q(
        instrument_id__in=Instrument.objects.filter(party).values("id")
    )
    return BriefingPack(
        kind="country",
        subject=country,
        as_of=today,
        country=country,
        tenures=list(post_holders_on(day=today, country_id=country.pk)),
        meetings=meetings,
        commitments=_open_commitments(user, commitment_scope),
        instruments=instruments,
        mineral_positions=country_mineral_positions(country=country),
        upcoming=upcoming,
    )


# --- a person -------------------------------------------------------------------------------


def person_get(*, pk: int) -> Person | None:
    return Person.objects.select_related("nationality").filter(pk=pk).first()


def person_pack(
    *, user: Any, person: Person, upcoming: Meeting | None = None, last: int = LAST_MEETINGS
) -> BriefingPack:
    today = timezone.localdate()
    tenures = list(
        Tenure.objects.filter(person=person)
        .select_related("post__organization__country")
        .order_by("-start_date", "post__rank")
    )
    current = [
        t for t in tenures if t.start_date <= today and (t.end_date is None or t.end_date > today)
    ]
    country = person.nationality
    for tenure in current:
        if tenure.post.organization.country is not None:
            country = tenure.post.organization.country
            break
    took_part = Participant.objects.filter(person=person).values("meeting_id")
    visible_meetings = meetings_visible_to(user).filter(id__in=took_part)
    meetings = list(_with_details(visible_meetings).order_by("-start", "-id")[:last])
    organizations = {t.post.organization_id for t in tenures}
    instruments = _instruments(
        Q(meetings__in=[meeting.pk for meeting in meetings])
        | Q(parties__organization_id__in=organizations)
        | Q(administering_organization_id__in=organizations)
    )
    commitments = _open_commitments(user, Q(meeting_id__in=took_part))
    return BriefingPack(
        kind="person",
        subject=person,
        as_of=today,
        country=country,
        tenures=tenures,
        meetings=meetings,
        commitments=commitments,
        instruments=instruments,
        mineral_positions=country_mineral_positions(country=country) if country else [],
        upcoming=upcoming,
    )
