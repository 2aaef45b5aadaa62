from __future__ import annotations

from django.db.models import QuerySet

from api.views import ApiModelViewSet
from minerals.models import DataSource, Mineral, MineralStatistic

from .filters import MineralStatisticFilter
from .serializers import DataSourceSerializer, MineralSerializer, MineralStatisticSerializer


class MineralViewSet(ApiModelViewSet):
    serializer_class = MineralSerializer
    permission_model = Mineral
    ordering_fields = ["name", "id"]
    ordering = ["name"]
    filterset_fields = ["slug"]

    def get_queryset(self) -> QuerySet[Mineral]:
        return Mineral.objects.all()


class DataSourceViewSet(ApiModelViewSet):
    serializer_class = DataSourceSerializer
    permission_model = DataSource
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]

    def get_queryset(self) -> QuerySet[DataSource]:
        return DataSource.objects.all()


class MineralStatisticViewSet(ApiModelViewSet):
    serializer_class = MineralStatisticSerializer
    permission_model = MineralStatistic
    filterset_class = MineralStatisticFilter
    ordering_fields = ["year", "id"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet[MineralStatistic]:
        return MineralStatistic.objects.select_related("mineral", "country", "source")
