"""Exports of engagement records for publication: the quarterly transparency return (CSV)
and the people, organizations, posts and tenures as Popolo JSON.

Both are reads: meetings come through the access policy (meetings_visible_to), so a
record the user may not see is never exported, and the transparency return publishes
public meetings only. Contact details of people are sensitive and never exported."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Classification
from engagements import selectors
from engagements.exports import neutralise
from engagements.models import Meeting, Organization, Participant, Person, Post, Tenure

TRANSPARENCY_HEADER = (
    "Minister",
    "Date",
    "Name of organisation or individual",
    "Purpose of meeting",
)

_PERIOD = re.compile(r"^(?P<year>\d{4})-?Q(?P<quarter>[1-4])$", re.IGNORECASE)


class PeriodError(ValueError):
    """A period that cannot be read; the message names the parameter."""


@dataclass(frozen=True)
class Period:
    start: datetime.date  # first day
    end: datetime.date  # last day, inclusive
    label: str


def neutralise_formula(value: str) -> str:
    """A leading single quote makes a spreadsheet show the cell as text, not run it."""
    return str(neutralise(value))


def quarter_period(year: int, quarter: int) -> Period:
    start = datetime.date(year, 3 * quarter - 2, 1)
    next_start = (
        datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    )
    return Period(start, next_start - datetime.timedelta(days=1), f"{year}-Q{quarter}")


def period_from_params(params: Any, *, today: datetime.date | None = None) -> Period:
    """?period=2025-Q1, or ?from=2025-01-01&to=2025-03-31; the current quarter if neither."""
    raw_period = (params.get("period") or "").strip()
    raw_from = (params.get("from") or "").strip()
    raw_to = (params.get("to") or "").strip()
    if raw_period:
        if raw_from or raw_to:
            raise PeriodError(_("period: give either a quarter or from/to dates, not both."))
        match = _PERIOD.match(raw_period)
        if not match or not 1900 <= int(match["year"]) <= 9999:
            raise PeriodError(_("period: give a quarter as YYYY-QN, for example 2025-Q1."))
        return quarter_period(int(match["year"]), int(match["quarter"]))
    if raw_from or raw_to:
        dates = {}
        for name, raw in (("from", raw_from), ("to", raw_to)):
            try:
                dates[name] = datetime.date.fromisoformat(raw)
            except ValueError:
                raise PeriodError(
                    _("%(name)s: give a date as YYYY-MM-DD.") % {"name": name}
                ) from None
        if dates["to"] < dates["from"]:
            raise PeriodError(_("to: the end date is before the start date."))
        label = f"{dates['from'].isoformat()}_{dates['to'].isoformat()}"
        return Period(dates["from"], dates["to"], label)
    today = today or datetime.date.today()
    return quarter_period(today.year, (today.month - 1) // 3 + 1)


def _return_date(meeting: Meeting) -> str:
    """dd/mm/yyyy; a record that knows only the month or year says no more than it knows."""
    local = meeting.local_start
    if meeting.date_precision == Meeting.DatePrecision.YEAR:
        return local.strftime("%Y")
    if meeting.date_precision == Meeting.DatePrecision.MONTH:
        return local.strftime("%m/%Y")
    return local.strftime("%d/%m/%Y")


def _name_with_post(participant: Participant) -> str:
    name = participant.display_name
    return f"{name}, {participant.post_label}" if participant.post_label else name


def _minister(participants: list[Participant]) -> str:
    home = [p for p in participants if p.side == Participant.Side.HOME]
    heads = [p for p in home if p.is_head_of_delegation]
    chosen = heads[0] if heads else (home[0] if home else None)
    return chosen.display_name if chosen else ""


def _counterparts(meeting: Meeting, participants: list[Participant]) -> str:
    """People met (with their post on the day), then organizations met without a named
    person; failing both, the countries met with."""
    counterparts = [p for p in participants if p.side == Participant.Side.COUNTERPART]
    names = [_name_with_post(p) for p in counterparts]
    named_organizations = {p.organization_id for p in counterparts if p.person_id or p.raw_name}
    for participant in counterparts:
        organization = participant.organization
        if organization is not None and organization.pk not in named_organizations:
            names.append(organization.name)
            named_organizations.add(organization.pk)
    if not names:
        names = [country.name for country in meeting.counterpart_countries.all()]
    return "; ".join(dict.fromkeys(names))


def transparency_meetings(*, user: Any, period: Period) -> QuerySet[Meeting]:
    """Public meetings held in the period, among those `user` may see. The period is in
    local dates of each meeting; the query takes a day either side and the caller keeps
    the meetings whose local date falls inside."""
    margin = datetime.timedelta(days=1)
    start = datetime.datetime.combine(period.start - margin, datetime.time.min, datetime.UTC)
    end = datetime.datetime.combine(period.end + margin * 2, datetime.time.min, datetime.UTC)
    return (
        selectors.meetings_visible_to(user)
        .filter(
            classification=Classification.PUBLIC,
            status=Meeting.Status.HELD,
            start__gte=start,
            start__lt=end,
        )
        .prefetch_related(
            Prefetch(
                "participants",
                queryset=selectors.participants_visible_to(user)
                .select_related("person", "organization")
                .order_by("side", "order", "id"),
            ),
            "counterpart_countries",
        )
        .order_by("start", "id")
    )


def transparency_rows(*, user: Any, period: Period) -> list[list[str]]:
    """The rows of the return (without the header), ordered by date then minister."""
    rows: list[tuple[datetime.datetime, str, list[str]]] = []
    for meeting in transparency_meetings(user=user, period=period):
        if not period.start <= meeting.meeting_date <= period.end:
            continue
        participants = list(meeting.participants.all())
        minister = _minister(participants)
        cells = [
            minister,
            _return_date(meeting),
            _counterparts(meeting, participants),
            meeting.title,
        ]
        rows.append((meeting.start, minister, cells))
    rows.sort(key=lambda row: (row[0], row[1]))
    return [[neutralise_formula(cell) for cell in cells] for _start, _name, cells in rows]


def transparency_csv(*, user: Any, period: Period) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TRANSPARENCY_HEADER)
    writer.writerows(transparency_rows(user=user, period=period))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# Popolo (http://www.popoloproject.com/specs/)


def _drop_empty(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if value not in ("", None, [], {})}


def popolo_person(person: Person) -> dict[str, Any]:
    """Deliberately no email, phone or user account: contact details are sensitive."""
    other_names = []
    if person.native_name:
        other_names.append({"name": person.native_name, "note": "native script"})
    identifiers = [
        {"scheme": str(item.get("scheme", "")), "identifier": str(item.get("identifier", ""))}
        for item in person.identifiers or []
        if isinstance(item, dict) and item.get("identifier")
    ]
    return _drop_empty(
        {
            "id": person.slug,
            "name": person.name,
            "sort_name": person.sort_name,
            "honorific_prefix": person.honorific_prefix,
            "other_names": other_names,
            "identifiers": identifiers,
            "national_identity": person.nationality.name if person.nationality else "",
            "summary": person.summary,
        }
    )


def popolo_organization(organization: Organization) -> dict[str, Any]:
    other_names = [
        {"name": name} for name in organization.other_names or [] if isinstance(name, str)
    ]
    if organization.abbreviation:
        other_names.insert(0, {"name": organization.abbreviation, "note": "abbreviation"})
    return _drop_empty(
        {
            "id": organization.slug,
            "name": organization.name,
            "other_names": other_names,
            "classification": organization.kind,
            "parent_id": organization.parent.slug if organization.parent else None,
            "area_id": organization.country.iso2 if organization.country else None,
            "links": [{"url": organization.website, "note": "website"}]
            if organization.website
            else [],
        }
    )


def popolo_post(post: Post) -> dict[str, Any]:
    return _drop_empty(
        {
            "id": post.slug,
            "label": post.label,
            "role": post.label,
            "organization_id": post.organization.slug,
        }
    )


def popolo_membership(tenure: Tenure) -> dict[str, Any]:
    sources = [{"url": tenure.source_url, "note": tenure.source}] if tenure.source_url else []
    return _drop_empty(
        {
            "id": f"tenure-{tenure.pk}",
            "person_id": tenure.person.slug,
            "organization_id": tenure.post.organization.slug,
            "post_id": tenure.post.slug,
            "role": tenure.post.label,
            "start_date": tenure.start_date.isoformat(),
            "end_date": tenure.end_date.isoformat() if tenure.end_date else None,
            "sources": _drop_empty_list(sources),
        }
    )


def _drop_empty_list(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [_drop_empty(item) for item in items]


_CHUNK = 500


def popolo_collections() -> list[tuple[str, Iterable[Any], Any]]:
    """The four collections with the serializer of each; one query per collection, read
    in chunks so memory stays flat however many records there are."""
    return [
        (
            "persons",
            Person.objects.select_related("nationality")
            .order_by("sort_name", "id")
            .iterator(chunk_size=_CHUNK),
            popolo_person,
        ),
        (
            "organizations",
            Organization.objects.select_related("parent", "country")
            .order_by("name", "id")
            .iterator(chunk_size=_CHUNK),
            popolo_organization,
        ),
        (
            "posts",
            Post.objects.select_related("organization")
            .order_by("organization__name", "rank", "id")
            .iterator(chunk_size=_CHUNK),
            popolo_post,
        ),
        (
            "memberships",
            Tenure.objects.select_related("person", "post__organization")
            .order_by("post__organization__name", "post__rank", "start_date", "id")
            .iterator(chunk_size=_CHUNK),
            popolo_membership,
        ),
    ]


def popolo_json_chunks() -> Iterator[str]:
    """The Popolo document as pieces of JSON text, for a streaming response."""
    yield "{"
    for index, (name, records, serialize) in enumerate(popolo_collections()):
        yield ("," if index else "") + json.dumps(name) + ":["
        for position, record in enumerate(records):
            yield ("," if position else "") + json.dumps(serialize(record), ensure_ascii=False)
        yield "]"
    yield "}"
