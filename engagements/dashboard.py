"""Reads for the desk pages: the dashboard and the commitments board.

Everything starts from the access-policy selectors (engagements.selectors). Lists are
bounded (LIMIT n + 1 tells whether more exist) and never counted: a COUNT over the policy
filter grows with the table.
"""

from __future__ import annotations

import datetime
import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Max, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone, translation

from accounts import policy
from accounts.models import Desk

from .charts import QuarterChart, quarterly_chart
from .models import Commitment, Meeting, Participant
from .selectors import (
    OPEN_COMMITMENT_STATUSES,
    commitments_owned_by,
    commitments_visible_to,
    meetings_visible_to,
    participated_meeting_ids,
)

DUE_SOON_DAYS = 14
DASHBOARD_ROWS = 10
BOARD_PAGE_SIZE = 50
CHART_QUARTERS = 8


@dataclass
class Bounded:
    """The first rows of a list, and whether there are more (no COUNT)."""

    rows: list[Any]
    has_more: bool = False

    def __iter__(self) -> Any:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)


def bounded(queryset: QuerySet[Any], limit: int, *, offset: int = 0) -> Bounded:
    rows = list(queryset[offset : offset + limit + 1])
    return Bounded(rows=rows[:limit], has_more=len(rows) > limit)


# --- who may change a commitment ----------------------------------------------------------


def desk_id_list(user: Any) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    return sorted(policy.desk_ids_of(user).values_list("desk_id", flat=True))


def commitment_edit_rule(
    user: Any, *, desk_ids: list[int] | None = None
) -> Callable[[Commitment], bool]:
    """accounts.policy.may_change_commitment (the rule of commitment_set_status) for many
    commitments at the cost of one query (none when the caller already has the user's desk
    ids)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return lambda commitment: False
    if policy.is_administrator(user):
        desks: frozenset[int] = frozenset()  # the policy needs none
    else:
        desks = frozenset(desk_id_list(user) if desk_ids is None else desk_ids)
    return lambda commitment: policy.may_change_commitment(
        user, desk_id=commitment.desk_id, owner_id=commitment.owner_id, member_of=desks
    )


def commitment_is_editable_by(*, user: Any, commitment: Commitment) -> bool:
    return commitment_edit_rule(user)(commitment)


def commitment_for_status_change(*, user: Any, pk: int) -> Commitment | None:
    """The commitment if `user` may see it (None otherwise: the caller answers 404)."""
    return (
        commitments_visible_to(user)
        .select_related("meeting", "desk", "owner", "instrument")
        .filter(pk=pk)
        .first()
    )


# --- the dashboard --------------------------------------------------------------------------


def my_commitments_due(*, user: Any, today: datetime.date, limit: int = DASHBOARD_ROWS) -> Bounded:
    """Open commitments the user owns that are overdue or due in the next DUE_SOON_DAYS,
    soonest first (overdue ones come first by date)."""
    horizon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    queryset = (
        commitments_owned_by(user)
        .filter(status__in=OPEN_COMMITMENT_STATUSES, due_date__isnull=False, due_date__lte=horizon)
        .select_related("owner", "instrument")
        .order_by("due_date", "id")
    )
    return bounded(queryset, limit)


def _desk_or_participation(user: Any) -> Q:
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    return Q(desk_id__in=policy.desk_ids_of(user)) | Q(id__in=participated_meeting_ids(user))


def upcoming_meetings_of_my_desks(
    *, user: Any, now: datetime.datetime, limit: int = DASHBOARD_ROWS
) -> Bounded:
    """Visible meetings from now on that belong to the user's desks or that they take part
    in, soonest first."""
    queryset = (
        meetings_visible_to(user)
        .filter(_desk_or_participation(user), start__gte=now)
        .exclude(status=Meeting.Status.CANCELLED)
        .select_related("desk", "event")
        .order_by("start", "id")
    )
    return bounded(queryset, limit)


def recently_logged_meetings(*, user: Any, limit: int = DASHBOARD_ROWS) -> Bounded:
    """The meetings most recently logged that the user may see. Ids grow with creation, and
    the primary key's index gives the newest first without sorting the table."""
    queryset = meetings_visible_to(user).select_related("desk", "event").order_by("-id")
    return bounded(queryset, limit)


