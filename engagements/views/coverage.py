"""The engagement coverage of critical-mineral suppliers (engagements.coverage) as a page,
/minerals/coverage/ in the minerals section. It joins the minerals' statistics with the
meetings the user may see, so it lives on the engagements side: minerals imports nothing
from engagements."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..coverage import MAX_WINDOW_MONTHS, default_window_months, minerals_coverage


def _int_param(request: HttpRequest, name: str, *, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        return default
    return min(max(value, low), high)


@login_required
def mineral_coverage(request: HttpRequest) -> HttpResponse:
    window = _int_param(
        request, "window_months", default=default_window_months(), low=1, high=MAX_WINDOW_MONTHS
    )
    top = _int_param(request, "top", default=5, low=1, high=20)
    result = minerals_coverage(user=request.user, window_months=window, top=top)
    return render(request, "minerals/coverage.html", {"coverage": result})
