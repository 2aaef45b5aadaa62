"""Pages of the critical-minerals section. Reference statistics are open to every signed-in
user; engagement figures (the coverage view) go through the access policy's selectors."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from engagements.coverage import MAX_WINDOW_MONTHS, default_window_months, minerals_coverage
from engagements.views.profiles import mineral_engagements

from .charts import share_chart
from .models import Mineral, MineralStatistic
from .selectors import (
    SUPPLY_MEASURES,
    country_get,
    country_mineral_positions,
    home_criticality_memberships,
    mineral_supply_analytics,
    minerals_for_list,
    minerals_supply_analytics,
    production_measure,
)

Measure = MineralStatistic.Measure


def _int_param(request: HttpRequest, name: str, *, default: int | None, low: int, high: int) -> Any:
    raw = request.GET.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        return default
    return min(max(value, low), high)


@login_required
def mineral_list(request: HttpRequest) -> HttpResponse:
    minerals = list(minerals_for_list())
    tables = minerals_supply_analytics(
        minerals=minerals, measures=(Measure.MINE_PRODUCTION, Measure.REFINERY_PRODUCTION)
    )
    home_tiers = {
        membership.mineral_id: membership
        for membership in reversed(list(home_criticality_memberships()))
    }
    rows = []
    for mineral in minerals:
        production = tables[mineral.pk][production_measure(tables[mineral.pk])]
        ranked = production.ranked
        rows.append(
            {
                "mineral": mineral,
                "production": production,
                "leader": ranked[0] if ranked else None,
                "home_membership": home_tiers.get(mineral.pk),
            }
        )
    return render(request, "minerals/list.html", {"rows": rows})


@login_required
def mineral_detail(request: HttpRequest, slug: str) -> HttpResponse:
    mineral = get_object_or_404(Mineral.objects.prefetch_related("topics"), slug=slug)
    year = _int_param(request, "year", default=None, low=1900, high=2200)
    tables = []
    for measure in SUPPLY_MEASURES:
        analytics = mineral_supply_analytics(
            mineral=mineral, measure=measure, year=None if measure == Measure.RESERVES else year
        )
        if analytics.is_empty and not (year and analytics.years):
            continue
        tables.append({"analytics": analytics, "chart": share_chart(analytics, key=measure)})
    memberships = list(
        mineral.criticality_lists.through.objects.filter(mineral=mineral)
        .select_related("criticality_list__country")
        .order_by("-criticality_list__year")
    )
    return render(
        request,
        "minerals/detail.html",
        {
            "mineral": mineral,
            "tables": tables,
            "memberships": memberships,
            "year": year,
            **mineral_engagements(request.user, mineral),
        },
    )


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    window = _int_param(
        request, "window_months", default=default_window_months(), low=1, high=MAX_WINDOW_MONTHS
    )
    top = _int_param(request, "top", default=5, low=1, high=20)
    result = minerals_coverage(user=request.user, window_months=window, top=top)
    return render(request, "minerals/coverage.html", {"coverage": result})


@login_required
def country_section(request: HttpRequest, iso2: str) -> HttpResponse:
    country = country_get(iso2=iso2)
    if country is None:
        raise Http404("No such country.")
    positions = country_mineral_positions(country=country)
    return render(request, "minerals/country.html", {"country": country, "positions": positions})
