"""The meetings list (filters, full-text search) and its export.

Everything starts from selectors.meetings_visible_to: a meeting the user may not see is in
no row, count, highlight or exported line."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .. import exports
from ..filters import MeetingFilter, highlight_meetings, with_headlines
from ..selectors import meetings_visible_to, meetings_with_list_relations

PER_PAGE = 50
# Beyond this many matches the list says "1,000+" instead of counting them all.
COUNT_CAP = 1000
MAX_PAGE = 100_000


@dataclass
class ListPage:
    """A page read with LIMIT per_page + 1 (so "next" needs no count) and a count that is
    exact when the page shows everything, else capped: never a COUNT(*) over a huge set."""

    object_list: list[Any]
    number: int
    per_page: int
    has_next: bool
    count: int
    capped: bool
    query: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def num_pages(self) -> int | None:
        if self.capped:
            return None
        return max(math.ceil(self.count / self.per_page), 1)

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.object_list)


def page_number(raw: str | None) -> int:
    try:
        number = int(raw or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def page_of(
    rows: QuerySet[Any],
    *,
    number: int,
    per_page: int = PER_PAGE,
    count_queryset: QuerySet[Any] | None = None,
    cap: int = COUNT_CAP,
) -> ListPage:
    """One query for the rows (plus the prefetches of `rows`), and at most one more,
    bounded, for the count. `count_queryset` counts without the annotations of `rows`."""
    offset = (number - 1) * per_page
    found = list(rows[offset : offset + per_page + 1])
    has_next = len(found) > per_page
    found = found[:per_page]
    if not has_next and (found or number == 1):
        return ListPage(found, number, per_page, has_next, offset + len(found), capped=False)
    counted = count_queryset if count_queryset is not None else rows
    limit = max(cap, offset + per_page) + 1
    count = counted.order_by().values("pk")[:limit].count()
    return ListPage(found, number, per_page, has_next, min(count, limit - 1), count >= limit)


def query_without(request: HttpRequest, *names: str) -> str:
    """The current query string without `names` (page, format), to carry filters along."""
    params: QueryDict = request.GET.copy()
    for name in names:
        params.pop(name, None)
    for name in list(params):
        if all(value == "" for value in params.getlist(name)):
            params.pop(name)
    return params.urlencode()


def _is_fragment_request(request: HttpRequest) -> bool:
    # A history restore wants the whole page, although htmx sends it.
    return bool(
        request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    )


@require_GET
@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    filterset = MeetingFilter(
        request.GET or None, queryset=meetings_visible_to(request.user), request=request
    )
    meetings = filterset.qs
    text = filterset.search_text
    page = page_of(
        with_headlines(meetings_with_list_relations(meetings), text),
        number=page_number(request.GET.get("page")),
        count_queryset=meetings,
    )
    highlight_meetings(page.object_list, text)
    page.query = query_without(request, "page", "format")
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "page": page,
        "search_text": text,
        "filter_errors": filterset.error_messages() if filterset.is_bound else [],
        "filter_query": page.query,
        "hx_target": "#meeting-results",
    }
    template = (
        "engagements/browse/_meeting_results.html"
        if _is_fragment_request(request)
        else "engagements/browse/meeting_list.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@login_required
def meeting_export(request: HttpRequest) -> HttpResponseBase:
    kind = request.GET.get("format", "csv")
    if kind not in exports.FORMATS:
        return HttpResponse(
            _("format: choose one of %(formats)s.") % {"formats": ", ".join(exports.FORMATS)},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filterset = MeetingFilter(request.GET, queryset=meetings_visible_to(request.user))
    if not filterset.is_valid():
        # Exporting while ignoring a filter would hand over more than was asked for.
        return HttpResponse(
            "\n".join(filterset.error_messages()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    filename = f"meetings-{timezone.localdate().isoformat()}.{kind}"
    if kind == "xlsx":
        return exports.meetings_xlsx_response(filterset.qs, filename=filename)
    return exports.meetings_csv_response(filterset.qs, filename=filename)
