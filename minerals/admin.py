"""Admin for the minerals reference data; every write goes through minerals.services."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from core.service_admin import ServiceWritesAdmin, many_to_many_values

from . import services
from .models import CriticalityList, CriticalityListMember, DataSource, Mineral, MineralStatistic
from .tasks import usgs_mcs_import_task


@admin.register(Mineral)
class MineralAdmin(ServiceWritesAdmin):
    list_display = ["name", "symbol", "category", "unit", "usgs_commodity", "slug"]
    list_filter = ["category"]
    search_fields = ["name", "symbol", "slug", "usgs_commodity"]
    filter_horizontal = ["topics"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]

    def write(self, request: HttpRequest, obj: Mineral, form: Any, change: bool) -> Mineral:
        topics = many_to_many_values(form).get("topics")
        if change:
            return services.mineral_update(mineral=obj, topics=topics)
        return services.mineral_create(mineral=obj, topics=topics)

    def remove(self, request: HttpRequest, obj: Mineral) -> None:
        services.mineral_delete(mineral=obj)


@admin.register(DataSource)
class DataSourceAdmin(ServiceWritesAdmin):
    # Typed addresses without a scheme are https (Django 6 default; silences its warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "edition", "publisher", "released_on", "retrieved_on", "licence"]
    list_filter = ["publisher"]
    search_fields = ["name", "edition", "publisher", "doi", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "released_on"
    ordering = ["name", "edition"]
    actions = ["import_stored_file"]

    def write(self, request: HttpRequest, obj: DataSource, form: Any, change: bool) -> DataSource:
        return services.data_source_save(source=obj)

    def remove(self, request: HttpRequest, obj: DataSource) -> None:
        services.data_source_delete(source=obj)

    @admin.action(description="Import the stored USGS MCS file (in the background)")
    def import_stored_file(self, request: HttpRequest, queryset: QuerySet[DataSource]) -> None:
        queued = 0
        for source in queryset:
            if not source.file:
                self.message_user(request, f"{source} has no stored file.", level=messages.WARNING)
                continue
            # After commit: the worker must find the row (and its file) the admin just saved.
            transaction.on_commit(partial(usgs_mcs_import_task.delay, source_id=source.pk))
            queued += 1
        if queued:
            self.message_user(
                request,
                f"Import of {queued} file(s) queued; `manage.py import_usgs_mcs` prints the "
                "full report.",
            )


@admin.register(MineralStatistic)
class MineralStatisticAdmin(ServiceWritesAdmin):
    list_display = [
        "mineral",
        "measure",
        "year",
        "area",
        "country",
        "qualifier",
        "value",
        "unit",
        "basis",
        "is_estimate",
        "is_withheld",
        "source",
    ]
    list_filter = ["measure", "area", "year", "is_estimate", "is_withheld", "mineral", "source"]
    list_select_related = ["mineral", "country", "source"]
    search_fields = ["mineral__name", "country__name", "country__iso3", "detail", "raw_value"]
    autocomplete_fields = ["mineral", "country", "source"]
    fieldsets = [
        (None, {"fields": ["mineral", "measure", "detail", "year", "source"]}),
        (None, {"fields": ["series"]}),
        ("Where", {"fields": ["area", "country"]}),
        (
            "Figure",
            {
                "fields": [
                    "value",
                    "value_upper",
                    "qualifier",
                    "unit",
                    "original_value",
                    "original_unit",
                    "basis",
                    "raw_value",
                    "is_estimate",
                    "is_reported",
                    "is_withheld",
                    "is_rounded",
                    "notes",
                ]
            },
        ),
    ]
    ordering = ["mineral__name", "measure", "-year", "area", "country__name"]

    def write(self, request: HttpRequest, obj: MineralStatistic, form: Any, change: bool) -> Any:
        return services.mineral_statistic_save(statistic=obj)

    def remove(self, request: HttpRequest, obj: MineralStatistic) -> None:
        services.mineral_statistic_delete(statistic=obj)


class CriticalityListMemberInline(admin.TabularInline):
    model = CriticalityListMember
    autocomplete_fields = ["mineral"]
    extra = 0


@admin.register(CriticalityList)
class CriticalityListAdmin(ServiceWritesAdmin):
    list_display = ["name", "issuer", "country", "year", "published_on"]
    list_filter = ["year"]
    list_select_related = ["country"]
    search_fields = ["name", "issuer", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["country"]
    inlines = [CriticalityListMemberInline]
    ordering = ["-year", "name"]

    def write(self, request: HttpRequest, obj: CriticalityList, form: Any, change: bool) -> Any:
        # Its members are the inline's rows (the m2m goes through CriticalityListMember).
        return services.criticality_list_save(criticality_list=obj)

    def remove(self, request: HttpRequest, obj: CriticalityList) -> None:
        services.criticality_list_delete(criticality_list=obj)

    def write_row(self, request: HttpRequest, row: Any, change: bool) -> Any:
        return services.criticality_list_member_save(member=row)

    def remove_row(self, request: HttpRequest, row: Any) -> None:
        services.criticality_list_member_delete(member=row)
