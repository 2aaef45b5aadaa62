"""Instruments (agreements, funds, programmes) with their parties as an inline; both written
by engagements.services.directory (instrument_create / instrument_update with parties)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts import policy

from .. import services
from ..models import Instrument, InstrumentParty
from .base import HTTPS_URLS, call_service, kept_forms
from .directory import DirectoryAdmin


class InstrumentPartyInline(admin.TabularInline):
    model = InstrumentParty
    fields = ["role", "organization", "country", "amount", "note"]
    autocomplete_fields = ["organization", "country"]
    extra = 0


def _parties(formset: Any) -> list[services.InstrumentPartyInput]:
    return [
        services.InstrumentPartyInput(
            id=form.instance.pk,
            role=form.cleaned_data["role"],
            organization=form.cleaned_data.get("organization"),
            country=form.cleaned_data.get("country"),
            amount=form.cleaned_data.get("amount"),
            note=form.cleaned_data.get("note") or "",
        )
        for form in kept_forms(formset)
    ]


@admin.register(Instrument)
class InstrumentAdmin(DirectoryAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = [
        "name",
        "short_name",
        "kind",
        "status",
        "administering_organization",
        "amount",
        "currency",
        "start_date",
        "end_date",
    ]
    list_filter = [
        "kind",
        "status",
        ("administering_organization", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "short_name", "slug", "identifier"]
    autocomplete_fields = ["administering_organization", "related"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [InstrumentPartyInline]
    ordering = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Instrument]:
        return super().get_queryset(request).select_related("administering_organization")

    def write(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> Instrument:
        parties = _parties(formsets[0]) if formsets else []
        related = list(form.cleaned_data.get("related") or [])
        if not change:
            return call_service(
                services.instrument_create,
                user=request.user,
                values=self.values(form, form.cleaned_data),
                related=related,
                parties=parties,
            )
        return call_service(
            services.instrument_update,
            user=request.user,
            instrument=Instrument.objects.get(pk=form.instance.pk),
            changes=self.values(form, form.changed_data),
            related=related,
            parties=parties if formsets else None,
        )

    def remove(self, request: HttpRequest, obj: Instrument) -> None:
        services.instrument_delete(user=request.user, instrument=obj)


@admin.register(InstrumentParty)
class InstrumentPartyAdmin(DirectoryAdmin):
    record_services = (
        services.instrument_party_create,
        services.instrument_party_update,
        services.instrument_party_delete,
    )
    record_name = "party"
    list_display = ["instrument", "role", "organization", "country", "amount"]
    list_filter = ["role", ("instrument", admin.RelatedOnlyFieldListFilter)]
    search_fields = [
        "instrument__name",
        "instrument__short_name",
        "organization__name",
        "country__name",
    ]
    autocomplete_fields = ["instrument", "organization", "country"]
    ordering = ["instrument__name", "role"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A party goes with its instrument's curation, as services.instrument_party_delete
        # says, not with the deletion of reference records.
        return policy.may_log_meetings(request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet[InstrumentParty]:
        return super().get_queryset(request).select_related("instrument", "organization", "country")
