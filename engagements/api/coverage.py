"""Engagement coverage of critical-mineral suppliers (engagements.coverage) as JSON.

GET /api/v1/minerals/coverage/?window_months=&top=

The engagement figures are those of the meetings and commitments the caller may see.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsAuthenticatedWithScope, RolePermission
from api.serializers import CountryRefSerializer
from engagements.coverage import MAX_WINDOW_MONTHS, default_window_months, minerals_coverage
from engagements.models import Meeting


class PositionSerializer(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True, read_only=True)
    share = serializers.FloatField(allow_null=True, read_only=True)
    year = serializers.IntegerField(source="statistic.year", read_only=True)


class MeetingRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    title = serializers.CharField(read_only=True)
    start = serializers.DateTimeField(read_only=True)
    date_precision = serializers.CharField(read_only=True)


class InstrumentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    name = serializers.CharField(read_only=True)
    short_name = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)


class SupplierSerializer(serializers.Serializer):
    country = CountryRefSerializer(read_only=True)
    production = PositionSerializer(read_only=True, allow_null=True)
    reserves = PositionSerializer(read_only=True, allow_null=True)
    last_meeting = MeetingRefSerializer(read_only=True, allow_null=True)
    meetings_last_12_months = serializers.IntegerField(read_only=True)
    meetings_in_window = serializers.IntegerField(read_only=True)
    open_commitments = serializers.IntegerField(read_only=True)
    instruments = InstrumentRefSerializer(many=True, read_only=True)
    status = serializers.ChoiceField(
        choices=["engaged", "lapsed", "none"],
        read_only=True,
        help_text="engaged: met within the window; lapsed: met before it; none: never.",
    )
    is_flagged = serializers.BooleanField(read_only=True)


class MineralCoverageSerializer(serializers.Serializer):
    mineral = serializers.SlugField(source="mineral.slug", read_only=True)
    mineral_name = serializers.CharField(source="mineral.name", read_only=True)
    production_measure = serializers.CharField(source="production.measure", read_only=True)
    production_year = serializers.IntegerField(
        source="production.year", allow_null=True, read_only=True
    )
    production_hhi = serializers.FloatField(
        source="production.hhi", allow_null=True, read_only=True
    )
    reserves_year = serializers.IntegerField(
        source="reserves.year", allow_null=True, read_only=True
    )
    reserves_hhi = serializers.FloatField(source="reserves.hhi", allow_null=True, read_only=True)
    suppliers = SupplierSerializer(many=True, read_only=True)


class CoverageSerializer(serializers.Serializer):
    window_months = serializers.IntegerField(read_only=True)
    top = serializers.IntegerField(read_only=True)
    since = serializers.DateTimeField(read_only=True)
    flagged_count = serializers.IntegerField(read_only=True)
    minerals = MineralCoverageSerializer(many=True, read_only=True)


class CoverageQuerySerializer(serializers.Serializer):
    window_months = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_WINDOW_MONTHS
    )
    top = serializers.IntegerField(required=False, min_value=1, max_value=20, default=5)


class MineralCoverageView(APIView):
    permission_classes = [IsAuthenticatedWithScope, RolePermission]
    permission_model = Meeting

    @extend_schema(
        operation_id="minerals_coverage",
        summary="Engagement coverage of critical-mineral suppliers",
        description="For each mineral on the home country's criticality list: the top "
        "producers and reserve holders next to the ministry's engagement with them (last "
        "meeting on the mineral or its topic, meetings in the last 12 months and in the "
        "window, open commitments, instruments), counting only the meetings and commitments "
        "the caller may see. Suppliers without a meeting in the window are flagged.",
        parameters=[
            OpenApiParameter(
                "window_months", int, description=f"Default: {default_window_months()}."
            ),
            OpenApiParameter("top", int, description="Suppliers per measure. Default: 5."),
        ],
        responses=CoverageSerializer,
        tags=["minerals"],
    )
    def get(self, request: Request) -> Response:
        query = CoverageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        coverage = minerals_coverage(
            user=request.user,
            window_months=query.validated_data.get("window_months"),
            top=query.validated_data["top"],
        )
        return Response(CoverageSerializer(coverage).data)
