"""Supply analytics of the reference statistics (shares, ranks, HHI, top-three share) and a
country's position in each mineral: the selectors the pages use, as JSON.

GET /api/v1/minerals/<slug>/analytics/?measure=&year=&series=
GET /api/v1/minerals/countries/<iso2>/positions/
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsAuthenticatedWithScope, RolePermission
from api.serializers import CountryRefSerializer
from minerals.models import Mineral, MineralStatistic
from minerals.selectors import (
    SUPPLY_MEASURES,
    country_get,
    country_mineral_positions,
    mineral_supply_analytics,
)

Measure = MineralStatistic.Measure


def _decimal() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=32, decimal_places=8, allow_null=True, coerce_to_string=True, read_only=True
    )


class FigureSerializer(serializers.Serializer):
    value = _decimal()
    value_upper = _decimal()
    unit = serializers.CharField(read_only=True, help_text="The mineral's stored unit.")
    qualifier = serializers.CharField(
        read_only=True, help_text="'' exact, '>' or '<' a bound, 'range', 'W' withheld, 'NA', ..."
    )
    raw_value = serializers.CharField(read_only=True, help_text="As published.")
    original_value = _decimal()
    original_unit = serializers.CharField(read_only=True)
    basis = serializers.CharField(read_only=True)
    is_estimate = serializers.BooleanField(read_only=True)
    is_reported = serializers.BooleanField(read_only=True)
    is_withheld = serializers.BooleanField(read_only=True)


class RankedRowSerializer(serializers.Serializer):
    country = CountryRefSerializer(source="statistic.country", read_only=True)
    rank = serializers.IntegerField(allow_null=True, read_only=True)
    share = serializers.FloatField(
        allow_null=True, read_only=True, help_text="Percent of the denominator."
    )
    figure = FigureSerializer(source="statistic", read_only=True)


class SourceRefSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    edition = serializers.CharField(read_only=True)
    doi = serializers.CharField(read_only=True)
    retrieved_on = serializers.DateField(read_only=True, allow_null=True)


class SupplyAnalyticsSerializer(serializers.Serializer):
    mineral = serializers.SlugField(source="mineral.slug", read_only=True)
    measure = serializers.CharField(read_only=True)
    year = serializers.IntegerField(allow_null=True, read_only=True)
    series = serializers.CharField(read_only=True)
    unit = serializers.CharField(read_only=True)
    basis = serializers.CharField(read_only=True)
    denominator = _decimal()
    denominator_kind = serializers.ChoiceField(
        choices=["world_total", "sum_of_listed", ""],
        read_only=True,
        help_text="world_total: the USGS World total row (rounded by USGS); sum_of_listed: "
        "the sum of the listed figures, used when the world total is missing or a bound.",
    )
    hhi = serializers.FloatField(
        allow_null=True,
        read_only=True,
        help_text="Herfindahl-Hirschman index on shares in percent (0-10,000), over the "
        "countries with a figure.",
    )
    top3_share = serializers.FloatField(allow_null=True, read_only=True)
    excluded = serializers.DictField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Countries without a figure, by reason (Withheld, Not available, ...).",
    )
    world = FigureSerializer(read_only=True, allow_null=True)
    other = FigureSerializer(read_only=True, allow_null=True)
    other_share = serializers.FloatField(allow_null=True, read_only=True)
    rows = RankedRowSerializer(many=True, read_only=True)
    years = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    series_options = serializers.ListField(child=serializers.CharField(), read_only=True)
    data_source = SourceRefSerializer(source="source", read_only=True, allow_null=True)


class CountryPositionSerializer(serializers.Serializer):
    mineral = serializers.SlugField(source="mineral.slug", read_only=True)
    mineral_name = serializers.CharField(source="mineral.name", read_only=True)
    measure = serializers.CharField(read_only=True)
    year = serializers.IntegerField(source="analytics.year", read_only=True)
    series = serializers.CharField(source="analytics.series", read_only=True)
    rank = serializers.IntegerField(source="row.rank", allow_null=True, read_only=True)
    countries_ranked = serializers.SerializerMethodField()
    share = serializers.FloatField(source="row.share", allow_null=True, read_only=True)
    figure = FigureSerializer(source="row.statistic", read_only=True)

    def get_countries_ranked(self, position: Any) -> int:
        return len(position.analytics.ranked)


def _int_or_400(raw: str | None, name: str) -> int | None:
    if raw in (None, ""):
        return None
    try:
        return int(raw)  # type: ignore[arg-type]
    except ValueError as error:
        raise serializers.ValidationError({name: ["A whole number is required."]}) from error


class MineralAnalyticsView(APIView):
    permission_classes = [IsAuthenticatedWithScope, RolePermission]
    permission_model = MineralStatistic

    @extend_schema(
        operation_id="minerals_analytics",
        summary="Supply analytics of a mineral",
        description="Each country's share of the world total, its rank, the HHI and the "
        "top-three share for one measure and year (the latest when not given).",
        parameters=[
            OpenApiParameter(
                "measure",
                str,
                enum=[m.value for m in Measure],
                description="Default: mine_production.",
            ),
            OpenApiParameter("year", int, description="Default: the latest year."),
            OpenApiParameter("series", str, description="A sub-table, e.g. 'Mine production'."),
        ],
        responses=SupplyAnalyticsSerializer,
        tags=["minerals"],
    )
    def get(self, request: Request, slug: str) -> Response:
        mineral = Mineral.objects.filter(slug=slug).first()
        if mineral is None:
            raise Http404("No such mineral.")
        measure = request.query_params.get("measure") or Measure.MINE_PRODUCTION
        if measure not in Measure.values:
            raise serializers.ValidationError({"measure": [f"One of {', '.join(Measure.values)}."]})
        analytics = mineral_supply_analytics(
            mineral=mineral,
            measure=measure,
            year=_int_or_400(request.query_params.get("year"), "year"),
            series=request.query_params.get("series") or None,
        )
        return Response(SupplyAnalyticsSerializer(analytics).data)


class CountryPositionsView(APIView):
    permission_classes = [IsAuthenticatedWithScope, RolePermission]
    permission_model = MineralStatistic

    @extend_schema(
        operation_id="minerals_country_positions",
        summary="A country's position in each mineral",
        description="Rank and share of world total in the latest year of each supply measure "
        f"({', '.join(SUPPLY_MEASURES)}).",
        responses=CountryPositionSerializer(many=True),
        tags=["minerals"],
    )
    def get(self, request: Request, iso2: str) -> Response:
        country = country_get(iso2=iso2)
        if country is None:
            raise Http404("No such country.")
        positions = country_mineral_positions(country=country)
        return Response(CountryPositionSerializer(positions, many=True).data)
