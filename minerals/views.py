"""Pages of the critical-minerals section. Reference statistics are open to every signed-in
user. The engagement figures these pages show (the section of a mineral page, the coverage
page at /minerals/coverage/) are engagements' (engagements.templatetags.engagement_sections,
engagements.views.coverage): minerals imports nothing from engagements."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

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
        },
    )


@login_required
def country_section(request: HttpRequest, iso2: str) -> HttpResponse:
    country = country_get(iso2=iso2)
    if country is None:
        raise Http404("No such country.")
    positions = country_mineral_positions(country=country)
    return render(request, "minerals/country.html", {"country": country, "positions": positions})
