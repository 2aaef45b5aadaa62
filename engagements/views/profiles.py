"""Profiles with timelines: countries, people, organizations, events, instruments, topics,
plus simple index pages. Reference records (countries, people, ...) are open to every
signed-in user; the meetings, commitments, counts and charts on them go through the access
policy's selectors, so a hidden meeting leaves no trace on a profile."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from minerals.selectors import country_mineral_positions

from ..charts import quarterly_chart
from ..models import (
    Country,
    Event,
    Instrument,
    InstrumentParty,
    Meeting,
    Organization,
    Person,
    Post,
    Tenure,
    Topic,
)
from ..selectors import (
    instruments_involving_country,
    meetings_at_event,
    meetings_involving_country,
    meetings_on_topic,
    meetings_under_instrument,
    meetings_with_list_relations,
    meetings_with_organization,
    meetings_with_person,
    open_commitments_for_country,
    open_commitments_for_instrument,
    post_holders_on,
    visible_meeting_counts_by_country,
)
from .browse import ListPage, page_number, page_of, query_without

TIMELINE_PER_PAGE = 25
OPEN_COMMITMENTS_SHOWN = 50
INDEX_PER_PAGE = 100


def _timeline(
    request: HttpRequest, meetings: QuerySet[Meeting], *, oldest_first: bool = False
) -> ListPage:
    rows = meetings_with_list_relations(meetings)
    if oldest_first:
        rows = rows.order_by("start", "id")
    return page_of(
        rows,
        number=page_number(request.GET.get("page")),
        per_page=TIMELINE_PER_PAGE,
        count_queryset=meetings,
    )


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, f"engagements/profiles/{template}", context)


@require_GET
@login_required
def country_profile(request: HttpRequest, iso2: str) -> HttpResponse:
    country = get_object_or_404(Country, iso2=iso2.upper())
    today = timezone.localdate()
    meetings = meetings_involving_country(request.user, country=country)
    commitments = list(
        open_commitments_for_country(request.user, country=country)[: OPEN_COMMITMENTS_SHOWN + 1]
    )
    return _render(
        request,
        "country.html",
        {
            "country": country,
            "today": today,
            "desks": list(country.desks.order_by("name")),
            "holders": list(post_holders_on(day=today, country_id=country.pk)),
            "chart": quarterly_chart(
                meetings,
                key=f"country-{country.iso2}",
                title=_("Engagements with %(country)s per quarter, by topic")
                % {"country": country.name},
                group_by="topic",
            ),
            "page": _timeline(request, meetings),
            "commitments": commitments[:OPEN_COMMITMENTS_SHOWN],
            "more_commitments": len(commitments) > OPEN_COMMITMENTS_SHOWN,
            "instruments": list(instruments_involving_country(country=country)),
            "positions": country_mineral_positions(country=country),
        },
    )


@require_GET
@login_required
def person_profile(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("nationality"), pk=pk)
    meetings = meetings_with_person(request.user, person=person)
    tenures = (
        Tenure.objects.filter(person=person)
        .select_related("post__organization__country")
        .order_by("-start_date", "post__rank")
    )
    return _render(
        request,
        "person.html",
        {
            "person": person,
            "tenures": list(tenures),
            "chart": quarterly_chart(
                meetings,
                key=f"person-{person.pk}",
                title=_("Meetings with %(person)s per quarter") % {"person": person.name},
            ),
            "page": _timeline(request, meetings),
        },
    )


@require_GET
@login_required
def organization_profile(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_object_or_404(
        Organization.objects.select_related("country", "parent"), pk=pk
    )
    today = timezone.localdate()
    posts = Post.objects.filter(organization=organization).prefetch_related(
        Prefetch(
            "tenures",
            queryset=Tenure.objects.valid_on(today).select_related("person"),
            to_attr="current_tenures",
        )
    )
    party = InstrumentParty.objects.filter(instrument_id=OuterRef("pk"), organization=organization)
    instruments = Instrument.objects.filter(
        Q(administering_organization=organization) | Exists(party)
    ).order_by("name")
    meetings = meetings_with_organization(request.user, organization=organization)
    return _render(
        request,
        "organization.html",
        {
            "organization": organization,
            "today": today,
            "units": list(organization.children.order_by("name")),
            "posts": list(posts.order_by("rank", "label")),
            "instruments": list(instruments),
            "chart": quarterly_chart(
                meetings,
                key=f"organization-{organization.pk}",
                title=_("Meetings with %(organization)s per quarter")
                % {"organization": organization.name},
            ),
            "page": _timeline(request, meetings),
        },
    )


@require_GET
@login_required
def event_profile(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(Event.objects.select_related("organizer", "country", "parent"), pk=pk)
    meetings = meetings_at_event(request.user, event=event)
    return _render(
        request,
        "event.html",
        {
            "event": event,
            "sub_events": list(event.sub_events.order_by("start_date", "name")),
            "page": _timeline(request, meetings, oldest_first=True),
        },
    )


@require_GET
@login_required
def instrument_profile(request: HttpRequest, pk: int) -> HttpResponse:
    instrument = get_object_or_404(
        Instrument.objects.select_related("administering_organization"), pk=pk
    )
    meetings = meetings_under_instrument(request.user, instrument=instrument)
    commitments = list(
        open_commitments_for_instrument(request.user, instrument=instrument)[
            : OPEN_COMMITMENTS_SHOWN + 1
        ]
    )
    return _render(
        request,
        "instrument.html",
        {
            "instrument": instrument,
            "parties": list(instrument.parties.select_related("organization", "country")),
            "related": list(instrument.related.order_by("name")),
            "commitments": commitments[:OPEN_COMMITMENTS_SHOWN],
            "more_commitments": len(commitments) > OPEN_COMMITMENTS_SHOWN,
            "chart": quarterly_chart(
                meetings,
                key=f"instrument-{instrument.pk}",
                title=_("Meetings on %(instrument)s per quarter, by country met with")
                % {"instrument": instrument.name},
                group_by="country",
            ),
            "page": _timeline(request, meetings),
        },
    )


@require_GET
@login_required
def topic_profile(request: HttpRequest, pk: int) -> HttpResponse:
    topic = get_object_or_404(Topic.objects.select_related("parent"), pk=pk)
    meetings = meetings_on_topic(request.user, topic=topic)
    return _render(
        request,
        "topic.html",
        {
            "topic": topic,
            "children": list(topic.children.order_by("name")),
            "chart": quarterly_chart(
                meetings,
                key=f"topic-{topic.pk}",
                title=_("Meetings on %(topic)s per quarter, by country met with")
                % {"topic": topic.name},
                group_by="country",
            ),
            "page": _timeline(request, meetings),
        },
    )


# --- index pages ---------------------------------------------------------------------------


def _search(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:200]


@require_GET
@login_required
def country_index(request: HttpRequest) -> HttpResponse:
    counts = visible_meeting_counts_by_country(request.user)
    countries = list(Country.objects.order_by("region", "sub_region", "name"))
    for country in countries:
        country.meeting_count = counts.get(country.pk, 0)  # type: ignore[attr-defined]
    only_engaged = request.GET.get("engaged") == "1"
    if only_engaged:
        countries = [c for c in countries if c.meeting_count]  # type: ignore[attr-defined]
    return _render(
        request, "country_index.html", {"countries": countries, "only_engaged": only_engaged}
    )


def _index(
    request: HttpRequest, queryset: QuerySet[Any], template: str, search: Q | None
) -> HttpResponse:
    if search is not None:
        queryset = queryset.filter(search)
    page = page_of(queryset, number=page_number(request.GET.get("page")), per_page=INDEX_PER_PAGE)
    page.query = query_without(request, "page")
    return _render(request, template, {"page": page, "q": _search(request)})


@require_GET
@login_required
def person_index(request: HttpRequest) -> HttpResponse:
    text = _search(request)
    search = (
        Q(name__icontains=text) | Q(native_name__icontains=text) | Q(sort_name__icontains=text)
        if text
        else None
    )
    people = Person.objects.select_related("nationality").order_by("sort_name", "name", "pk")
    return _index(request, people, "person_index.html", search)


@require_GET
@login_required
def organization_index(request: HttpRequest) -> HttpResponse:
    text = _search(request)
    search = Q(name__icontains=text) | Q(abbreviation__icontains=text) if text else None
    organizations = Organization.objects.select_related("country").order_by("name", "pk")
    return _index(request, organizations, "organization_index.html", search)


@require_GET
@login_required
def event_index(request: HttpRequest) -> HttpResponse:
    text = _search(request)
    events = Event.objects.select_related("country", "parent").order_by("-start_date", "name", "pk")
    return _index(request, events, "event_index.html", Q(name__icontains=text) if text else None)


@require_GET
@login_required
def instrument_index(request: HttpRequest) -> HttpResponse:
    text = _search(request)
    search = (
        Q(name__icontains=text) | Q(short_name__icontains=text) | Q(identifier__icontains=text)
        if text
        else None
    )
    instruments = Instrument.objects.select_related("administering_organization").order_by(
        "name", "pk"
    )
    return _index(request, instruments, "instrument_index.html", search)


@require_GET
@login_required
def topic_index(request: HttpRequest) -> HttpResponse:
    # No meeting counts here: tags of hidden meetings must not show through.
    topics = list(Topic.objects.order_by("name"))
    children: dict[int | None, list[Topic]] = {}
    for topic in topics:
        children.setdefault(topic.parent_id, []).append(topic)
    tree: list[tuple[Topic, int]] = []
    seen: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for topic in children.get(parent, []):
            if topic.pk not in seen:
                seen.add(topic.pk)
                tree.append((topic, depth))
                walk(topic.pk, depth + 1)

    walk(None, 0)
    return _render(request, "topic_index.html", {"tree": tree})
