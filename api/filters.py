"""Filter types shared by the apps' API filters: strict ones, so that a malformed value
answers 400 instead of being ignored (which would answer an unfiltered list to a typo)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

BOOLEAN_CHOICES = [("true", "true"), ("false", "false")]


class IntegerFilter(django_filters.Filter):
    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class StrictBooleanFilter(django_filters.ChoiceFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["choices"] = BOOLEAN_CHOICES
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if value in ("", None):
            return qs
        return qs.filter(**{self.field_name: value == "true"})


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter takes `?date_from=` as "no filter"; here a typed filter given without
    a value is a 400, like any other value it cannot read."""

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        # Building the filter form costs more than a page of a list query: skip it when the
        # request names none of the filters.
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not any(
            name in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request: Any, queryset: QuerySet, view: Any) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        empty = [
            name
            for name, filter_ in filterset.filters.items()
            if not isinstance(filter_, django_filters.CharFilter)
            and name in request.query_params
            and any(value == "" for value in request.query_params.getlist(name))
        ]
        if empty:
            raise ValidationError(
                {name: ["Give a value or leave the parameter out."] for name in empty}
            )
        return filterset
