"""Engagement coverage of critical-mineral suppliers: for each mineral the home country
counts as critical, its leading producers and reserve holders next to the ministry's
engagement with them, as the user may see it.

This joins the reference statistics (minerals) and the engagement record, so it lives on
the engagements side (docs/architecture.md). Every meeting and commitment is read through
the access policy's selectors: a restricted meeting counts only for users who may see it.

A meeting counts for a (mineral, country) pair when it was held, the country is among its
counterpart countries, and it is tagged with the mineral, or with one of the mineral's
topics (on the meeting or on an agenda item). A supplier is engaged when such a meeting took
place within the window; otherwise it is flagged.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone

from minerals.models import Mineral
from minerals.selectors import (
    RankedRow,
    SupplyAnalytics,
    minerals_critical_for_home,
    minerals_supply_analytics,
    production_measure,
)

from .models import Commitment, Country, Instrument, InstrumentParty, Meeting
from .selectors import commitments_visible_to, meetings_visible_to

# The desk lead's planning window. 24 months by default: the ministry meets most suppliers
# at yearly events, and a 12-month window flags a partner met at last year's annual meeting
# before this year's has taken place. Set COVERAGE_WINDOW_MONTHS or pass ?window_months=.
DEFAULT_WINDOW_MONTHS = 24
DEFAULT_TOP = 5
MAX_WINDOW_MONTHS = 120
OPEN_STATUSES = (Commitment.Status.OPEN, Commitment.Status.IN_PROGRESS)


def default_window_months() -> int:
    return int(getattr(settings, "COVERAGE_WINDOW_MONTHS", DEFAULT_WINDOW_MONTHS))


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same day `months` earlier (the month's last day when it is shorter)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


@dataclass
class SupplierEngagement:
    country: Country
    production: RankedRow | None
    reserves: RankedRow | None
    last_meeting: Meeting | None = None
    meetings_last_12_months: int = 0
    meetings_in_window: int = 0
    open_commitments: int = 0
    instruments: list[Instrument] = field(default_factory=list)

    @property
    def is_engaged(self) -> bool:
        return self.meetings_in_window > 0

    @property
    def is_flagged(self) -> bool:
        return not self.is_engaged

    @property
    def status(self) -> str:
        if self.is_engaged:
            return "engaged"
        return "lapsed" if self.last_meeting is not None else "none"

    @property
    def best_rank(self) -> int:
        ranks = [row.rank for row in (self.production, self.reserves) if row and row.rank]
        return min(ranks) if ranks else 10_000


@dataclass
class MineralCoverage:
    mineral: Mineral
    production: SupplyAnalytics
    reserves: SupplyAnalytics
    suppliers: list[SupplierEngagement] = field(default_factory=list)

    @property
    def flagged(self) -> list[SupplierEngagement]:
        return [supplier for supplier in self.suppliers if supplier.is_flagged]

    @property
    def engaged(self) -> list[SupplierEngagement]:
        return [supplier for supplier in self.suppliers if supplier.is_engaged]


@dataclass
class Coverage:
    window_months: int
    top: int
    since: datetime.datetime
    minerals: list[MineralCoverage]

    @property
    def flagged_count(self) -> int:
        return sum(len(item.flagged) for item in self.minerals)


def _leading(analytics: SupplyAnalytics, top: int) -> list[RankedRow]:
    return [
        row
        for row in analytics.ranked
        if row.rank is not None and row.rank <= top and not row.country.is_home
    ]


def minerals_coverage(
    *,
    user: Any,
    window_months: int | None = None,
    top: int = DEFAULT_TOP,
    minerals: Sequence[Mineral] | None = None,
    now: datetime.datetime | None = None,
) -> Coverage:
    """Coverage of the top `top` producers and reserve holders of each critical mineral.

    A bounded number of queries, whatever the number of meetings: the statistics in one,
    the relevant meetings with their tags in a few, commitments and instruments in one each.
    """
    window_months = default_window_months() if window_months is None else window_months
    now = now or timezone.now()
    since = months_before(now, window_months)
    year_ago = months_before(now, 12)
    if minerals is None:
        chosen = minerals_critical_for_home()
    else:
        chosen = list(minerals)
        prefetch_related_objects(chosen, "topics")
    chosen.sort(key=lambda mineral: mineral.name)
    tables = minerals_supply_analytics(minerals=chosen)

    result = Coverage(window_months=window_months, top=top, since=since, minerals=[])
    for mineral in chosen:
        production = tables[mineral.pk][production_measure(tables[mineral.pk])]
        reserves = tables[mineral.pk]["reserves"]
        suppliers: dict[int, SupplierEngagement] = {}
        for row in _leading(production, top):
            suppliers[row.country.pk] = SupplierEngagement(
                country=row.country, production=row, reserves=reserves.row_for(row.country.pk)
            )
        for row in _leading(reserves, top):
            if row.country.pk not in suppliers:
                suppliers[row.country.pk] = SupplierEngagement(
                    country=row.country,
                    production=production.row_for(row.country.pk),
                    reserves=row,
                )
        result.minerals.append(
            MineralCoverage(
                mineral=mineral,
                production=production,
                reserves=reserves,
                suppliers=sorted(suppliers.values(), key=lambda s: (s.best_rank, s.country.name)),
            )
        )
    _add_engagement(result, user=user, now=now, year_ago=year_ago)
    return result


def _add_engagement(
    coverage: Coverage, *, user: Any, now: datetime.datetime, year_ago: datetime.datetime
) -> None:
    country_ids = {s.country.pk for item in coverage.minerals for s in item.suppliers}
    if not country_ids:
        return
    mineral_ids = {item.mineral.pk for item in coverage.minerals}
    topics_of = {
        item.mineral.pk: {topic.pk for topic in item.mineral.topics.all()}
        for item in coverage.minerals
    }
    topic_ids = set().union(*topics_of.values())
    on_subject = Q(minerals__in=mineral_ids)
    if topic_ids:
        on_subject |= Q(topics__in=topic_ids) | Q(agenda_items__topic__in=topic_ids)
    relevant_ids = (
        meetings_visible_to(user)
        .filter(on_subject, status=Meeting.Status.HELD, start__lte=now)
        .filter(counterpart_countries__in=country_ids)
        .values("pk")
    )
    meetings = list(
        Meeting.objects.filter(pk__in=relevant_ids)
        .only("pk", "title", "start", "time_zone", "date_precision", "classification")
        .prefetch_related("minerals", "topics", "agenda_items", "counterpart_countries")
        .prefetch_related("instruments")
        .order_by("-start", "-pk")
    )
    open_by_meeting: dict[int, int] = defaultdict(int)
    for meeting_id in (
        commitments_visible_to(user)
        .filter(meeting_id__in=[m.pk for m in meetings], status__in=OPEN_STATUSES)
        .values_list("meeting_id", flat=True)
    ):
        open_by_meeting[meeting_id] += 1
    party_instruments: dict[int, list[Instrument]] = defaultdict(list)
    for party in InstrumentParty.objects.filter(country_id__in=country_ids).select_related(
        "instrument"
    ):
        if party.country_id is not None:
            party_instruments[party.country_id].append(party.instrument)

    for item in coverage.minerals:
        topics = topics_of[item.mineral.pk]
        for supplier in item.suppliers:
            instruments: dict[int, Instrument] = {
                instrument.pk: instrument
                for instrument in party_instruments.get(supplier.country.pk, [])
            }
            for meeting in meetings:
                if supplier.country.pk not in {c.pk for c in meeting.counterpart_countries.all()}:
                    continue
                tagged = {m.pk for m in meeting.minerals.all()}
                meeting_topics = {t.pk for t in meeting.topics.all()} | {
                    a.topic_id for a in meeting.agenda_items.all() if a.topic_id
                }
                if item.mineral.pk not in tagged and not topics & meeting_topics:
                    continue
                # Meetings come newest first: the first match is the last meeting.
                supplier.last_meeting = supplier.last_meeting or meeting
                supplier.meetings_in_window += meeting.start >= coverage.since
                supplier.meetings_last_12_months += meeting.start >= year_ago
                supplier.open_commitments += open_by_meeting.get(meeting.pk, 0)
                instruments.update((i.pk, i) for i in meeting.instruments.all())
            supplier.instruments = sorted(instruments.values(), key=lambda i: i.name)
