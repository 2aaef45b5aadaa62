from __future__ import annotations

import django_filters

from api.filters import IntegerFilter
from minerals.models import MineralStatistic


class MineralStatisticFilter(django_filters.FilterSet):
    mineral = django_filters.CharFilter(field_name="mineral__slug", max_length=120)
    country = django_filters.CharFilter(field_name="country__iso2", max_length=2)
    source = django_filters.CharFilter(field_name="source__slug", max_length=120)
    area = django_filters.ChoiceFilter(choices=MineralStatistic.Area.choices)
    measure = django_filters.ChoiceFilter(choices=MineralStatistic.Measure.choices)
    year = IntegerFilter(max_value=32767, field_name="year")
    year_from = IntegerFilter(max_value=32767, field_name="year", lookup_expr="gte")
    year_to = IntegerFilter(max_value=32767, field_name="year", lookup_expr="lte")

    class Meta:
        model = MineralStatistic
        fields: list[str] = []