def with_counterparts(*lists: Bounded) -> None:
    """Attach `counterparts` (the counterpart side's participants) to the meetings of the
    lists, in one query for all of them."""
    meetings = [meeting for rows in lists for meeting in rows]
    prefetch_related_objects(
        meetings,
        Prefetch(
            "participants",
            queryset=Participant.objects.filter(side=Participant.Side.COUNTERPART)
            .select_related("person", "country")
            .order_by("order", "id"),
            to_attr="counterparts",
        ),
    )


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def chart_window_start(today: datetime.date, quarters: int = CHART_QUARTERS) -> datetime.date:
    """The first day of the quarter `quarters - 1` quarters before today's."""
    start = quarter_start(today)
    months = start.year * 12 + start.month - 1 - 3 * (quarters - 1)
    return datetime.date(months // 12, months % 12 + 1, 1)


CHART_CACHE_SECONDS = 300


def dashboard_quarter_chart(
    *, user: Any, today: datetime.date, desk_ids: list[int], title: str
) -> QuarterChart:
    """The dashboard's chart of the user's visible meetings per quarter, cached for a few
    minutes per user. The aggregate reads thousands of meeting rows at 100,000 meetings; the
    key changes whenever a meeting is saved (the newest updated_at, read from its index) or
    the user's clearance, desks, language or time zone change, so the chart is never another
    reader's and only a deletion can leave it stale, for CHART_CACHE_SECONDS at most."""
    newest = Meeting.objects.aggregate(newest=Max("updated_at"))["newest"]
    key = "dashboard-chart:" + ":".join(
        str(part)
        for part in (
            user.pk,
            getattr(user, "clearance", ""),
            policy.is_administrator(user),
            ",".join(map(str, desk_ids)),
            translation.get_language(),
            timezone.get_current_timezone_name(),
            today.isoformat(),
            newest.timestamp() if newest else 0,
        )
    )
    chart = cache.get(key)
    if chart is None:
        chart = quarterly_chart(
            meetings_for_quarter_chart(user=user, today=today),
            key="dashboard-quarters",
            title=title,
            max_quarters=CHART_QUARTERS,
        )
        cache.set(key, chart, CHART_CACHE_SECONDS)
    return chart


def meetings_for_quarter_chart(*, user: Any, today: datetime.date) -> QuerySet[Meeting]:
    """Visible meetings of the last CHART_QUARTERS quarters up to today (bounded by date, so
    the aggregate reads an index range, not the whole table)."""
    since = datetime.datetime.combine(chart_window_start(today), datetime.time.min)
    until = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min)
    zone = timezone.get_current_timezone()
    return meetings_visible_to(user).filter(
        start__gte=timezone.make_aware(since, zone), start__lt=timezone.make_aware(until, zone)
    )


# --- the commitments board ----------------------------------------------------------------

BOARD_VIEWS = ("mine", "desk", "overdue", "all")


@dataclass
class BoardFilters:
    view: str = "mine"
    status: str = "active"  # "active" (open or in progress), "any", or one status
    errors: dict[str, str] = field(default_factory=dict)


STATUS_FILTERS = ("active", "any", *Commitment.Status.values)


def board_filters(params: Any) -> BoardFilters:
    """Filters from the query string; an unknown value is reported and the default used."""
    filters = BoardFilters()
    view = params.get("view", "") or filters.view
    status = params.get("status", "") or filters.status
    if view in BOARD_VIEWS:
        filters.view = view
    else:
        filters.errors["view"] = view
    if status in STATUS_FILTERS:
        filters.status = status
    else:
        filters.errors["status"] = status
    return filters


def my_desks(user: Any) -> list[Desk]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Desk.objects.filter(pk__in=policy.desk_ids_of(user)).order_by("name"))


def board_commitments(
    *, user: Any, filters: BoardFilters, today: datetime.date
) -> QuerySet[Commitment]:
    """The board's commitments, visible to the user, soonest due first."""
    if filters.view == "mine":
        queryset = commitments_owned_by(user)
    else:
        queryset = commitments_visible_to(user)
    if filters.view == "desk":
        queryset = queryset.filter(desk_id__in=policy.desk_ids_of(user))
    if filters.view == "overdue":
        queryset = queryset.filter(due_date__lt=today, status__in=OPEN_COMMITMENT_STATUSES)
        if not policy.is_administrator(user):
            # Overdue on the user's plate: theirs and their desks'.
            queryset = queryset.filter(Q(owner=user) | Q(desk_id__in=policy.desk_ids_of(user)))
    elif filters.status == "active":
        queryset = queryset.filter(status__in=OPEN_COMMITMENT_STATUSES)
    elif filters.status != "any":
        queryset = queryset.filter(status=filters.status)
    return queryset.select_related("meeting", "desk", "owner", "instrument").order_by(
        "due_date", "id"
    )


def _board_statuses(filters: BoardFilters) -> tuple[str, ...]:
    if filters.view == "overdue" or filters.status == "active":
        return tuple(OPEN_COMMITMENT_STATUSES)
    if filters.status == "any":
        return tuple(Commitment.Status.values)
    return (filters.status,)


def _due_order(commitment: Commitment) -> tuple[bool, datetime.date, int]:
    # PostgreSQL's ascending order: dates first, no date last, then the id.
    return (commitment.due_date is None, commitment.due_date or datetime.date.min, commitment.pk)


def board_page(
    *,
    user: Any,
    filters: BoardFilters,
    today: datetime.date,
    page: int,
    size: int = BOARD_PAGE_SIZE,
) -> Bounded:
    """One page of the board, soonest due first, without counting. One query per status
    wanted, merged here: with a single status each query walks the (status, due_date) index
    in order and stops at the page's end, where `status IN (...)` would sort every visible
    commitment first (tens of thousands at 100,000 meetings)."""
    offset = (page - 1) * size
    queryset = board_commitments(user=user, filters=filters, today=today)
    runs = [
        list(queryset.filter(status=status)[: offset + size + 1])
        for status in _board_statuses(filters)
    ]
    merged = list(heapq.merge(*runs, key=_due_order))[offset : offset + size + 1]
    return Bounded(rows=merged[:size], has_more=len(merged) > size)
